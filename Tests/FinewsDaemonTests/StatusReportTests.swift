@testable import FinewsDaemon
@testable import FinewsConfig
import FinewsStore
import FinewsNormalize
import Foundation
import Testing

@Suite("finews status report")
struct StatusReportTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static let config: Config = {
        do {
            return try Config.parse("""
                [schedule]
                interval = "15m"

                [[feed]]
                name = "new"
                url = "https://a.example/rss"

                [[feed]]
                name = "hinted"
                url = "https://b.example/rss"

                [[feed]]
                name = "failing"
                url = "https://c.example/rss"
                """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        } catch {
            fatalError("\(error)")
        }
    }()

    static let states: [String: FeedState] = [
        "hinted": FeedState(
            lastCheck: now.addingTimeInterval(-120), entryCount: 3, lastResult: "fetched", lastStatus: 200,
            postsWritten: 12, hintTTL: 3600, nextCheck: now.addingTimeInterval(3480), intervalSeconds: 3600,
            intervalReason: "ttl"),
        "failing": FeedState(
            lastCheck: now.addingTimeInterval(-30), lastError: "server error (HTTP 503)", consecutiveErrors: 3,
            lastResult: "failed", lastStatus: 503, retryAfter: 7200, postsWritten: 1,
            nextCheck: now.addingTimeInterval(7170), intervalSeconds: 7200, intervalReason: "retry-after"),
    ]

