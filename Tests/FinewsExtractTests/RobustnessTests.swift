import FinewsExtract
import Testing

@Suite("Robustness")
struct RobustnessTests {
    @Test("10,000 nested divs neither crash nor lose what comes before them")
    func deepNesting() throws {
        let depth = 10_000
        let page = "<html><body><p id=\"first\">前言</p>" + String(repeating: "<div>", count: depth) + "深处"
            + String(repeating: "</div>", count: depth) + "<p>结尾</p></body></html>"
        let bytes = Array(page.utf8)
        let first = try ArticleExtractor(rule: .xpath("//p[@id='first']")).extract(bytes, charset: nil)
        #expect(first.html == "前言")
        let divs = try ArticleExtractor(rule: .xpath("//div")).extract(bytes, charset: nil)
        #expect(divs.html.hasPrefix("<div><div>"))
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: .readability).extract(bytes, charset: nil)
        }
        #expect(error.code == .noArticle)
    }

    @Test("Deeply nested JSON is refused, not a crash")
    func deepJSON() throws {
        let bytes = Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8)
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: .json("0.0")).extract(bytes, charset: nil)
        }
        #expect(error.code == .notJSON)
    }

    @Test("Junk bytes give an error, not a crash", arguments: [
        ExtractionRule.readability, .xpath("//div"), .xpath("//p"), .json("content"),
    ])
    func junk(rule: ExtractionRule) throws {
        // A fixed pseudo-random sequence (xorshift), with NUL bytes and stray '<'s.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        for _ in 0..<65_536 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes.append(UInt8(truncatingIfNeeded: state))
        }
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: rule).extract(bytes, charset: nil)
        }
        #expect(error.code == .notText)
    }

    @Test("Text with junk in it is still read; a PNG is refused")
    func binaryOrNot() throws {
        let paragraph = "<p>Readers wrote in, by letter and by phone, to say that the new timetable works well, that the buses come on time, and that the night line should stay.</p>"
        var page = Array("<html><body><div class=\"post\">\(paragraph)\(paragraph)</div></body></html>".utf8)
        page.insert(0x00, at: 20)  // one stray control byte in a page is not binary
        let article = try ArticleExtractor(rule: .readability).extract(page, charset: nil)
        #expect(article.html == paragraph + paragraph)

        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64)
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: .readability).extract(png, charset: nil)
        }
        #expect(error.code == .notText)
        #expect(error.message.contains("it starts with the bytes 89 50 4E 47 D A 1A A"))
    }

    @Test("Empty and oversized answers are refused with a clear message")
    func bounds() throws {
        let extractor = ArticleExtractor(rule: .readability)
        let empty = try #require(throws: ExtractionError.self) { try extractor.extract([], charset: nil) }
        #expect(empty.code == .empty)
        let blank = try #require(throws: ExtractionError.self) { try extractor.extract(Array(" \n\t".utf8), charset: nil) }
        #expect(blank.code == .empty)
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 16 * 1024 * 1024 + 1)
        let tooLarge = try #require(throws: ExtractionError.self) { try extractor.extract(huge, charset: nil) }
        #expect(tooLarge.code == .tooLarge)
        #expect(tooLarge.message.contains("16 MiB"))
    }

    @Test("Broken markup in a JSON answer's HTML is kept as it is")
    func brokenHTMLInJSON() throws {
        let bytes = Array(#"{"content":"<p>　　甲<a href=\"x\"  <<<< <!-- 乙"}"#.utf8)
        let article = try ArticleExtractor(rule: .json("content")).extract(bytes, charset: nil)
        #expect(article.html == "<p>甲<a href=\"x\"  <<<< <!-- 乙")
    }
}
