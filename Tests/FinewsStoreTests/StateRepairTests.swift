@testable import FinewsStore
import FinewsNormalize
import Foundation
import Testing

/// `finews repair` below the command: what a rebuilt database records, read back
/// through the ``StateStore`` a refresh uses.
@Suite("State repair: the database rebuilt from the site")
struct StateRepairTests {
    private let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    private var renderer: PostRenderer { PostRenderer(baseURL: "//finews.withounder.com", timeZone: zone) }

    private static func code(_ text: String) throws -> InfoCode {
        try #require(InfoCode(text))
    }

    private static func filing(_ name: String, _ category: String, _ tag: String) throws -> FeedFiling {
        FeedFiling(feedName: name, category: try FilingTemplate(parsing: category), tag: try FilingTemplate(parsing: tag))
    }

    /// A temporary site folder, removed afterwards.
    private final class Site {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("finews-repair-\(UUID().uuidString)")
        var state: URL { root.appendingPathComponent(".finews") }

        init() throws {
            for folder in ["_posts", "old_post", "category", ".finews"] {
                try FileManager.default.createDirectory(
                    at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func write(_ path: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: root.appendingPathComponent(path))
        }
    }

    private func post(_ code: String, category: String, tag: String, link: String?, hour: Int = 8) throws -> Post {
        Post(infoCode: try #require(InfoCode(code)), title: "Story \(code)",
             date: Date(timeIntervalSince1970: 1_646_179_725 + Double(hour - 8) * 3600),
             category: category, tag: tag, body: "<p>\(code)</p>", link: link)
    }

    @Test("Posts, aliases, categories, outlets and slugs come back; a junk file is skipped and named")
    func rebuild() async throws {
        let site = try Site()
        let posts = [
            try post("AGG004", category: "Windzixun", tag: "Wind资讯新闻", link: "http://agg.example/news?id=4"),
            try post("AGG009", category: "Windzixun-2", tag: "Wind 资讯新闻", link: "http://agg.example/news?id=9", hour: 9),
            try post("AGG001", category: "taheribao", tag: "漯河日报新闻", link: "http://agg.example/news?id=1"),
            try post("AGG008", category: "agg", tag: "——新闻", link: "http://agg.example/news?id=8"),
            // Two posts with one link: the link names neither.
            try post("SAME1", category: "plain", tag: "Plain", link: "http://other.example/shared"),
            try post("SAME2", category: "plain", tag: "Plain", link: "http://other.example/shared"),
            // A category no configured feed gives.
            try post("GONE1", category: "gone", tag: "Gone", link: nil),
        ]
        var hashes: [String: String] = [:]
        for (index, post) in posts.enumerated() {
            let bytes = renderer.renderedBytes(post)
            let name = (renderer.relativePath(for: post) as NSString).lastPathComponent
            // One in the archive folder.
            let path = (index == 1 ? "old_post/" : "_posts/") + name
            try site.write(path, bytes)
            hashes[post.infoCode.value] = ContentHash.of(bytes)
        }
        for (slug, tag) in [("Windzixun", "Wind资讯新闻"), ("Windzixun-2", "Wind 资讯新闻"), ("taheribao", "漯河日报新闻")] {
            try site.write("category/\(slug).html", Array(renderer.renderCategoryPage(category: slug, tag: tag).utf8))
        }
        try site.write("_posts/notes.txt", Array("my notes".utf8))
        try site.write("_posts/2022-03-02-broken.md", Array("---\ntitle: no end\n".utf8))
        // The damaged database: junk where the header was, and a WAL beside it.
        try site.write(".finews/state.sqlite", Array(repeating: 0x5A, count: 8192))
        try site.write(".finews/state.sqlite-wal", Array(repeating: 0x00, count: 100))

        let repair = StateRepair(
            siteRoot: site.root, stateDirectory: site.state, archiveDir: "old_post", timeZone: zone,
            feeds: [
                .init(name: "plain", filing: try Self.filing("plain", "plain", "Plain"), fetchesFullText: true),
                .init(name: "agg", filing: try Self.filing("agg", "{source|slug}", "{source}新闻"), fetchesFullText: false),
            ],
            slugOverrides: ["漯河日报": "taheribao"])
        guard case .damaged(let message) = repair.health() else {
            Issue.record("a file of junk should be damaged: \(repair.health())")
            return
        }
        #expect(message.contains("is damaged (SQLite error 26: file is not a database)"), "\(message)")

        let now = Date(timeIntervalSince1970: 1_796_350_530)
        let report = try repair.rebuild(now: now)
        #expect(report.posts == 7)
        #expect(report.archived == 1)
        #expect(report.aliases == 4)
        #expect(report.categories == 6)
        #expect(report.categoryPages == 3)
        #expect(report.slugs == 3)
        #expect(report.unowned == 1)
        #expect(report.skipped.map(\.path) == ["_posts/2022-03-02-broken.md", "_posts/notes.txt"])
        #expect(report.skipped.first?.reason.contains("no front matter") == true)
        let aside = site.state.appendingPathComponent("state.sqlite.broken-\(StateRepair.stamp(now))").path
        #expect(report.movedAside == [aside, aside + "-wal"])
        #expect(FileManager.default.contents(atPath: aside) == Data(repeating: 0x5A, count: 8192))
        #expect(FileManager.default.contents(atPath: aside + "-wal") == Data(repeating: 0, count: 100))
        #expect(try FileManager.default.contentsOfDirectory(atPath: site.state.path).sorted()
            == ["state.sqlite", "state.sqlite.broken-\(StateRepair.stamp(now))", "state.sqlite.broken-\(StateRepair.stamp(now))-wal"])
        guard case .healthy(posts: 7) = repair.health() else {
            Issue.record("the rebuilt database should be healthy: \(repair.health())")
            return
        }

        let store = try StateStore(directory: site.state)
        let codes = posts.map(\.infoCode)
        let found = try await store.stories(
            codes: codes, aliases: ["link:agg.example/news?id=9", "link:other.example/shared"])
        #expect(found.posts.count == 7)
        #expect(found.aliases == ["link:agg.example/news?id=9": try Self.code("AGG009")])
        for post in posts {
            let stored = try #require(found.posts[post.infoCode])
            #expect(stored.contentHash == hashes[post.infoCode.value])
            #expect(stored.category == post.category)
            #expect(stored.firstSeen == post.date)
            #expect(stored.lastCycle == nil)
        }
        let archived = try #require(found.posts[try Self.code("AGG009")])
        #expect(archived.path == "old_post/2022-03-02-AGG009.md")
        #expect(archived.feed == "agg")
        #expect(found.posts[try Self.code("SAME1")]?.feed == "plain")
        #expect(found.posts[try Self.code("SAME1")]?.fullText == .fetched)
        #expect(found.posts[try Self.code("AGG008")]?.feed == "agg")
        #expect(found.posts[try Self.code("GONE1")]?.feed == "")

        let feedStates = try await store.feedStates()
        #expect(feedStates.mapValues(\.postsWritten) == ["agg": 4, "plain": 2])
        #expect(feedStates["agg"]?.etag == nil && feedStates["agg"]?.nextCheck == nil && feedStates["agg"]?.bodyHash == nil)
        #expect(try await store.slugs() == ["Wind资讯": "Windzixun", "Wind 资讯": "Windzixun-2", "漯河日报": "taheribao"])
        let categories = try await store.categories()
        #expect(categories["Windzixun-2"] == StoredCategory(slug: "Windzixun-2", outlet: "Wind 资讯", tag: "Wind 资讯新闻"))
        #expect(categories["agg"] == StoredCategory(slug: "agg", outlet: nil, tag: "——新闻"))
        #expect(categories["gone"] == StoredCategory(slug: "gone", outlet: nil, tag: "Gone"))
    }

