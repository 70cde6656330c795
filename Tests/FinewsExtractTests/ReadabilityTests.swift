@testable import FinewsExtract
import Testing

@Suite("Readability")
struct ReadabilityTests {
    private let extractor = ArticleExtractor(rule: .readability)

    @Test("The article block is picked, not the sidebar or the comments, and cleaned")
    func picksArticle() throws {
        let article = try extractor.extract(try fixture("article-utf8.html"), charset: "utf-8")
        let expected = "<p>\(ArticleText.first)</p><p>\(ArticleText.second)</p><p>\(ArticleText.third)</p>"
            + "<p>\(ArticleText.fourth)</p><p>\(ArticleText.fifth)</p>"
        #expect(article.html == expected)
        for furniture in ["热点推荐", "广告", "网友甲", "版权所有", "分享到", "trackView", "城市晚报"] {
            #expect(!article.html.contains(furniture), "\(furniture) is not article text")
        }
    }

    @Test("A page written with <br> instead of <p> is read line by line")
    func brSeparated() throws {
        let line = "这是一段没有段落标签的正文，老式的内容管理系统常常这样写，每段之间只用换行分开，"
        let page = """
            <html><body>
            <div class="nav"><a href="/">首页</a> <a href="/news">新闻</a> <a href="/about">关于我们</a></div>
            <div class="wrap"><div id="zw">　　\(line)第一段。<br><br>　　\(line)第二段。<br><br>　　\(line)第三段。<br><br>　　\(line)第四段。<br><br>　　\(line)第五段。</div></div>
            <div class="links"><a href="/1">相关链接一，点击查看详细内容</a><a href="/2">相关链接二，点击查看详细内容</a></div>
            </body></html>
            """
        let article = try extractor.extract(Array(page.utf8), charset: nil)
        #expect(article.html == "\(line)第一段。<br><br>\(line)第二段。<br><br>\(line)第三段。<br><br>\(line)第四段。<br><br>\(line)第五段。")
    }

    @Test("Paragraphs in a wrapper without a block tag still score their block")
    func inlineWrapper() throws {
        let paragraph = "The council approved the budget on Tuesday, after a long debate, with seven votes in favour and two against, and the mayor said work would start in spring."
        let page = """
            <html><body><ul class="menu"><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul>
            <article class="story"><font face="serif"><p>\(paragraph)</p><p>\(paragraph)</p></font></article>
            </body></html>
            """
        let article = try extractor.extract(Array(page.utf8), charset: nil)
        #expect(article.html == "<font face=\"serif\"><p>\(paragraph)</p><p>\(paragraph)</p></font>")
    }

    @Test("Class and id names tip the balance between blocks of similar text")
    func classNamesDecide() throws {
        let paragraph = "<p>居民反映，小区门口的道路，每到雨天就积水，出行很不方便，老人和孩子经过时尤其困难，社区已经把情况上报给街道，希望有关部门尽快派人修好。</p>"
        let page = """
            <html><body>
            <div class="box">\(String(repeating: paragraph, count: 5))</div>
            <div class="article-content">\(String(repeating: paragraph, count: 4))</div>
            </body></html>
            """
        let article = try extractor.extract(Array(page.utf8), charset: nil)
        #expect(article.html == String(repeating: paragraph, count: 4))
    }

    @Test("Comments longer than the article are left out")
    func longComments() throws {
        let story = "<p>The bridge will close for repairs from Monday, the city said, and traffic will be sent over the old road until the end of May, when the work is due to finish.</p>"
        let comment = "<p>Finally, after years of complaints, they fix it, though I wonder, as always, why it takes so long, and who pays, and whether, this time, it will last.</p>"
        let page = """
            <html><body>
            <div class="entry">\(String(repeating: story, count: 3))</div>
            <div id="comments">\(String(repeating: comment, count: 15))</div>
            </body></html>
            """
        let article = try extractor.extract(Array(page.utf8), charset: nil)
        #expect(article.html == String(repeating: story, count: 3))
    }

    @Test("A block of links does not win, however much text its links hold")
    func linkDensity() throws {
        let story = "<p>The library reopens on Saturday, after a year of work, with a new reading room, longer opening hours, and a café on the ground floor.</p>"
        let link = "<p><a href=\"/more\">Read more: the history of the library, its founders, its collections, its buildings, and its plans for the years ahead</a></p>"
        let page = """
            <html><body>
            <div class="list">\(String(repeating: link, count: 6))</div>
            <div>\(String(repeating: story, count: 3))</div>
            </body></html>
            """
        let article = try extractor.extract(Array(page.utf8), charset: nil)
        #expect(article.html == String(repeating: story, count: 3))
    }

    @Test("A page with only navigation and short text has no article")
    func noArticle() throws {
        let page = """
            <html><body><div class="nav"><a href="/">首页</a><a href="/news">新闻</a></div>
            <div class="content"><p>页面不存在，请返回首页。</p></div></body></html>
            """
        let error = try #require(throws: ExtractionError.self) {
            try extractor.extract(Array(page.utf8), charset: nil)
        }
        #expect(error.code == .noArticle)
        #expect(error.message.hasPrefix("no article block found"))
    }

    @Test("Class and id names weigh blocks up or down", arguments: [
        ("ContentBody", 25), ("TRS_Editor", 25), ("zw", 25), ("article-text", 25), ("main-content", 25),
        ("comment-list", -25), ("sidebar", -25), ("footer", -25), ("share-bar", -25), ("ad", -25),
        ("header", -25), ("content-header", 0), ("shadow", 0), ("navigation", -25), ("canvas", 0),
        ("box", 0), ("", 0),
    ])
    func classWeights(names: String, weight: Int) {
        #expect(ReadabilityPolicy.weight(of: names) == weight)
    }

    @Test("Paragraph scores count commas (Chinese too) and length")
    func paragraphScores() {
        func stats(_ text: String) -> TextStats {
            text.withCString { $0.withMemoryRebound(to: UInt8.self, capacity: text.utf8.count + 1) { TextStats(utf8: $0) } }
        }
        let chinese = stats("　　记者从市交通运输局获悉，今年前三季度，全市新开通公交线路。")
        #expect(chinese.characters == 29)
        #expect(chinese.commas == 3)
        #expect(ReadabilityPolicy.paragraphScore(chinese) == 4)
        #expect(ReadabilityPolicy.paragraphScore(stats("too short, really")) == 0)
        let long = stats(String(repeating: "word, ", count: 100))
        #expect(ReadabilityPolicy.paragraphScore(long) == 1 + 100 + 3)
    }
}
