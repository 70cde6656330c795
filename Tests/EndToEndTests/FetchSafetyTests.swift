import FlyingFox
import Foundation
import Synchronization
import Testing

/// A listening socket on a loopback address that never accepts: the kernel completes
/// each handshake into the backlog, the request is sent, and no answer ever comes, as
/// with a server that hangs. Closed when released.
private final class SilentListener: Sendable {
    let port: UInt16
    private let socket: Int32

    init(host: String) throws {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 512) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        socket = listener
    }

    deinit {
        close(socket)
    }
}

/// Counts requests per path.
private final class RequestLog: Sendable {
    private let paths = Mutex<[String]>([])
    func add(_ path: String) { paths.withLock { $0.append(path) } }
    func count(_ path: String) -> Int { paths.withLock { $0.filter { $0 == path }.count } }
}

private func articlePage() throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/fulltext/article-utf8.html", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

private func digestFeed(links: [String]) -> String {
    var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>漯河日报</title>"
    for (index, link) in links.enumerated() {
        text += "<item><title>新闻 \(index + 1)</title><link>\(link)</link><guid>\(link)</guid>"
            + "<pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate><description>摘要 \(index + 1)：只有一句话。</description></item>"
    }
    return text + "</channel></rss>"
}

private func posts(in site: SeedSite) throws -> [String: String] {
    let folder = site.url("out/_posts")
    var result: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
        result[name] = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
    }
    return result
}

@Suite("Fetching: private networks and dead hosts, through the binary", .serialized)
struct FetchSafetyTests {
    @Test("A story linking to another loopback host keeps its digest, shows in status, and is fetched once allowed")
    func fullTextOnAnotherHost() async throws {
        let site = try SeedSite()
        let articles = RequestLog()
        let page = try articlePage()
        try await serveLocally(host: "127.0.0.2", { request in
            articles.add(request.path)
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/html; charset=utf-8"]),
                                body: Data(page))
        }) { other in
            let feed = digestFeed(links: ["\(other)/news/1.html"])
            try await serveLocally({ _ in
                HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "application/rss+xml"]), body: Data(feed.utf8))
            }) { base in
                func config(_ extra: String) -> String {
                    """
                    [site]
                    output = "out"
                    base_url = "//example.com"
                    timezone = "Asia/Shanghai"

                    [[feed]]
                    name = "news"
                    url = "\(base)/feed.xml"
                    fulltext_url = "link"
                    fulltext_xpath = "//div[@id='ContentBody']"
                    \(extra)
                    """
                }
                try site.write("feeds.conf", config(""))
                let refused = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
                #expect(refused.status == 0, "stderr: \(refused.stderr)")
                #expect(refused.stdout.contains("1 full text missing"), "stdout: \(refused.stdout)")
                #expect(refused.stderr.contains("refused: 127.0.0.2 is a loopback address; set allow_private_networks to allow it"),
                        "stderr: \(refused.stderr)")
                #expect(articles.count("/news/1.html") == 0)
                let digest = try #require(try posts(in: site).values.first)
                #expect(digest.contains("摘要 1"), "the post keeps the feed's digest: \(digest)")

                let status = try await runFinews(["status", "--config", "feeds.conf"], in: site.folder)
                #expect(status.stdout.contains("news: 1 post still without full text"), "status: \(status.stdout)")
                #expect(status.stdout.contains("allow_private_networks"), "status: \(status.stdout)")
                #expect(status.stdout.contains("news: latest full-text failure: ")
                    && status.stdout.contains("refused: 127.0.0.2 is a loopback address"), "status: \(status.stdout)")

                try site.write("feeds.conf", config("allow_private_networks = true"))
                let allowed = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
                #expect(allowed.status == 0, "stderr: \(allowed.stderr)")
                #expect(articles.count("/news/1.html") == 1)
                let written = try posts(in: site)
                #expect(written.count == 1)
                let full = try #require(written.values.first)
                #expect(full.contains("全市经济工作会议"), "body: \(full)")
                #expect(!full.contains("摘要 1"))
            }
        }
    }

    @Test("200 feeds on a host that never answers and 50 healthy ones: the healthy posts are written within 4 timeouts")
    func deadHostDoesNotStallTheRefresh() async throws {
        let site = try SeedSite()
        let silent = try SilentListener(host: "127.0.0.2")
        let server = FeedServer()
        for index in 0..<50 { server.set("/h\(index).xml") { $0.items = ["h\(index)"] } }
        try await server.run { base in
            var text = """
                [site]
                output = "out"
                base_url = "//example.com"
                timezone = "Asia/Shanghai"

                [fetch]
                timeout = "2s"

                """
            for index in 0..<200 {
                text += "\n[[feed]]\nname = \"dead\(index)\"\nurl = \"http://127.0.0.2:\(silent.port)/f\(index).xml\"\n"
            }
            for index in 0..<50 {
                // The healthy server answers at once; their own timeout keeps a loaded machine from failing them.
                text += "\n[[feed]]\nname = \"ok\(index)\"\nurl = \"\(base)/h\(index).xml\"\ntimeout = \"10s\"\n"
            }
            try site.write("feeds.conf", text)
            let clock = ContinuousClock()
            let start = clock.now
            let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
            let elapsed = clock.now - start
            print("finews refresh, 200 feeds on a silent host + 50 healthy, timeout 2s: \(elapsed)")
            #expect(run.status == 1, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("50 feeds ok, 200 failed; 50 new posts"), "stdout: \(run.stdout)")
            #expect(elapsed < .seconds(8), "4 × the timeout")
            #expect(try posts(in: site).count == 50)

            let status = try await runFinews(["status", "--config", "feeds.conf", "--json"], in: site.folder)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let feeds = try #require(json["feeds"] as? [[String: Any]])
            let dead = feeds.filter { ($0["name"] as? String)?.hasPrefix("dead") == true }
            #expect(dead.count == 200)
            #expect(dead.allSatisfy { $0["consecutiveErrors"] as? Int == 1 && $0["nextCheck"] is String })
            let given = dead.filter {
                ($0["lastError"] as? String)?.contains("host 127.0.0.2 not answering (3 transfers timed out this cycle); "
                    + "tried again next cycle") == true
            }
            #expect(given.count >= 196)
        }
        withExtendedLifetime(silent) {}
    }
}
