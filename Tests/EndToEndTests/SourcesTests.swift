import FlyingFox
import Foundation
import Synchronization
import Testing

/// A local origin for sources that are not feeds: a JSON API answering like the
/// origin site's GetNewsList (behind a Referer check and basic authentication, as
/// Chinese CDNs and private APIs are), its per-story text API, a GBK list page, and
/// a page advertising two feeds.
final class SourceServer: Sendable {
    struct Story: Sendable {
        var code: String
        var title: String
        var outlet: String
        var time: String
    }

    private struct State {
        var stories: [Story] = []
        var requests: [String] = []
        var refused = 0
    }

    private let state = Mutex(State())
    static let referer = "https://news.example/"
    /// `reader:s3cret`, as curl sends it.
    static let authorization = "Basic " + Data("reader:s3cret".utf8).base64EncodedString()

    func setStories(_ stories: [Story]) { state.withLock { $0.stories = stories } }
    var requests: [String] { state.withLock { $0.requests } }
    /// Requests answered 401 or 403 (missing Referer or credentials).
    var refused: Int { state.withLock { $0.refused } }

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        var target = request.path
        if !request.query.isEmpty { target += "?" + request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }
        let stories = state.withLock { state -> [Story] in
            state.requests.append(target)
            return state.stories
        }
        if request.path.hasPrefix("/api/") {
            guard request.headers[HTTPHeader("Referer")] == Self.referer else {
                state.withLock { $0.refused += 1 }
                return HTTPResponse(statusCode: .forbidden)
            }
            guard request.headers[HTTPHeader("Authorization")] == Self.authorization else {
                state.withLock { $0.refused += 1 }
                return HTTPResponse(statusCode: .unauthorized)
            }
        }
        switch request.path {
        case "/api/NewsList":
            let list = stories.map { story in
                "{\"infoCode\":\"\(story.code)\",\"title\":\"\(story.title)\",\"mediaName\":\"\(story.outlet)\","
                    + "\"showTime\":\"\(story.time)\",\"digest\":\"\(story.title)的摘要。\"}"
            }
            return Self.answer("{\"rc\":1,\"data\":{\"total\":\(list.count),\"list\":[\(list.joined(separator: ","))]}}",
                               type: "application/json; charset=utf-8")
        case "/api/NewsText":
            let code = request.query.first { $0.name == "code" }?.value ?? ""
            guard let story = stories.first(where: { $0.code == code }) else { return HTTPResponse(statusCode: .notFound) }
            return Self.answer("{\"rc\":1,\"data\":{\"content\":\"　　\(story.title)的全文第一段。\\n　　第二段。\"}}",
                               type: "application/json")
        case "/local/index.html":
            guard let url = Bundle.module.url(forResource: "Fixtures/sources/list-gbk", withExtension: "html"),
                  let page = try? Data(contentsOf: url) else { return HTTPResponse(statusCode: .internalServerError) }
            // No charset in the header: the page's <meta> names gb2312.
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([HTTPHeader("Content-Type"): "text/html"]), body: page)
        case "/blog/index.html":
            return Self.answer("""
                <!DOCTYPE html><html><head><title>Blog</title>
                <link rel="stylesheet" href="/style.css">
                <link rel="alternate" type="application/rss+xml" title="全部文章" href="/blog/rss.xml">
                <link rel="alternate" type="application/atom+xml" title="评论" href="comments.atom">
                <link rel="alternate" type="text/html" hreflang="en" href="/en/">
                </head><body><p>Hello</p></body></html>
                """, type: "text/html; charset=utf-8")
        case "/blog/rss.xml":
            return Self.answer(FeedServer.rss(["post-1"]), type: "application/rss+xml")
        case "/blog/comments.atom":
            return Self.answer("""
                <?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>评论</title>
                <id>urn:x:comments</id><updated>2024-03-02T10:00:00Z</updated></feed>
                """, type: "application/atom+xml")
        default:
            return HTTPResponse(statusCode: .notFound)
        }
    }

    private static func answer(_ text: String, type: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: HTTPHeaders([HTTPHeader("Content-Type"): type]), body: Data(text.utf8))
    }

    func run(_ body: (_ baseURL: String) async throws -> Void) async throws {
        try await serveLocally({ [self] request in await self.respond(request) }, during: body)
    }
}

