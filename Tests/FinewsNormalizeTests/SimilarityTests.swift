@testable import FinewsNormalize
import Foundation
import Testing

@Suite("Near-duplicate similarity")
struct SimilarityTests {
    /// The default threshold of `[dedupe] threshold`.
    static let threshold = 0.85

    static func signature(_ side: (title: String, html: String), shingle: Int = MinHashSignature.shingleLength) -> MinHashSignature {
        MinHashSignature(text: SimilarityText.of(title: side.title, bodyHTML: side.html), shingleLength: shingle)
    }

    /// The exact Jaccard similarity of two texts' shingle sets.
    static func jaccard(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], shingle: Int) -> Double {
        func shingles(_ text: [Unicode.Scalar]) -> Set<String> {
            guard text.count > shingle else { return [String(String.UnicodeScalarView(text))] }
            return Set((0...(text.count - shingle)).map { String(String.UnicodeScalarView(text[$0..<($0 + shingle)])) })
        }
        let left = shingles(a), right = shingles(b)
        return Double(left.intersection(right).count) / Double(left.union(right).count)
    }

    struct Score {
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
        var recall: Double { Double(truePositives) / Double(max(1, truePositives + falseNegatives)) }
    }

    static func score(shingle: Int, misses: inout [String]) -> Score {
        var score = Score()
        for pair in SyndicationCorpus.all {
            let similar = signature(pair.a, shingle: shingle).similarity(to: signature(pair.b, shingle: shingle)) >= threshold
            switch (similar, pair.same) {
            case (true, true): score.truePositives += 1
            case (true, false): score.falsePositives += 1; misses.append("false positive: \(pair.label)")
            case (false, true): score.falseNegatives += 1; misses.append("missed: \(pair.label)")
            case (false, false): break
            }
        }
        return score
    }

    @Test("The labelled set: precision ≥ 99% and recall ≥ 95% at the default threshold")
    func labelledSet() {
        let copies = SyndicationCorpus.all.filter(\.same).count
        let negatives = SyndicationCorpus.all.count - copies
        #expect(copies >= 40 && negatives >= 40)
        var misses: [String] = []
        let score = Self.score(shingle: MinHashSignature.shingleLength, misses: &misses)
        print("similarity k=\(MinHashSignature.shingleLength): \(copies) copies, \(negatives) negatives; "
            + "precision \(String(format: "%.3f", score.precision)), recall \(String(format: "%.3f", score.recall))")
        for miss in misses { print("  \(miss)") }
        let rewrites = SyndicationCorpus.rewrites.map { Self.signature($0.a).similarity(to: Self.signature($0.b)) }
        print("rewritten sentence (a quarter of the text): \(rewrites.filter { $0 >= Self.threshold }.count) of "
            + "\(rewrites.count) found; similarity " + String(format: "%.2f to %.2f", rewrites.min() ?? 0, rewrites.max() ?? 0))
        #expect(score.precision >= 0.99, "\(misses)")
        #expect(score.recall >= 0.95, "\(misses)")
    }

    @Test("Shingle lengths compared (prints the table the README quotes)")
    func shingleLengths() {
        for shingle in 2...7 {
            var misses: [String] = []
            let score = Self.score(shingle: shingle, misses: &misses)
            var lowestCopy = 1.0, highestOther = 0.0
            for pair in SyndicationCorpus.all {
                let exact = Self.jaccard(
                    SimilarityText.of(title: pair.a.title, bodyHTML: pair.a.html),
                    SimilarityText.of(title: pair.b.title, bodyHTML: pair.b.html), shingle: shingle)
                if pair.same { lowestCopy = min(lowestCopy, exact) } else { highestOther = max(highestOther, exact) }
            }
            print(String(format: "k=%d precision %.3f recall %.3f; exact Jaccard: lowest copy %.3f, highest non-copy %.3f",
                         shingle, score.precision, score.recall, lowestCopy, highestOther))
        }
        #expect(Bool(true))
    }

    @Test("The estimate follows the exact Jaccard similarity")
    func estimate() {
        var worst = 0.0
        for pair in SyndicationCorpus.all {
            let a = SimilarityText.of(title: pair.a.title, bodyHTML: pair.a.html)
            let b = SimilarityText.of(title: pair.b.title, bodyHTML: pair.b.html)
            let exact = Self.jaccard(a, b, shingle: MinHashSignature.shingleLength)
            let estimate = MinHashSignature(text: a).similarity(to: MinHashSignature(text: b))
            worst = max(worst, abs(exact - estimate))
        }
        // 128 values: the standard error at J = 0.5 is 0.044; 0.2 is over four of them.
        #expect(worst < 0.2, "worst error \(worst)")
    }

    @Test("Bylines, datelines, source and editor lines, markup and punctuation are left out")
    func normalization() {
        let plain = SimilarityText.normalized(html: "<p>福厦高铁全线贯通。</p><p>全长277公里。</p>")
        let decorated = SimilarityText.normalized(html: """
            <p>新华社北京3月2日电（记者 王某）福厦高铁全线贯通,</p><p><b>全长</b>２７７公里.（文章来源：漯河日报）</p>\
            <p>责任编辑：李四</p>
            """)
        #expect(String(String.UnicodeScalarView(plain)) == "福厦高铁全线贯通全长277公里")
        #expect(decorated == plain)
        let english = SimilarityText.normalized(html: "<p>By Jane Doe</p><p>WASHINGTON (Reuters) - Rates held.</p><p>Source: Reuters</p>")
        #expect(String(String.UnicodeScalarView(english)) == "washingtonratesheld")
        // A word that merely contains a credit word stays.
        #expect(String(String.UnicodeScalarView(SimilarityText.normalized(html: "(rapid growth)"))) == "rapidgrowth")
    }

    @Test("A short story is compared by its title and text")
    func shortStory() {
        let a = SimilarityText.of(title: "Quake hits coast", bodyHTML: "<p>A strong earthquake struck.</p>")
        let b = SimilarityText.of(title: "Floods hit coast", bodyHTML: "<p>A strong earthquake struck.</p>")
        #expect(String(String.UnicodeScalarView(a)) == "quakehitscoastastrongearthquakestruck")
        #expect(a != b)
        let long = String(repeating: "长", count: SimilarityText.shortText)
        #expect(SimilarityText.of(title: "标题", bodyHTML: long).count == SimilarityText.shortText)
    }

    @Test("Signatures survive storage; equal texts agree on every band; empty texts match nothing")
    func storage() throws {
        let signature = Self.signature(("t", SyndicationCorpus.html(SyndicationCorpus.wire[0].paragraphs)))
        let stored = try #require(MinHashSignature(bytes: signature.bytes))
        #expect(stored == signature)
        #expect(MinHashSignature(bytes: [1, 2, 3]) == nil)
        #expect(stored.bandKeys == signature.bandKeys && signature.bandKeys.count == MinHashSignature.bands)
        let empty = MinHashSignature(text: [])
        #expect(empty.isEmpty && empty.bandKeys.isEmpty && empty.similarity(to: empty) == 0)
    }

    @Test("LSH: copies share a band, unrelated stories do not")
    func bands() {
        var copiesFound = 0, copies = 0, unrelatedFound = 0
        for pair in SyndicationCorpus.copies {
            copies += 1
            if !Set(Self.signature(pair.a).bandKeys).isDisjoint(with: Self.signature(pair.b).bandKeys) { copiesFound += 1 }
        }
        for pair in SyndicationCorpus.unrelated
        where !Set(Self.signature(pair.a).bandKeys).isDisjoint(with: Self.signature(pair.b).bandKeys) {
            unrelatedFound += 1
        }
        #expect(copiesFound == copies)
        #expect(unrelatedFound == 0)
    }

    @Test("The candidate probability of 16 bands × 8 rows: high at the threshold, low well below it")
    func candidateCurve() {
        func probability(_ s: Double) -> Double {
            1 - pow(1 - pow(s, Double(MinHashSignature.rows)), Double(MinHashSignature.bands))
        }
        #expect(MinHashSignature.bands * MinHashSignature.rows == MinHashSignature.count)
        #expect(probability(0.85) > 0.99)
        #expect(probability(0.5) < 0.07)
        #expect(probability(0.3) < 0.002)
    }
}
