import FlyingFox
import Foundation
import Synchronization
import Testing

/// A real HTTP server on 127.0.0.1 for full-text tests: a feed of digests with an
/// ETag (so an unchanged feed answers 304), and article pages and API answers, each
/// with scripted failures and delays. It records every request and the most
/// article requests it served at once.
final class ArticleServer: Sendable {
    struct Resource: Sendable {
        var body: [UInt8]
        var contentType: String
        /// Statuses to answer with, one per request, before serving the body.
        var failures: [Int] = []
        /// Delays before answering, one per request (the last one stays).
        var delays: [Duration] = []
    }

    private struct State {
        var resources: [String: Resource] = [:]
        var requests: [(target: String, ifNoneMatch: String?)] = []
        var inFlight = 0
        var mostInFlight = 0
    }

    private let state = Mutex(State())

    /// Sets what `target` (a path with its query) serves.
    func set(_ target: String, _ resource: Resource) {
        state.withLock { $0.resources[target] = resource }
    }

    /// Every request so far, in order, with its `If-None-Match` header.
    var requests: [(target: String, ifNoneMatch: String?)] { state.withLock { $0.requests } }

    /// The most requests for anything but a feed that were in progress at once.
    var mostArticlesInFlight: Int { state.withLock { $0.mostInFlight } }

    func requests(to target: String) -> Int { requests.filter { $0.target == target }.count }

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        var target = request.path
        if !request.query.isEmpty {
            target += "?" + request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        }
        let ifNoneMatch = request.headers[HTTPHeader("If-None-Match")]
        let isFeed = target.hasSuffix(".xml")
        let resource = state.withLock { state -> Resource? in
            state.requests.append((target, ifNoneMatch))
            guard var resource = state.resources[target] else { return nil }
            let answer = resource
            if !resource.failures.isEmpty { resource.failures.removeFirst() }
            if resource.delays.count > 1 { resource.delays.removeFirst() }
            state.resources[target] = resource
            if !isFeed {
                state.inFlight += 1
                state.mostInFlight = max(state.mostInFlight, state.inFlight)
            }
            return answer
        }
        defer {
            if resource != nil, !isFeed { state.withLock { $0.inFlight -= 1 } }
        }
        guard let resource else { return HTTPResponse(statusCode: .notFound) }
        if let delay = resource.delays.first, delay > .zero { try? await Task.sleep(for: delay) }
        if let status = resource.failures.first {
            return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Failure"))
        }
        let etag = "\"\(resource.body.count)-\(resource.body.reduce(0) { ($0 &* 31) &+ Int($1) })\""
        var headers = HTTPHeaders()
        headers[HTTPHeader("ETag")] = etag
        if isFeed, ifNoneMatch == etag {
            return HTTPResponse(statusCode: .notModified, headers: headers)
        }
        headers[HTTPHeader("Content-Type")] = resource.contentType
        return HTTPResponse(statusCode: .ok, headers: headers, body: Data(resource.body))
    }

    /// Runs the server for the duration of `body`, which gets its base URL.
    func run(_ body: (_ baseURL: String) async throws -> Void) async throws {
        try await serveLocally({ [self] request in await self.respond(request) }, during: body)
    }

    /// An RSS feed of digests: one item per link, with a short description.
    static func digestFeed(_ links: [String]) -> Resource {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>漯河日报</title>"
        for (index, link) in links.enumerated() {
            text += "<item><title>新闻 \(index + 1)</title><link>\(link)</link><guid>\(link)</guid>"
                + "<pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate><description>摘要 \(index + 1)：只有一句话。</description></item>"
        }
        text += "</channel></rss>"
        return Resource(body: Array(text.utf8), contentType: "application/rss+xml; charset=utf-8")
    }
}

/// The bytes of a file under Fixtures/fulltext.
private func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/fulltext/\(name)", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

private func config(_ feeds: String, fetch: String = "") -> String {
    """
    [site]
    output = "out"
    base_url = "//example.com"
    timezone = "Asia/Shanghai"

    [fetch]
    \(fetch)

    \(feeds)
    """
}

/// The posts under `out/_posts`, by file name, as text.
private func posts(in site: SeedSite) throws -> [String: String] {
    let folder = site.url("out/_posts")
    var result: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
        result[name] = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
    }
    return result
}