    @Test("Per feed: interval and reason, result, errors, next check; totals")
    func report() {
        let report = StatusReport.make(config: Self.config, states: Self.states)
        #expect(report.feeds.map(\.intervalReason) == ["config", "ttl", "retry-after"])
        #expect(report.feeds.map(\.interval) == [900, 3600, 7200])
        #expect(report.feeds[0].lastCheck == nil)
        #expect(report.feeds[0].nextCheck == nil)
        #expect(report.totals == StatusReport.Totals(feeds: 3, ok: 1, failing: 1, neverChecked: 1, postsWritten: 13,
                                                     nextCheck: nil))
        #expect(report.table(now: Self.now) == """
            FEED     INTERVAL          LAST CHECK  RESULT                             ERRORS  NEXT CHECK  POSTS
            new      15m (config)      never       -                                  0       now         0
            hinted   1h (ttl)          2m ago      ok (HTTP 200)                      0       in 58m      12
            failing  2h (Retry-After)  30s ago     failed (HTTP 503, Retry-After 2h)  3       in 1h59m    1
            failing: server error (HTTP 503)
            3 feeds: 1 ok, 1 failing, 1 never checked; 13 posts written; next check now
            """)
    }

    @Test("JSON: every key present, null for what is unknown")
    func json() throws {
        let report = StatusReport.make(config: Self.config, states: Self.states)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let feeds = try #require(object["feeds"] as? [[String: Any]])
        #expect(feeds.count == 3)
        #expect(Set(feeds[0].keys) == [
            "name", "url", "interval", "intervalReason", "lastCheck", "result", "httpStatus", "consecutiveErrors",
            "lastError", "retryAfter", "nextCheck", "postsWritten", "fullTextMissing", "fullTextError", "blocked",
            "similar",
        ])
        #expect(feeds[0]["blocked"] as? Int == 0)
        #expect((object["totals"] as? [String: Any])?["blocked"] as? Int == 0)
        #expect(feeds[0]["similar"] is NSNull, "[dedupe] similar is off")
        #expect(feeds[0]["lastCheck"] is NSNull)
        #expect(feeds[0]["fullTextMissing"] is NSNull, "not a full-text feed")
        #expect(feeds[2]["nextCheck"] as? String == "2023-11-15T00:12:50Z")
        #expect(feeds[2]["retryAfter"] as? Int == 7200)
    }

    @Test("A full-text feed shows its posts still without full text, in the table and in JSON")
    func fullTextMissing() throws {
        let config = try Config.parse("""
            [[feed]]
            name = "digests"
            url = "https://d.example/rss"
            fulltext_url = "link"

            [[feed]]
            name = "complete"
            url = "https://e.example/rss"
            fulltext_url = "link"

            [[feed]]
            name = "plain"
            url = "https://f.example/rss"
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        let report = StatusReport.make(config: config, states: [:], awaitingFullText: ["digests": 2, "plain": 1])
        #expect(report.feeds.map(\.fullTextMissing) == [2, 0, nil])
        let lines = report.table(now: Self.now).split(separator: "\n").map(String.init)
        #expect(lines.contains(
            "digests: 2 posts still without full text (finews retries for three days; the log names each failure)"))
        #expect(!lines.contains { $0.hasPrefix("complete:") || $0.hasPrefix("plain:") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let feeds = try #require(object["feeds"] as? [[String: Any]])
        #expect(feeds.map { $0["fullTextMissing"] as? Int } == [2, 0, nil])
    }

    static let aggregated: Config = {
        do {
            return try Config.parse("""
                [[feed]]
                name = "taheribao"
                url = "https://a.example/rss"
                tag = "漯河日报新闻"

                [[feed]]
                name = "agg"
                url = "https://b.example/rss"
                category = "{source|slug}"
                tag = "{source}新闻"
                """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        } catch {
            fatalError("\(error)")
        }
    }()

    @Test("Categories: slug, outlet, tag and posts; posts from before v3 count for their feed's plain category")
    func categories() throws {
        let report = StatusReport.make(
            config: Self.aggregated, states: [:],
            categories: [
                "taheribao": StoredCategory(slug: "taheribao"),
                "36ke": StoredCategory(slug: "36ke", outlet: "36氪", tag: "36氪新闻"),
                "Windzixun": StoredCategory(slug: "Windzixun", outlet: "Wind资讯", tag: "Wind资讯新闻"),
                "agg": StoredCategory(slug: "agg", tag: "——新闻"),
            ],
            counts: [
                CategoryCount(category: nil, feed: "taheribao", posts: 40),
                CategoryCount(category: "taheribao", feed: "agg", posts: 2),
                CategoryCount(category: "36ke", feed: "agg", posts: 3),
                CategoryCount(category: "agg", feed: "agg", posts: 1),
                CategoryCount(category: nil, feed: "agg", posts: 5),  // a templated feed: unknown, not counted
            ])
        #expect(report.categories.map(\.slug) == ["36ke", "agg", "taheribao", "Windzixun"])
        #expect(report.categories.map(\.posts) == [3, 1, 42, 0])
        #expect(report.categories[2].tag == "漯河日报新闻")
        let table = report.table(now: Self.now)
        #expect(table.hasSuffix("""
            2 feeds: 0 ok, 0 failing, 2 never checked; 0 posts written; next check now

            CATEGORY   OUTLET    TAG           POSTS
            36ke       36氪      36氪新闻      3
            agg        -         ——新闻        1
            taheribao  -         漯河日报新闻  42
            Windzixun  Wind资讯  Wind资讯新闻  0
            """), "\(table)")

        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let categories = try #require(object["categories"] as? [[String: Any]])
        #expect(categories.count == 4)
        #expect(Set(categories[0].keys) == ["slug", "outlet", "tag", "posts"])
        #expect(categories[0]["outlet"] as? String == "36氪")
        #expect(categories[1]["outlet"] is NSNull)
        #expect(categories[2]["posts"] as? Int == 42)
    }

    @Test("Display width: Han and full-width forms take two columns", arguments: [
        ("taheribao", 9), ("漯河日报", 8), ("Wind资讯", 8), ("ＡＢ", 4), ("", 0),
    ])
    func displayWidth(text: String, width: Int) {
        #expect(StatusReport.displayWidth(text) == width)
    }

    @Test("Spans", arguments: [
        (0, "0s"), (59, "59s"), (60, "1m"), (125, "2m5s"), (900, "15m"), (3600, "1h"), (3660, "1h1m"),
        (86_400, "1d"), (93_600, "1d2h"),
    ])
    func spans(seconds: Int, text: String) {
        #expect(StatusReport.span(seconds) == text)
    }
}
