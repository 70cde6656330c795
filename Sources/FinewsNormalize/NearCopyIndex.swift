/// An in-memory LSH index of MinHash signatures, small enough to hold every story
/// of a near-duplicate window (``MinHashSignature``, `[dedupe] similar`).
///
/// A story costs about 100 bytes here instead of the 256 of its signature plus
/// the 16 band rows a database index would need:
///
/// - **Band keys.** Each of a story's 16 band keys (``MinHashSignature/bandKeys``)
///   goes into an open-addressing table of 32-bit slots: the story's number in
///   the low 24 bits and 8 more bits of the key as a fingerprint. The key's low
///   bits choose the home slot, so the slot and the fingerprint together check 16
///   to 30 bits of the key; a story that only collides on those is a false
///   candidate, which the sketch below rules out. A full table is not rehashed (its
///   slots do not hold the keys): a table twice as large takes the new stories, and
///   a lookup probes every table — about log2 of the stories over 2^13 of them
///   (four for 200,000 stories).
/// - **Sketch.** The low 2 bits of each of the 128 values (b-bit minwise
///   hashing): 32 bytes that estimate the similarity to within a few hundredths
///   (two unrelated values agree one time in four; ``estimatedSimilarity(_:_:)``
///   corrects for that). A candidate whose estimate is well below the threshold is
///   dropped before its full signature is ever read.
///
/// The index finds candidates; the caller confirms each with the full signatures
/// (``MinHashSignature/similarity(to:)``), as a database index would.
package struct NearCopyIndex: Sendable {
    /// The most stories one index holds: the slot has 24 bits for the story's number.
    package static let capacity = (1 << 24) - 1

    /// Slots of the tables, 0 for empty; new stories go into the last table.
    private var tables: [[UInt32]] = []
    /// Occupied slots of the last table.
    private var lastTableCount = 0
    /// Four words per story: 2 bits of each of its 128 values.
    private var sketches: [UInt64] = []

    /// The number of stories held; a story's number is its position, from 0.
    package private(set) var count = 0

    /// The fill of a table past which the next stories go into a new one.
    private static let maximumLoad = 0.8
    /// 2^18 slots (1 MiB) hold about 13,000 stories; the tables double from there,
    /// so that 200,000 stories take four tables, and a lookup four cache misses a key.
    private static let firstTableBits = 18
    private static let sketchWords = MinHashSignature.count / 32

    /// An empty index.
    package init() {}

    /// Adds a story by its signature and band keys (``MinHashSignature/bandKeys``);
    /// returns its number, or nil when the signature is empty or the index is full.
    @discardableResult
    package mutating func insert(_ signature: MinHashSignature, keys: [Int64]) -> Int? {
        guard !signature.isEmpty, !keys.isEmpty, count < Self.capacity else { return nil }
        let number = count
        count += 1
        let sketch = Self.sketch(of: signature)
        sketches.append(sketch.0)
        sketches.append(sketch.1)
        sketches.append(sketch.2)
        sketches.append(sketch.3)
        if tables.isEmpty || Double(lastTableCount + keys.count) > Self.maximumLoad * Double(tables[tables.count - 1].count) {
            let bits = tables.isEmpty ? Self.firstTableBits : tables[tables.count - 1].count.trailingZeroBitCount + 1
            tables.append([UInt32](repeating: 0, count: 1 << bits))
            lastTableCount = 0
        }
        let last = tables.count - 1
        let slot = UInt32(truncatingIfNeeded: number + 1)
        tables[last].withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            for key in keys {
                let value = UInt64(bitPattern: key)
                var position = Int(truncatingIfNeeded: value) & mask
                while table[position] != 0 { position = (position + 1) & mask }
                table[position] = Self.fingerprint(value) | slot
            }
        }
        lastTableCount += keys.count
        return number
    }

    /// A story found by ``candidates(of:keys:minimumSimilarity:)``: its number and
    /// the similarity its sketch estimates.
    package struct Candidate: Sendable, Hashable {
        package var number: Int
        package var estimate: Double
    }

    /// The stories sharing a band key with `keys` whose sketch estimates their
    /// similarity to `signature` at `minimumSimilarity` or more, each once.
    package func candidates(of signature: MinHashSignature, keys: [Int64], minimumSimilarity: Double) -> [Candidate] {
        guard count > 0, !signature.isEmpty, !keys.isEmpty else { return [] }
        let probe = Self.sketch(of: signature)
        var found: [Candidate] = []
        let homes = tables.count * keys.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: homes) { positions in
            // Every home slot is read first, in one pass: the reads are independent,
            // so their cache misses overlap instead of following one another.
            var warm: UInt32 = 0
            for (tableIndex, table) in tables.enumerated() {
                let mask = table.count - 1
                for (keyIndex, key) in keys.enumerated() {
                    let position = Int(truncatingIfNeeded: UInt64(bitPattern: key)) & mask
                    positions[tableIndex * keys.count + keyIndex] = position
                    warm |= table[position]
                }
            }
            guard warm != 0 else { return }
            sketches.withUnsafeBufferPointer { sketches in
                for (tableIndex, table) in tables.enumerated() {
                    table.withUnsafeBufferPointer { table in
                        let mask = table.count - 1
                        for (keyIndex, key) in keys.enumerated() {
                            let fingerprint = Self.fingerprint(UInt64(bitPattern: key))
                            var position = positions[tableIndex * keys.count + keyIndex]
                            while table[position] != 0 {
                                let slot = table[position]
                                position = (position + 1) & mask
                                guard slot & 0xFF00_0000 == fingerprint else { continue }
                                let number = Int(slot & 0x00FF_FFFF) - 1
                                // A story found by two bands is listed once.
                                guard !found.contains(where: { $0.number == number }) else { continue }
                                let base = number * Self.sketchWords
                                let estimate = Self.estimatedSimilarity(
                                    probe, sketches[base], sketches[base + 1], sketches[base + 2], sketches[base + 3])
                                if estimate >= minimumSimilarity { found.append(Candidate(number: number, estimate: estimate)) }
                            }
                        }
                    }
                }
            }
        }
        return found
    }

    /// Bytes held, for the README's accounting and the tests.
    package var bytes: Int {
        tables.reduce(0) { $0 + $1.count * 4 } + sketches.count * 8
    }

    @inline(__always)
    private static func fingerprint(_ key: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: key >> 56) << 24
    }

    /// The low 2 bits of each value, 32 values to a word.
    private static func sketch(of signature: MinHashSignature) -> (UInt64, UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        signature.values.withUnsafeBufferPointer { values in
            func word(_ start: Int) -> UInt64 {
                var word: UInt64 = 0
                for index in 0..<32 { word |= UInt64(values[start + index] & 3) << UInt64(index * 2) }
                return word
            }
            guard values.count == MinHashSignature.count else { return }
            words = (word(0), word(32), word(64), word(96))
        }
        return words
    }

    /// The similarity the two sketches estimate: the share of agreeing 2-bit values,
    /// less the quarter that agree by chance, scaled back to 0...1.
    @inline(__always)
    private static func estimatedSimilarity(
        _ a: (UInt64, UInt64, UInt64, UInt64), _ b0: UInt64, _ b1: UInt64, _ b2: UInt64, _ b3: UInt64
    ) -> Double {
        let agree = agreeing(a.0, b0) + agreeing(a.1, b1) + agreeing(a.2, b2) + agreeing(a.3, b3)
        let share = Double(agree) / Double(MinHashSignature.count)
        return max(0, (share - 0.25) / 0.75)
    }

    /// How many of the 32 2-bit fields of the two words are equal.
    @inline(__always)
    private static func agreeing(_ a: UInt64, _ b: UInt64) -> Int {
        let difference = a ^ b
        return ((~(difference | (difference >> 1))) & 0x5555_5555_5555_5555).nonzeroBitCount
    }
}