@Suite("Full text for summary-only feeds", .serialized)
struct FullTextTests {
    @Test("Posts carry the full text: an XPath over UTF-8 pages, readability over GBK pages, a JSON API")
    func fullTextFromThreeKindsOfSource() async throws {
        let server = ArticleServer()
        let site = try SeedSite()
        try await server.run { base in
            server.set("/utf8.xml", ArticleServer.digestFeed(["\(base)/news/a1.html"]))
            server.set("/news/a1.html", .init(body: try fixture("article-utf8.html"), contentType: "text/html; charset=utf-8"))
            server.set("/gbk.xml", ArticleServer.digestFeed(["\(base)/gbk/b1.html"]))
            // No charset in the header: the page's <meta> says gb2312.
            server.set("/gbk/b1.html", .init(body: try fixture("article-gbk.html"), contentType: "text/html"))
            server.set("/api.xml", ArticleServer.digestFeed(["\(base)/detail.html?infoCode=NW20240302001"]))
            server.set("/NewsData/GetNewsText.do?id=NW20240302001",
                       .init(body: try fixture("api.json"), contentType: "application/json"))
            try site.write("fulltext.conf", config("""
                [[feed]]
                name = "utf8"
                url = "\(base)/utf8.xml"
                fulltext_url = "link"
                fulltext_xpath = "//div[@id='ContentBody']"

                [[feed]]
                name = "gbk"
                url = "\(base)/gbk.xml"
                fulltext_url = "link"

                [[feed]]
                name = "api"
                url = "\(base)/api.xml"
                fulltext_url = "\(base)/NewsData/GetNewsText.do?id={infoCode}"
                fulltext_json = "data.content"
                """))
            let run = try await runFinews(["refresh", "--config", "fulltext.conf"], in: site.folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("3 feeds ok, 0 failed; 3 new posts, 0 updated"), "stdout: \(run.stdout)")
        }
        let written = try posts(in: site)
        #expect(written.count == 3)
        let utf8 = try #require(written.first { $0.value.contains("全市经济工作会议") }?.value)
        #expect(utf8.contains("<p>本报讯（记者 王小明）3月2日，漯河市召开全市经济工作会议"))
        #expect(utf8.contains("正文中间的全角空格　保留。"))
        // The image resolves against the article page, not the feed.
        #expect(utf8.contains("http://127.0.0.1:"), "body: \(utf8)")
        #expect(utf8.contains("/images/meeting.jpg"))
        #expect(!utf8.contains("热门新闻标题"), "the sidebar is not part of the article")
        #expect(!utf8.contains("<script"))
        #expect(!utf8.contains("摘要 1"))
        let gbk = try #require(written.first { $0.value.contains("沙澧河畔") }?.value)
        #expect(gbk.contains("<p>春回大地，万物复苏。"), "body: \(gbk)")
        #expect(!gbk.contains("热门新闻标题"))
        #expect(!gbk.contains("网友评论"))
        let api = try #require(written["2024-03-02-NW20240302001.md"])
        #expect(api.contains("<p>3月2日，市政府召开常务会议，研究部署近期重点工作。</p>"), "body: \(api)")
        #expect(!api.contains("　　"))
    }

    @Test("A 500 and a timeout leave the digest; the next cycle fills the full text in place, once")
    func failedFullTextIsRetriedNextCycle() async throws {
        let server = ArticleServer()
        let site = try SeedSite()
        try await server.run { base in
            server.set("/feed.xml", ArticleServer.digestFeed(["\(base)/news/1.html", "\(base)/news/2.html"]))
            let page = try fixture("article-utf8.html")
            server.set("/news/1.html", .init(body: page, contentType: "text/html; charset=utf-8", failures: [500]))
            server.set("/news/2.html", .init(body: page, contentType: "text/html; charset=utf-8",
                                              delays: [.seconds(4), .zero]))
            try site.write("fulltext.conf", config("""
                [[feed]]
                name = "news"
                url = "\(base)/feed.xml"
                timeout = "2s"
                fulltext_url = "link"
                fulltext_xpath = "//div[@id='ContentBody']"
                """))
            let first = try await runFinews(["refresh", "--config", "fulltext.conf"], in: site.folder)
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stdout.contains("2 new posts, 0 updated"), "stdout: \(first.stdout)")
            #expect(first.stdout.contains("2 full texts missing"), "stdout: \(first.stdout)")
            let status = try await runFinews(["status", "--config", "fulltext.conf"], in: site.folder)
            #expect(status.stdout.contains("news: 2 posts still without full text"), "status: \(status.stdout)")
            let digests = try posts(in: site)
            #expect(digests.count == 2)
            #expect(digests.values.allSatisfy { $0.contains("只有一句话") && !$0.contains("全市经济工作会议，总结") })

            // The feed has not changed, but its stories wait for their text: it is
            // fetched without validators, and both articles are tried again.
            let second = try await runFinews(["refresh", "--config", "fulltext.conf"], in: site.folder)
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stdout.contains("0 new posts, 2 updated"), "stdout: \(second.stdout) stderr: \(second.stderr)")
            let filled = try posts(in: site)
            #expect(Set(filled.keys) == Set(digests.keys), "rewritten in place, no second post")
            #expect(filled.values.allSatisfy { $0.contains("全市经济工作会议，总结去年工作") && !$0.contains("只有一句话") })
            #expect(site.publishedFiles().count == 3, "two posts and one category page: \(site.publishedFiles())")
            let after = try await runFinews(["status", "--config", "fulltext.conf", "--json"], in: site.folder)
            #expect(after.stdout.contains("\"fullTextMissing\" : 0"), "status: \(after.stdout)")

