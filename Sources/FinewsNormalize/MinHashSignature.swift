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

    /// The values, ``count`` of them; all `UInt64.max` for an empty text.
    public private(set) var values: [UInt64]

    private static let seed: UInt64 = 0x6669_6E65_7773_3139  // "finews19"
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
                for start in 0...last {
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ Self.seed
                    for offset in start..<min(start + length, scalars.count) {
                        hash = (hash ^ UInt64(scalars[offset].value)) &* 0x0000_0100_0000_01B3
                    }
                    let mixed = Self.mix(hash)
                    let bin = Int(truncatingIfNeeded: mixed >> 57)
                    // The low 57 bits rank the shingle inside its bin.
                    let rank = mixed & 0x01FF_FFFF_FFFF_FFFF
                    if rank < bins[bin] { bins[bin] = rank }
                }
            }
            Self.densify(&bins)
        }
        values = bins
    }

    /// A stored signature (``bytes``), or nil when `bytes` is not one.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.count * 8 else { return nil }
        var values = [UInt64](repeating: 0, count: Self.count)
        for index in 0..<Self.count {
            var value: UInt64 = 0
            for byte in bytes[(index * 8)..<(index * 8 + 8)].reversed() { value = value << 8 | UInt64(byte) }
            values[index] = value
        }
        self.values = values
    }

    /// The values as little-endian bytes, for the state.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.count * 8)
        for value in values {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return bytes
    }

    /// Whether the text had no characters: such a signature matches nothing.
    public var isEmpty: Bool { values.first == Self.empty }

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
                hash = Self.mix(hash ^ values[band * Self.rows + row])
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

/// An in-memory LSH index of signatures, for stories not yet in the state.
package struct SimilarityIndex: Sendable {
    private var byBand: [Int64: [Int]] = [:]
    private var entries: [(code: InfoCode, signature: MinHashSignature)] = []

    /// An empty index.
    package init() {}

    /// Whether it holds no signature.
    package var isEmpty: Bool { entries.isEmpty }

    /// Adds a story's signature.
    package mutating func insert(_ signature: MinHashSignature, for code: InfoCode, keys: [Int64]) {
        let position = entries.count
        entries.append((code, signature))
        for key in keys { byBand[key, default: []].append(position) }
    }

    /// The stories sharing a band with `keys`, each with its signature.
    package func candidates(keys: [Int64]) -> [(code: InfoCode, signature: MinHashSignature)] {
        var seen: Set<Int> = []
        var found: [(code: InfoCode, signature: MinHashSignature)] = []
        for key in keys {
            for position in byBand[key] ?? [] where seen.insert(position).inserted { found.append(entries[position]) }
        }
        return found
    }
}
