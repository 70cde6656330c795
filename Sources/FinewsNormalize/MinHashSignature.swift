/// A MinHash signature of a text's set of character shingles: 128 values such
/// that the share of positions where two signatures agree estimates the Jaccard
/// similarity of the two sets (``similarity(to:)``).
///
/// - Shingles are ``shingleLength`` consecutive characters of ``SimilarityText``:
///   characters, not words, so Chinese needs no word segmentation.
/// - Each shingle is hashed once with a seeded 64-bit hash (FNV-1a over the
///   scalars, then the SplitMix64 finalizer). The hash is fixed — never Swift's
///   per-process `Hasher` — because signatures are stored and compared across runs.
/// - The 128 values come from one-permutation hashing: the top 7 bits of a
///   shingle's hash pick one of 128 bins, each bin keeps its smallest hash, and
///   empty bins borrow from a bin chosen by a fixed probe sequence (optimal
///   densification, Shrivastava 2017). This estimates the same Jaccard similarity
///   as 128 independent hash functions at the cost of one hash per shingle, so a
///   long story costs a few microseconds.
/// - Each bin keeps the low 16 bits of its least hash (b-bit minwise hashing, Li
///   and König 2010): two different least hashes agree by chance once in 65,536,
///   which moves an estimate by less than 0.0001, and a signature is 256 bytes.
/// - The signature is cut into ``bands`` bands of ``rows`` rows for locality-
///   sensitive hashing (``bandKeys``): two stories become candidates when one band
///   agrees entirely.
public struct MinHashSignature: Sendable, Hashable {
    /// How many values a signature holds.
    public static let count = 128
    /// Characters per shingle.
    public static let shingleLength = 4
    /// LSH bands; ``bands`` × ``rows`` = ``count``.
    public static let bands = 16
    /// Values per band.
    public static let rows = 8

    /// The values, ``count`` of them; none for an empty text.
    public private(set) var values: [UInt16]

    private static let seed: UInt64 = 0x6669_6E65_7773_3139  // "finews19"
    /// FNV-1a's 64-bit offset basis, seeded, and prime.
    private static let basis: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    private static let prime: UInt64 = 0x0000_0100_0000_01B3
    private static let empty = UInt64.max

    /// The signature of a normalized text (``SimilarityText``).
    public init(text: [Unicode.Scalar]) {
        self.init(text: text, shingleLength: Self.shingleLength)
    }

    /// The signature with shingles of `shingleLength` characters (to compare choices in tests).
    package init(text: [Unicode.Scalar], shingleLength: Int) {
        var bins = [UInt64](repeating: Self.empty, count: Self.count)
        let length = max(1, shingleLength)
        if !text.isEmpty {
            let last = max(0, text.count - length)
            text.withUnsafeBufferPointer { scalars in
                bins.withUnsafeMutableBufferPointer { bins in
                    for start in 0...last {
                        var hash: UInt64 = Self.basis
                        if length == 4 && start + 4 <= scalars.count {
                            // The usual shingle, unrolled: the same FNV-1a steps.
                            hash = (hash ^ UInt64(scalars[start].value)) &* Self.prime
                            hash = (hash ^ UInt64(scalars[start + 1].value)) &* Self.prime
                            hash = (hash ^ UInt64(scalars[start + 2].value)) &* Self.prime
                            hash = (hash ^ UInt64(scalars[start + 3].value)) &* Self.prime
                        } else {
                            for offset in start..<min(start + length, scalars.count) {
                                hash = (hash ^ UInt64(scalars[offset].value)) &* Self.prime
                            }
                        }
                        let mixed = Self.mix(hash)
                        // The top 7 bits choose the bin (always in 0..<128), the low 57
                        // rank the shingle inside it.
                        let bin = Int(truncatingIfNeeded: mixed >> 57)
                        let rank = mixed & 0x01FF_FFFF_FFFF_FFFF
                        if rank < bins[bin] { bins[bin] = rank }
                    }
                }
            }
            Self.densify(&bins)
            values = bins.map { UInt16(truncatingIfNeeded: $0) }
        } else {
            values = []
        }
    }

    /// A stored signature (``bytes``), or nil when `bytes` is not one.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.count * 2 else { return nil }
        values = bytes.withUnsafeBytes { raw in
            (0..<Self.count).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        }
    }

    /// The values as little-endian bytes, for the state.
    public var bytes: [UInt8] {
        values.map { $0.littleEndian }.withUnsafeBytes { Array($0) }
    }

    /// Whether the text had no characters: such a signature matches nothing.
    public var isEmpty: Bool { values.isEmpty }

    /// The estimated Jaccard similarity of the two texts' shingle sets, 0...1;
    /// 0 when either is empty.
    public func similarity(to other: MinHashSignature) -> Double {
        guard !isEmpty, !other.isEmpty, values.count == other.values.count else { return 0 }
        var equal = 0
        for index in values.indices where values[index] == other.values[index] { equal += 1 }
        return Double(equal) / Double(values.count)
    }

    /// One key per band: the band's number and its rows hashed together. Two
    /// signatures that share a key agree on a whole band. Empty: no keys.
    public var bandKeys: [Int64] {
        guard !isEmpty else { return [] }
        var keys: [Int64] = []
        keys.reserveCapacity(Self.bands)
        for band in 0..<Self.bands {
            var hash = Self.seed &+ UInt64(band) &* 0x9E37_79B9_7F4A_7C15
            for row in 0..<Self.rows {
                hash = Self.mix(hash ^ UInt64(values[band * Self.rows + row]))
            }
            keys.append(Int64(bitPattern: hash))
        }
        return keys
    }

    /// The SplitMix64 finalizer: a bijection of 64-bit values that spreads every input bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills each empty bin from the first non-empty bin of its own probe sequence,
    /// salted with the number of probes, so that two texts fill a bin alike exactly
    /// when they agree on the bin it came from.
    private static func densify(_ bins: inout [UInt64]) {
        let original = bins
        guard original.contains(where: { $0 != empty }) else { return }
        for bin in 0..<count where original[bin] == empty {
            var attempt: UInt64 = 1
            while true {
                let probe = Int(truncatingIfNeeded: mix(UInt64(bin) << 32 | attempt) >> 57)
                if original[probe] != empty {
                    bins[bin] = mix(original[probe] ^ attempt) & 0x01FF_FFFF_FFFF_FFFF
                    break
                }
                attempt += 1
            }
        }
    }
}
