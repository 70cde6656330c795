@testable import FinewsNormalize
import Testing

@Suite("The in-memory index of near-copies")
struct NearCopyIndexTests {
    static func signature(_ side: (title: String, html: String)) -> MinHashSignature {
        MinHashSignature(text: SimilarityText.of(title: side.title, bodyHTML: side.html))
    }

    /// A deterministic text of `length` CJK ideographs (xorshift over a 2,000-character range).
    static func randomText(seed: UInt64, length: Int = 400) -> [Unicode.Scalar] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<length).compactMap { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Unicode.Scalar(0x4E00 + UInt32(state % 2000))
        }
    }

    @Test("Every labelled copy is a candidate of the story it copies, with an estimate near its signature's")
    func copiesAreFound() throws {
        for pair in SyndicationCorpus.copies {
            let original = Self.signature(pair.a), copy = Self.signature(pair.b)
            var index = NearCopyIndex()
            let inserted = index.insert(original, keys: original.bandKeys)
            let number = try #require(inserted)
            let exact = copy.similarity(to: original)
            let found = index.candidates(of: copy, keys: copy.bandKeys, minimumSimilarity: SimilarityTests.threshold - 0.2)
            if exact >= SimilarityTests.threshold {
                let candidate = try #require(found.first, "\(pair.label): a copy at \(exact) was not a candidate")
                #expect(candidate.number == number)
                #expect(abs(candidate.estimate - exact) < 0.15, "\(pair.label): sketch \(candidate.estimate), signature \(exact)")
            }
        }
    }

    @Test("Unrelated stories that share a band are dropped by their sketch")
    func unrelatedAreDropped() {
        var index = NearCopyIndex()
        for pair in SyndicationCorpus.unrelated {
            let a = Self.signature(pair.a)
            index.insert(a, keys: a.bandKeys)
        }
        var kept = 0
        for pair in SyndicationCorpus.unrelated {
            let b = Self.signature(pair.b)
            for candidate in index.candidates(of: b, keys: b.bandKeys, minimumSimilarity: SimilarityTests.threshold - 0.2)
            where candidate.estimate < 0.99 {
                kept += 1
            }
        }
        #expect(kept == 0)
    }

    @Test("Past its first table the index grows into more tables, finds every story again, in under 240 bytes a story")
    func growth() throws {
        var index = NearCopyIndex()
        // Past the first table (about 13,000 stories); short texts keep the test cheap,
        // since it runs beside time-bound tests on two cores.
        let stories = 16_000
        var signatures: [MinHashSignature] = []
        for seed in 0..<UInt64(stories) {
            let signature = MinHashSignature(text: Self.randomText(seed: seed, length: 48))
            signatures.append(signature)
            #expect(index.insert(signature, keys: signature.bandKeys) == Int(seed))
        }
        #expect(index.count == stories)
        for (number, signature) in signatures.enumerated() where number % 97 == 0 {
            let found = index.candidates(of: signature, keys: signature.bandKeys, minimumSimilarity: 0.65)
            #expect(found.map(\.number) == [number], "story \(number): \(found)")
            #expect(found.first?.estimate == 1)
        }
        // 16 slots of 4 bytes at a fill of 0.4 to 0.8, and 32 bytes of sketch.
        let perStory = Double(index.bytes) / Double(stories)
        #expect(perStory < 240, "\(perStory) bytes a story")
        #expect(perStory > 96)
    }

    @Test("An empty signature is not held and finds nothing")
    func empty() {
        var index = NearCopyIndex()
        let empty = MinHashSignature(text: [])
        #expect(index.insert(empty, keys: empty.bandKeys) == nil)
        let some = MinHashSignature(text: Self.randomText(seed: 7))
        index.insert(some, keys: some.bandKeys)
        #expect(index.candidates(of: empty, keys: [], minimumSimilarity: 0).isEmpty)
    }
}
