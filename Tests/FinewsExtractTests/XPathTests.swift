import FinewsExtract
import Testing

@Suite("XPath rules")
struct XPathTests {
    @Test("The article block's inner HTML, exactly, with the indentation removed")
    func contentBody() throws {
        let page = try fixture("article-utf8.html")
        let article = try ArticleExtractor(rule: .xpath("//div[@id='ContentBody']")).extract(page, charset: nil)
        let expected = "<p>\(ArticleText.first)</p><p>\(ArticleText.second)</p><p>\(ArticleText.third)</p>"
            + "<p>\(ArticleText.fourth)</p><script>trackView(\"ContentBody\");</script><p>\(ArticleText.fifth)</p>"
            + "<div class=\"share\">分享到：<a href=\"#weibo\">微博</a> <a href=\"#weixin\">微信</a></div>"
        #expect(article.html == expected)
    }

    @Test("Several matches are joined in document order; a match inside a match is not repeated")
    func severalMatches() throws {
        let page = Array("""
            <html><body><div class="text">A<div class="text">B</div></div><p class="x">C</p><p class="x">D</p></body></html>
            """.utf8)
        let joined = try ArticleExtractor(rule: .xpath("//p[@class='x'] | //h1")).extract(page, charset: nil)
        #expect(joined.html == "CD")
        let nested = try ArticleExtractor(rule: .xpath("//div[@class='text']")).extract(page, charset: nil)
        #expect(nested.html == "A<div class=\"text\">B</div>")
    }

    @Test("A string result is escaped text", arguments: [
        ("string(//title)", "老城区公交线网优化 &amp; 微循环线路开通"),
        ("count(//div[@id='ContentBody']/p)", "5"),
        ("//div[@class='share']/a/@href", "#weibo#weixin"),
    ])
    func stringResult(expression: String, expected: String) throws {
        let page = try fixture("article-utf8.html")
        let article = try ArticleExtractor(rule: .xpath(expression)).extract(page, charset: nil)
        #expect(article.html == expected)
    }

    @Test("An XPath that matches nothing is an error that says so")
    func noMatch() throws {
        let page = try fixture("article-utf8.html")
        for expression in ["//div[@id='x']", "string(//div[@id='x'])"] {
            let error = try #require(throws: ExtractionError.self) {
                try ArticleExtractor(rule: .xpath(expression)).extract(page, charset: nil)
            }
            #expect(error.code == .noMatch)
            #expect(error.message.contains("the XPath \(expression) matched nothing"))
        }
    }

    @Test("An invalid XPath is an invalid rule, at extraction and at config checking", arguments: [
        "//div[@id='x'", "//div[", "'abc", "//div]", "", "   ",
    ])
    func invalidXPath(expression: String) throws {
        let page = try fixture("article-utf8.html")
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: .xpath(expression)).extract(page, charset: nil)
        }
        #expect(error.code == .invalidRule)
        let problem = try #require(ArticleExtractor.problem(with: .xpath(expression)))
        #expect(problem == error.message)
    }

    @Test("The message of an invalid XPath names the reason and the place")
    func invalidXPathMessage() {
        #expect(ArticleExtractor.problem(with: .xpath("//div[@id='x'"))
            == "the XPath //div[@id='x' is not valid: a predicate [...] is not closed or not valid (at the end of the expression)")
        #expect(ArticleExtractor.problem(with: .xpath("//p[@class='a]"))
            == "the XPath //p[@class='a] is not valid: a quoted string is not closed (at the end of the expression)")
        #expect(ArticleExtractor.problem(with: .xpath("//div]//p"))
            == "the XPath //div]//p is not valid: the expression is malformed (at character 6)")
    }

    @Test("Valid rules have no problem", arguments: [
        ExtractionRule.xpath("//div[@id='ContentBody']"), .xpath("string(//title)"), .xpath("//p | //h1"),
        .json("content"), .json("data.items.0.body"), .readability,
    ])
    func validRules(rule: ExtractionRule) {
        #expect(ArticleExtractor.problem(with: rule) == nil)
    }

    @Test("An XPath that fails only when evaluated is an invalid rule")
    func evaluationError() throws {
        let page = try fixture("article-utf8.html")
        let error = try #require(throws: ExtractionError.self) {
            try ArticleExtractor(rule: .xpath("no-such-function(//p)")).extract(page, charset: nil)
        }
        #expect(error.code == .invalidRule)
        #expect(error.message.contains("could not be evaluated"))
    }
}