@Suite("Sources that are not feeds, and rules for what gets in", .serialized)
struct SourcesTests {
    private static let stories = [
        SourceServer.Story(code: "NW20240302001", title: "A股三大指数收涨", outlet: "证券时报", time: "2024-03-02 10:15:00"),
        SourceServer.Story(code: "NW20240302002", title: "港股午评：恒指涨1%", outlet: "新华社", time: "2024-03-02 12:00:00"),
        SourceServer.Story(code: "NW20240302003", title: "新品推广大促销", outlet: "证券时报", time: "2024-03-02 12:30:00"),
        SourceServer.Story(code: "NW20240302004", title: "合作伙伴的好消息", outlet: "某广告联盟", time: "2024-03-02 13:00:00"),
    ]

    private func config(_ base: String) -> String {
        """
        [site]
        output = "out"
        base_url = "//example.com"
        timezone = "Asia/Shanghai"

        [filter]
        block = ["title=(?i)广告|推广"]

        [[feed]]
        name = "eastmoney"
        url = "\(base)/api/NewsList?page=1"
        format = "json"
        items = "data.list"
        item.id = "infoCode"
        item.title = "title"
        item.link = "https://news.example/{infoCode}.html"
        item.date = "showTime"
        item.content = "digest"
        item.source = "mediaName"
        tag = "{source}"
        category = "{source|slug}"
        fulltext_url = "\(base)/api/NewsText?code={infoCode}"
        fulltext_json = "data.content"
        headers = { Referer = "\(SourceServer.referer)" }
        username = "reader"
        password_file = "api.password"
        block = ["source=广告"]

        [[feed]]
        name = "local"
        url = "\(base)/local/index.html"
        format = "html"
        items = "//ul[@class='list']/li"
        item.title = ".//a"
        item.link = ".//a/@href"
        item.date = ".//span[@class='time']"
        tag = "漯河新闻"
        """
    }

    @Test("A JSON API with a text call per story, and a GBK list page, become posts; rules keep stories out for good")
    func jsonAPIAndListPage() async throws {
        let server = SourceServer()
        let site = try SeedSite()
        server.setStories(Self.stories)
        try site.write("api.password", "s3cret\n")
        try await server.run { base in
            try site.write("sources.conf", config(base))
            let first = try await runFinews(["refresh", "--config", "sources.conf"], in: site.folder)
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stdout.contains("2 feeds ok, 0 failed; 4 new posts, 0 updated"), "stdout: \(first.stdout)")
            // Two API stories (by [filter] and by the feed's rule) and one of the list page (by [filter]).
            #expect(first.stdout.contains("; 3 blocked; "), "stdout: \(first.stdout)")
            #expect(server.refused == 0, "every API call carried the Referer and the credentials")
            #expect(!(first.stdout + first.stderr).contains("s3cret"))

            let posts = try FileManager.default.contentsOfDirectory(atPath: site.url("out/_posts").path).sorted()
            #expect(posts.filter { $0.contains("NW2024") } == ["2024-03-02-NW20240302001.md", "2024-03-02-NW20240302002.md"])
            let stock = String(decoding: try site.read("out/_posts/2024-03-02-NW20240302001.md"), as: UTF8.self)
            #expect(stock.contains("title: \"A股三大指数收涨\""), "\(stock)")
            #expect(stock.contains("date: 2024-03-02 10:15:00 +0800"), "\(stock)")
            #expect(stock.contains("tags: 证券时报\n"), "\(stock)")
            #expect(stock.contains("<p>A股三大指数收涨的全文第一段。</p>"), "the full text, not the digest: \(stock)")
            #expect(!stock.contains("的摘要"))
            #expect(stock.contains("<https://news.example/NW20240302001.html>"), "\(stock)")
            let other = String(decoding: try site.read("out/_posts/2024-03-02-NW20240302002.md"), as: UTF8.self)
            #expect(other.contains("tags: 新华社\n"))
            let categories = try FileManager.default.contentsOfDirectory(atPath: site.url("out/category").path)
            #expect(categories.count == 3, "one page per outlet, and the list page's: \(categories)")
            // Blocked stories cost no text request.
            #expect(!server.requests.contains { $0.contains("NW20240302003") || $0.contains("NW20240302004") })

            let local = posts.filter { !$0.contains("NW2024") }
            #expect(local.count == 2)
            let bodies = try local.map { String(decoding: try site.read("out/_posts/\($0)"), as: UTF8.self) }
            #expect(bodies.contains { $0.contains("title: \"市区新建三座公园 今日开放\"") && $0.contains("/news/2024/0302/1001.html>") })
            #expect(!bodies.contains { $0.contains("推广") }, "blocked by [filter]")
            #expect(bodies.contains { $0.contains("<https://other.example/1003.html>") })
            #expect(local.contains { $0.hasPrefix("2024-03-01-") }, "the list page's dates, in the site's zone: \(local)")

            // A new story makes the answer change: the blocked ones are known and not counted again.
            server.setStories(Self.stories + [
                .init(code: "NW20240302005", title: "收盘：沪指涨", outlet: "证券时报", time: "2024-03-02 15:00:00"),
            ])
            let second = try await runFinews(["refresh", "--config", "sources.conf", "eastmoney"], in: site.folder)
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stdout.contains("1 new post, 0 updated; 4 duplicates skipped"), "stdout: \(second.stdout)")
            #expect(!second.stdout.contains("blocked"), "stdout: \(second.stdout)")

