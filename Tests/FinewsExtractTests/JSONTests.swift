@testable import FinewsExtract
import Testing

@Suite("JSON rules")
struct JSONTests {
    private func extract(_ path: String, from name: String = "api.json") throws -> String {
        try ArticleExtractor(rule: .json(path)).extract(try fixture(name), charset: "utf-8").html
    }

    @Test("Key paths reach strings in objects and arrays", arguments: [
        ("data.content", "<p>记者从市交通运输局获悉，老城区微循环公交本周开通。</p><p>乘客可通过官方应用查询实时到站信息。\u{3000}欢迎试乘。</p>"),
        ("data.items.1.body", "<p>第二条</p>"),
        ("data.items.0.body", "<p>第一条</p>"),
        ("data.title", "<p>微循环线路开通</p>"),
        // Plain text: one paragraph per line, escaped.
        ("data.summary", "<p>第一段：线路覆盖学校、医院。</p><p>第二段：首末班时间 6:00 &amp; 21:00。</p>"),
        // An array of strings is joined, each read as text or HTML.
        ("data.paragraphs", "<p>甲段。</p><p>乙段。</p>"),
    ])
    func keyPaths(path: String, expected: String) throws {
        #expect(try extract(path) == expected)
    }

    @Test("A missing key lists the keys that are there", arguments: [
        ("content", "no key 'content' in the JSON answer (keys: code, data)"),
        ("data.body", "no key 'body' at 'data' (keys: content, count, extra, items, paragraphs, summary, title)"),
        ("data.items.2.body", "no item 2 at 'data.items': the array has 2 items"),
        ("data.items.first", "'first' is not an array index, but at 'data.items' there is an array; use a number (0 for the first item)"),
    ])
    func missingKey(path: String, message: String) throws {
        let error = try #require(throws: ExtractionError.self) { try extract(path) }
        #expect(error.code == .missingKey)
        #expect(error.message == message)
    }

    @Test("A value that is not text is the wrong type", arguments: [
        ("code", "the value at 'code' is a number (0), not a string; point the key path at the article text"),
        ("data.extra", "the value at 'data.extra' is null, not a string; point the key path at the article text"),
        ("data.items.0", "the value at 'data.items.0' is an object (keys: body), not a string; point the key path at the article text"),
        ("data.items", "the value at 'data.items' is an array whose item 0 is an object (keys: body), not a string; point the key path at the article text"),
        ("code.value", "no key 'value' at 'code': the value there is a number (0), not an object"),
    ])
    func wrongType(path: String, message: String) throws {
        let error = try #require(throws: ExtractionError.self) { try extract(path) }
        #expect(error.code == .wrongType)
        #expect(error.message == message)
    }

    @Test("An HTML page given to a JSON rule is not JSON")
    func notJSON() throws {
        let error = try #require(throws: ExtractionError.self) { try extract("data.content", from: "article-utf8.html") }
        #expect(error.code == .notJSON)
        #expect(error.message.hasPrefix("the answer is not JSON"))
        #expect(error.message.contains("it starts with \"<!DOCTYPE html>"))
    }

    @Test("A GBK JSON answer is read with the HTTP charset")
    func gbkAnswer() throws {
        // {"content":"喆园路"} in GBK.
        let bytes = Array("{\"content\":\"".utf8) + [0x86, 0xB4, 0xD4, 0xB0, 0xC2, 0xB7] + Array("\"}".utf8)
        let article = try ArticleExtractor(rule: .json("content")).extract(bytes, charset: "gbk")
        #expect(article.html == "<p>喆园路</p>")
    }

    @Test("Key paths with empty components are config errors", arguments: [
        ("", "the JSON key path is empty; write the key that holds the article, e.g. content or data.content"),
        ("data..content", "the JSON key path 'data..content' has an empty component; separate keys with single dots, e.g. data.content"),
        (".content", "the JSON key path '.content' has an empty component; separate keys with single dots, e.g. data.content"),
        ("content.", "the JSON key path 'content.' has an empty component; separate keys with single dots, e.g. data.content"),
    ])
    func invalidKeyPath(path: String, message: String) throws {
        #expect(ArticleExtractor.problem(with: .json(path)) == message)
        let error = try #require(throws: ExtractionError.self) { try extract(path) }
        #expect(error.code == .invalidRule)
    }

    @Test("Text with tags is HTML; text without is wrapped in paragraphs", arguments: [
        ("<p>a</p>", true), ("a<br/>b", true), ("<!-- x -->", true), ("1 < 2 and 3 > 2", false), ("a & b", false),
    ])
    func htmlDetection(text: String, isHTML: Bool) {
        #expect(JSONArticle.looksLikeHTML(text) == isHTML)
    }
}
