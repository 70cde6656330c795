@testable import FinewsConfig
@testable import FinewsDaemon
import FinewsFetch
import Foundation
import Testing

@Suite("allow_private_networks in feeds.conf")
struct PrivateNetworkConfigTests {
    private func parse(_ text: String) throws(ConfigError) -> Config {
        try Config.parse(text, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
    }

    @Test("Off by default: only the feed's own host; [fetch] turns it on, [[feed]] overrides either way")
    func settings() throws {
        let config = try parse("""
            [fetch]
            allow_private_networks = true

            [[feed]]
            name = "all"
            url = "http://10.0.0.5/rss"

            [[feed]]
            name = "own"
            url = "http://intranet.example/rss"
            allow_private_networks = false
            """)
        #expect(config.fetch.allowPrivateNetworks)
        #expect(config.fetch.privateNetworks(for: config.feeds[0]) == .allowed)
        #expect(config.fetch.privateNetworks(for: config.feeds[1]) == .onlyHost(of: "http://intranet.example/rss"))

        let defaults = try parse("[[feed]]\nname = \"a\"\nurl = \"http://a.example/rss\"\n")
        #expect(!defaults.fetch.allowPrivateNetworks)
        #expect(defaults.fetch.privateNetworks(for: defaults.feeds[0]) == .onlyHost(of: "http://a.example/rss"))
    }

    @Test("A typo gets a suggestion; a non-boolean is refused with its line")
    func mistakes() {
        #expect {
            try parse("[[feed]]\nname = \"a\"\nurl = \"http://a.example/rss\"\nallow_private_network = true\n")
        } throws: { error in
            "\(error)" == "feeds.conf:4: unknown key 'allow_private_network' in [[feed]] 'a' — did you mean 'allow_private_networks'?"
        }
        #expect {
            try parse("[fetch]\nallow_private_networks = \"yes\"\n")
        } throws: { error in
            "\(error)" == "feeds.conf:2: 'allow_private_networks' must be true or false, not a string"
        }
    }
}

@Suite("Full-text requests and private networks")
struct FullTextPrivateNetworkTests {
    private func feed(fulltext: String, allow: String = "") throws -> (Config.Fetch, Config.Feed) {
        let config = try Config.parse("""
            [[feed]]
            name = "a"
            url = "http://feeds.example/rss"
            fulltext_url = "\(fulltext)"
            \(allow)
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        return (config.fetch, try #require(config.feeds.first))
    }

    @Test("A story's link is trusted only on the feed's host")
    func link() throws {
        let (fetch, feed) = try feed(fulltext: "link")
        #expect(fetch.privateNetworks(forFullTextOf: feed, url: "http://10.0.0.5/admin")
            == .onlyHost(of: "http://feeds.example/rss"))
    }

    @Test("A template that writes out its host trusts that host; one with a placeholder in the host does not",
          arguments: [
              ("http://10.1.2.3:8080/NewsData/GetNewsText.do?id={infoCode}", true),
              ("https://api.example/{link}", true),
              ("https://api.example?u={link}", true),
              ("https://{infoCode}.example/text", false),
              ("https://api.example{link}", false),
              ("https://api.example:{id}/", false),
          ])
    func template(text: String, fixed: Bool) throws {
        let (fetch, feed) = try feed(fulltext: text)
        let url = "http://story.example/1"
        let expected: PrivateNetworkAccess = fixed ? .onlyHost(of: url) : .onlyHost(of: "http://feeds.example/rss")
        #expect(fetch.privateNetworks(forFullTextOf: feed, url: url) == expected)
    }

    @Test("allow_private_networks allows every full-text request")
    func allowed() throws {
        let (fetch, feed) = try feed(fulltext: "link", allow: "allow_private_networks = true")
        #expect(fetch.privateNetworks(forFullTextOf: feed, url: "http://10.0.0.5/admin") == .allowed)
    }
}

@Suite("finews status and refused full texts")
struct StatusPrivateNetworkTests {
    @Test("A feed missing full texts is told how to fetch refused links, unless it already allows them")
    func hint() throws {
        let config = try Config.parse("""
            [[feed]]
            name = "strict"
            url = "http://a.example/rss"
            fulltext_url = "link"

            [[feed]]
            name = "open"
            url = "http://b.example/rss"
            fulltext_url = "link"
            allow_private_networks = true
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        let report = StatusReport.make(config: config, states: [:], awaitingFullText: ["strict": 1, "open": 1])
        let lines = report.table(now: Date(timeIntervalSince1970: 1_700_000_000)).split(separator: "\n").map(String.init)
        #expect(lines.contains("strict: where a failure says \"refused: ... address\", the story links off the feed's own "
            + "host to a loopback or private address; allow_private_networks = true fetches it"))
        #expect(lines.contains { $0.hasPrefix("open: 1 post still without full text") })
        #expect(!lines.contains { $0.hasPrefix("open: where a failure says") })
    }

    @Test("The latest failure's reason is shown; the hint only when it may be a refusal")
    func latestReason() throws {
        let config = try Config.parse("""
            [[feed]]
            name = "slow"
            url = "http://a.example/rss"
            fulltext_url = "link"

            [[feed]]
            name = "refused"
            url = "http://b.example/rss"
            fulltext_url = "link"
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        let report = StatusReport.make(
            config: config, states: [:], awaitingFullText: ["slow": 2, "refused": 1],
            fullTextErrors: ["slow": "http://a.example/1: timed out after 30 s",
                             "refused": "http://10.0.0.5/a: refused: 10.0.0.5 is a private address; set allow_private_networks to allow it"])
        let lines = report.table(now: Date(timeIntervalSince1970: 1_700_000_000)).split(separator: "\n").map(String.init)
        #expect(lines.contains("slow: latest full-text failure: http://a.example/1: timed out after 30 s"))
        #expect(!lines.contains { $0.hasPrefix("slow: where a failure says") })
        #expect(lines.contains { $0.hasPrefix("refused: latest full-text failure: http://10.0.0.5/a: refused: ") })
        #expect(lines.contains { $0.hasPrefix("refused: where a failure says") })
    }
}