            let status = try await runFinews(["status", "--config", "sources.conf"], in: site.folder)
            #expect(status.stdout.contains("eastmoney: 2 stories blocked by block/keep rules"), "\(status.stdout)")
            #expect(status.stdout.contains("local: 1 story blocked by block/keep rules"), "\(status.stdout)")
            #expect(status.stdout.contains("written, 3 blocked"), "\(status.stdout)")
            let json = try await runFinews(["status", "--config", "sources.conf", "--json"], in: site.folder)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((parsed["totals"] as? [String: Any])?["blocked"] as? Int == 3)
        }
    }

    @Test("Without the feed's Referer and credentials the API refuses, and the feed fails with the status")
    func refusedWithoutHeaders() async throws {
        let server = SourceServer()
        let site = try SeedSite()
        server.setStories(Self.stories)
        try await server.run { base in
            try site.write("bare.conf", """
                [site]
                output = "out"

                [[feed]]
                name = "bare"
                url = "\(base)/api/NewsList"
                format = "json"
                items = "data.list"
                item.title = "title"
                """)
            let run = try await runFinews(["refresh", "--config", "bare.conf"], in: site.folder)
            #expect(run.status == 1)
            #expect(run.stderr.contains("403"), "stderr: \(run.stderr)")
            #expect(server.refused == 1)
        }
    }

    @Test("finews parse --format shows a mapping's stories; a wrong items path names the keys there")
    func parseMapping() async throws {
        let server = SourceServer()
        let site = try SeedSite()
        server.setStories(Self.stories)
        try await server.run { base in
            let common = ["parse", "\(base)/api/NewsList", "--format", "json", "--header", "Referer: \(SourceServer.referer)"]
            // Without credentials the API answers 401: parse names it.
            let refused = try await runFinews(common + ["--items", "data.list", "--item.title", "title"], in: site.folder)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("401"), "\(refused.stderr)")
            let authorized = common + ["--header", "Authorization: \(SourceServer.authorization)"]
            let stories = try await runFinews(authorized + [
                "--items", "data.list", "--item.id", "infoCode", "--item.title", "title", "--item.source", "mediaName",
                "--item.date", "showTime", "--item.link", "https://news.example/{infoCode}.html",
            ], in: site.folder)
            #expect(stories.status == 0, "\(stories.stderr)")
            #expect(stories.stdout.contains("json-api, utf-8, 4 entries"), "\(stories.stdout)")
            #expect(stories.stdout.contains("NW20240302001  2024-03-02T"), "the id is the infoCode: \(stories.stdout)")
            #expect(stories.stdout.contains("    https://news.example/NW20240302001.html  (证券时报)"), "\(stories.stdout)")
            let wrongPath = try await runFinews(authorized + ["--items", "data.lst", "--item.title", "title"], in: site.folder)
            #expect(wrongPath.status == 1)
            #expect(wrongPath.stderr.contains("items = \"data.lst\" leads nowhere: no key 'lst' at 'data' (keys: list, total)"),
                    "\(wrongPath.stderr)")

            let local = try await runFinews([
                "parse", "\(base)/local/index.html", "--format", "html", "--items", "//ul[@class='list']/li",
                "--item.title", ".//a", "--item.link", ".//a/@href", "--json",
            ], in: site.folder)
            #expect(local.status == 0, "\(local.stderr)")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
            let entries = try #require(parsed["entries"] as? [[String: Any]])
            #expect(entries.compactMap { $0["title"] as? String } == ["市区新建三座公园 今日开放", "漯河 推广 活动周启动", "春季招聘会吸引三千人"])
            #expect(entries.first?["link"] as? String == "\(base)/news/2024/0302/1001.html")

            let wrong = try await runFinews([
                "parse", "\(base)/local/index.html", "--format", "html", "--items", "//ol/li", "--item.title", ".//a",
            ], in: site.folder)
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("items = \"//ol/li\" matched nothing"), "\(wrong.stderr)")

            let badXPath = try await runFinews([
                "parse", "\(base)/local/index.html", "--format", "html", "--items", "//ul[", "--item.title", ".//a",
            ], in: site.folder)
            #expect(badXPath.status == 64 || badXPath.status == 2, "a usage error: \(badXPath.status)")
            #expect(badXPath.stderr.contains("--items"), "\(badXPath.stderr)")
        }
    }

    @Test("finews add lists a page's two feeds and appends the one picked, as opml import does")
    func addFromPage() async throws {
        let server = SourceServer()
        let site = try SeedSite()
        try await server.run { base in
            let original = "# my feeds\n[site]\noutput = \"out\"\n\n[[feed]]\nname = \"seed\"\nurl = \"rss.xml\"\n"
            try site.write("add.conf", original)
            let run = try await runFinews(["add", "\(base)/blog/index.html", "--pick", "2", "--tag", "博客评论", "--config", "add.conf"],
                                          in: site.folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("1. \(base)/blog/rss.xml  全部文章"), "\(run.stdout)")
            #expect(run.stdout.contains("2. \(base)/blog/comments.atom  评论"), "\(run.stdout)")
            #expect(!run.stdout.contains("/en/"), "a text/html alternate is no feed")
            let text = String(decoding: try site.read("add.conf"), as: UTF8.self)
            #expect(text.hasPrefix(original), "the file's layout is kept")
            #expect(text.contains("url = \"\(base)/blog/comments.atom\"\ntag = \"博客评论\""), "\(text)")
            let check = try await runFinews(["check", "--config", "add.conf"], in: site.folder)
            #expect(check.status == 0, "\(check.stderr)")

            // A feed's own URL is added as it is, under the name given; adding it again is refused.
            let direct = try await runFinews(["add", "\(base)/blog/rss.xml", "--name", "blog", "--config", "add.conf"],
                                             in: site.folder)
            #expect(direct.status == 0, "\(direct.stderr)")
            #expect(String(decoding: try site.read("add.conf"), as: UTF8.self)
                .contains("name = \"blog\"\nurl = \"\(base)/blog/rss.xml\""))
            let again = try await runFinews(["add", "\(base)/blog/rss.xml", "--config", "add.conf"], in: site.folder)
            #expect(again.status == 1)
            #expect(again.stderr.contains("already configured as 'blog'"), "\(again.stderr)")

            let nothing = try await runFinews(["add", "\(base)/local/index.html", "--config", "add.conf"], in: site.folder)
            #expect(nothing.status == 1)
            #expect(nothing.stderr.contains("names none"), "\(nothing.stderr)")
        }
    }

    @Test("opml export writes JSON and HTML sources as FreshRSS does, and opml import reads them back")
    func opmlRoundTrip() async throws {
        let site = try SeedSite()
        try site.write("api.password", "s3cret\n")
        try site.write("sources.conf", config("https://api.example.cn"))
        let exported = try await runFinews(["opml", "export", "--config", "sources.conf"], in: site.folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("type=\"JSON+DotNotation\""), "\(exported.stdout)")
        #expect(exported.stdout.contains("frss:jsonItem=\"data.list\" frss:jsonItemTitle=\"title\""), "\(exported.stdout)")
        #expect(exported.stdout.contains("frss:jsonItemTimestamp=\"showTime\""))
        #expect(exported.stdout.contains("type=\"HTML+XPath\""))
        #expect(exported.stdout.contains("frss:xPathItemUri=\".//a/@href\""))
        #expect(!exported.stdout.contains("s3cret") && !exported.stdout.contains("Referer"))
        try site.write("export.opml", exported.stdout)

        try site.write("fresh.conf", "[site]\noutput = \"out\"\n")
        let imported = try await runFinews(["opml", "import", "export.opml", "--config", "fresh.conf"], in: site.folder)
        #expect(imported.status == 0, "\(imported.stderr)")
        let text = String(decoding: try site.read("fresh.conf"), as: UTF8.self)
        #expect(text.contains("format = \"json\"\nitems = \"data.list\"\nitem.title = \"title\"\nitem.content = \"digest\""), "\(text)")
        #expect(text.contains("format = \"html\"\nitems = \"//ul[@class='list']/li\"\nitem.title = \".//a\""), "\(text)")
        let check = try await runFinews(["check", "--config", "fresh.conf"], in: site.folder)
        #expect(check.status == 0, "\(check.stderr)")
    }
}