    @Test("A healthy database is reported with its posts; a missing one as missing")
    func health() throws {
        let site = try Site()
        let repair = StateRepair(
            siteRoot: site.root, stateDirectory: site.state, archiveDir: "old_post", timeZone: zone, feeds: [],
            slugOverrides: [:])
        #expect(repair.health() == .missing)
        _ = try StateStore(directory: site.state)
        #expect(repair.health() == .healthy(posts: 0))
        // A database truncated to half is damaged.
        let path = site.state.appendingPathComponent("state.sqlite")
        let bytes = try Data(contentsOf: path)
        try bytes.prefix(bytes.count / 2).write(to: path)
        guard case .damaged(let message) = repair.health() else {
            Issue.record("a truncated database should be damaged: \(repair.health())")
            return
        }
        #expect(message.contains("SQLite error 11: database disk image is malformed"), "\(message)")
    }

    @Test("Templates give an outlet's slug back only when the outlet could have had it", arguments: [
        // category template, tag template, category, tag, the slugs found (nil: no match)
        ("{source|slug}", "{source}新闻", "Windzixun", "Wind资讯新闻", ["Wind资讯=Windzixun"]),
        ("{source|slug}", "{source}新闻", "Windzixun-2", "Wind 资讯新闻", ["Wind 资讯=Windzixun-2"]),
        ("{source|slug}", "{source}新闻", "21shijijingjibaodao", "21世纪经济报道新闻", ["21世纪经济报道=21shijijingjibaodao"]),
        ("{source|slug}", "{source}新闻", "taheribao", "漯河日报新闻", ["漯河日报=taheribao"]),
        // The slug of another name: not this outlet's, and not the fallback either.
        ("{source|slug}", "{source}新闻", "xinhuashe", "Wind资讯新闻", nil),
        // The fallback: the feed's name, no slug.
        ("{source|slug}", "{source}新闻", "agg", "——新闻", []),
        // The tag does not fit the template.
        ("{source|slug}", "{source}新闻", "Windzixun", "Wind资讯", nil),
        ("news-{source|slug}", "{feed}: {source}", "news-36ke", "agg: 36氪", ["36氪=36ke"]),
        ("news-{source|slug}", "{feed}: {source}", "36ke", "agg: 36氪", nil),
        ("{source|slug}", "聚合", "36ke", "聚合", []),
        ("plain", "Plain", "plain", "Plain", []),
        ("plain", "Plain", "plain", "Other", nil),
    ] as [(String, String, String, String, [String]?)])
    func filingMatch(category: String, tag: String, filed: String, tagged: String, slugs: [String]?) throws {
        let filing = try Self.filing("agg", category, tag)
        let match = FilingMatch.match(filing, category: filed, tag: tagged, overrides: ["漯河日报": "taheribao"])
        #expect(match?.slugs.map { "\($0.text)=\($0.slug)" } == slugs)
    }
}