            // Now nothing waits: the feed answers 304 and no article is fetched again.
            let third = try await runFinews(["refresh", "--config", "fulltext.conf"], in: site.folder)
            #expect(third.stdout.contains("0 new posts, 0 updated"), "stdout: \(third.stdout)")
            #expect(server.requests(to: "/news/1.html") == 2)
            #expect(server.requests(to: "/news/2.html") == 2)
            let feedRequests = server.requests.filter { $0.target == "/feed.xml" }
            #expect(feedRequests.map { $0.ifNoneMatch != nil } == [false, false, true])
            #expect(try posts(in: site) == filled)
        }
    }

    @Test("Full-text fetches keep to [fetch] per_host")
    func perHostCapHolds() async throws {
        let server = ArticleServer()
        let site = try SeedSite()
        try await server.run { base in
            let links = (1...6).map { "\(base)/news/\($0).html" }
            server.set("/feed.xml", ArticleServer.digestFeed(links))
            for index in 1...6 {
                server.set("/news/\(index).html", .init(body: try fixture("article-utf8.html"),
                                                        contentType: "text/html; charset=utf-8",
                                                        delays: [.milliseconds(300)]))
            }
            try site.write("fulltext.conf", config("""
                [[feed]]
                name = "news"
                url = "\(base)/feed.xml"
                fulltext_url = "link"
                fulltext_xpath = "//div[@id='ContentBody']"
                """, fetch: "concurrency = 8\nper_host = 2"))
            let run = try await runFinews(["refresh", "--config", "fulltext.conf"], in: site.folder)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("6 new posts"), "stdout: \(run.stdout)")
            #expect(server.mostArticlesInFlight == 2, "at most 2 at once, and they do run in parallel")
        }
        #expect(try posts(in: site).values.allSatisfy { $0.contains("全市经济工作会议，总结去年工作") })
    }

    @Test("finews parse --fulltext shows what would be extracted")
    func parseFullText() async throws {
        let server = ArticleServer()
        let site = try SeedSite()
        try await server.run { base in
            server.set("/gbk/b1.html", .init(body: try fixture("article-gbk.html"), contentType: "text/html"))
            server.set("/api?id=7", .init(body: try fixture("api.json"), contentType: "application/json"))
            let page = try await runFinews(["parse", "--fulltext", "\(base)/gbk/b1.html"], in: site.folder)
            #expect(page.status == 0, "stderr: \(page.stderr)")
            #expect(page.stdout.hasPrefix("<h2>沙澧河畔春意浓</h2><p>春回大地，万物复苏。"), "stdout: \(page.stdout)")
            #expect(page.stderr.contains("characters of text by readability"))
            let api = try await runFinews(["parse", "--fulltext", "\(base)/api?id=7", "--fulltext-json", "data.content"],
                                          in: site.folder)
            #expect(api.status == 0, "stderr: \(api.stderr)")
            #expect(api.stdout.contains("<p>3月2日，市政府召开常务会议"))
            let missing = try await runFinews(["parse", "--fulltext", "\(base)/api?id=7", "--fulltext-json", "data.body"],
                                              in: site.folder)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("body"), "stderr: \(missing.stderr)")
            let badXPath = try await runFinews(["parse", "--fulltext", "\(base)/gbk/b1.html", "--fulltext-xpath", "//div[@"],
                                               in: site.folder)
            #expect(badXPath.status == 2, "stderr: \(badXPath.stderr)")
        }
    }
}
