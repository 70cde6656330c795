import Foundation
import Testing

/// `Fixtures/aggregated`: one feed carrying stories from many outlets, filed with
/// `category = "{source|slug}"`, `tag = "{source}新闻"` and `[slugs] "漯河日报" = "taheribao"`.
@Suite("Aggregated feeds: category and tag per story, end to end", .serialized)
struct AggregatedFeedTests {
    /// Per story: the front matter's `categories:` and `tags:` lines as written, and the footer link.
    static let expected: [(code: String, categories: String, tags: String, footer: String)] = [
        ("AGG001", "taheribao", "漯河日报新闻", "[返回漯河日报新闻](//finews.withounder.com/category/taheribao.html)"),
        ("AGG002", "\"21shijijingjibaodao\"", "\"21世纪经济报道新闻\"",
         "[返回21世纪经济报道新闻](//finews.withounder.com/category/21shijijingjibaodao.html)"),
        ("AGG003", "\"36ke\"", "\"36氪新闻\"", "[返回36氪新闻](//finews.withounder.com/category/36ke.html)"),
        ("AGG004", "Windzixun", "Wind资讯新闻", "[返回Wind资讯新闻](//finews.withounder.com/category/Windzixun.html)"),
        ("AGG005", "BloombergBusinessweek", "\"Bloomberg Businessweek新闻\"",
         "[返回Bloomberg Businessweek新闻](//finews.withounder.com/category/BloombergBusinessweek.html)"),
        // No source element and no author: the feed's title.
        ("AGG006", "caijingjuhe", "财经聚合新闻", "[返回财经聚合新闻](//finews.withounder.com/category/caijingjuhe.html)"),
        // No source element: the author (dc:creator).
        ("AGG007", "xinhuashe", "新华社新闻", "[返回新华社新闻](//finews.withounder.com/category/xinhuashe.html)"),
        // A source of punctuation only: the feed's own category.
        ("AGG008", "agg", "\"——新闻\"", "[返回——新闻](//finews.withounder.com/category/agg.html)"),
        // Another outlet with the same slug as Wind资讯, which came first.
        ("AGG009", "Windzixun-2", "\"Wind 资讯新闻\"", "[返回Wind 资讯新闻](//finews.withounder.com/category/Windzixun-2.html)"),
        ("AGG010", "taheribao", "漯河日报新闻", "[返回漯河日报新闻](//finews.withounder.com/category/taheribao.html)"),
    ]

    /// Category pages and their titles as written.
    static let pages: [(slug: String, title: String)] = [
        ("21shijijingjibaodao", "\"21世纪经济报道新闻\""), ("36ke", "\"36氪新闻\""),
        ("BloombergBusinessweek", "\"Bloomberg Businessweek新闻\""), ("Windzixun", "Wind资讯新闻"),
        ("Windzixun-2", "\"Wind 资讯新闻\""), ("agg", "\"——新闻\""), ("caijingjuhe", "财经聚合新闻"),
        ("taheribao", "漯河日报新闻"), ("xinhuashe", "新华社新闻"),
    ]

    /// Every published file's bytes and modification time.
    private func snapshot(_ site: SeedSite) throws -> [String: (Data, Date?)] {
        var files: [String: (Data, Date?)] = [:]
        for path in site.publishedFiles() {
            let url = site.url("out/\(path)")
            files[path] = (try Data(contentsOf: url),
                           try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
        }
        return files
    }

    private func text(_ site: SeedSite, _ path: String) throws -> String {
        String(decoding: try site.read(path), as: UTF8.self)
    }

    @Test("Each story is filed under its outlet; category pages are titled by the tag; a second run changes nothing")
    func aggregatedFeed() async throws {
        let site = try SeedSite(fixture: "aggregated")
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("1 feed ok, 0 failed; 10 new posts, 0 updated; 0 duplicates skipped"))

        for story in Self.expected {
            let post = try text(site, "out/_posts/2022-03-02-\(story.code).md")
            #expect(post.contains("\ncategories: \(story.categories)\ntags: \(story.tags)\n---\n"), "\(story.code): \(post)")
            #expect(post.hasSuffix("\n\n\(story.footer)｜[返回首页](//finews.withounder.com/)"), "\(story.code): \(post)")
        }
        #expect(site.publishedFiles() == (Self.expected.map { "_posts/2022-03-02-\($0.code).md" }
            + Self.pages.map { "category/\($0.slug).html" }).sorted())
        for page in Self.pages {
            let category = page.slug.first?.isNumber == true ? "\"\(page.slug)\"" : page.slug
            #expect(try text(site, "out/category/\(page.slug).html")
                == "---\nlayout: category\ntitle: \(page.title)\ncategory: \(category)\n---\n")
        }

        // The same stories again, in a changed document (so it is parsed and filed
        // again): nothing is written, nothing is touched.
        let before = try snapshot(site)
        try await Task.sleep(for: .milliseconds(20))
        try site.write("agg.xml", try text(site, "agg.xml").replacingOccurrences(
            of: "<description>Stories from many outlets in one feed</description>",
            with: "<description>Stories from many outlets, once more</description>"))
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("0 new posts, 0 updated; 10 duplicates skipped"), "stdout: \(again.stdout)")
        let after = try snapshot(site)
        #expect(after.keys.sorted() == before.keys.sorted())
        for (path, (data, date)) in before {
            #expect(after[path]?.0 == data, "\(path) changed")
            #expect(after[path]?.1 == date, "\(path) was touched")
        }

        let status = try await runFinews(["status", "--config", "feeds.conf", "--json"], in: site.folder)
        #expect(status.status == 0, "stderr: \(status.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let categories = try #require(json["categories"] as? [[String: Any]])
        #expect(categories.compactMap { $0["slug"] as? String } == [
            "21shijijingjibaodao", "36ke", "agg", "BloombergBusinessweek", "caijingjuhe", "taheribao", "Windzixun",
            "Windzixun-2", "xinhuashe",
        ])
        let taheribao = try #require(categories.first { $0["slug"] as? String == "taheribao" })
        #expect(taheribao["outlet"] as? String == "漯河日报")
        #expect(taheribao["tag"] as? String == "漯河日报新闻")
        #expect(taheribao["posts"] as? Int == 2)
        let fallback = try #require(categories.first { $0["slug"] as? String == "agg" })
        #expect(fallback["outlet"] is NSNull)
        let table = try await runFinews(["status", "--config", "feeds.conf"], in: site.folder)
        #expect(table.stdout.contains("\nCATEGORY "), "stdout: \(table.stdout)")
        #expect(table.stdout.contains("\nWindzixun-2            Wind 资讯               Wind 资讯新闻               1"),
                "stdout: \(table.stdout)")
    }

    @Test("Stored slugs outlive the config; the override shares the reference site's page; the reference post is unchanged")
    func stableAcrossConfigChanges() async throws {
        let site = try SeedSite(fixture: "aggregated")
        let seed = try #require(Bundle.module.url(forResource: "Fixtures/seed", withExtension: nil))
        try FileManager.default.copyItem(at: seed.appendingPathComponent("rss.xml"), to: site.url("rss.xml"))
        let referencePath = "_posts/2022-03-02-NW202203022293518924.md"
        let reference = try Data(contentsOf: seed.appendingPathComponent("expected/\(referencePath)"))
        let feeds = """

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"

            [[feed]]
            name = "agg"
            url = "agg.xml"
            category = "{source|slug}"
            tag = "{source}新闻"
            """
        let header = "[site]\noutput = \"out\"\nbase_url = \"//finews.withounder.com\"\ntimezone = \"Asia/Shanghai\"\n"
        try site.write("both.conf", header + "\n[slugs]\n\"漯河日报\" = \"taheribao\"\n" + feeds)
        let first = try await runFinews(["refresh", "--config", "both.conf"], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("2 feeds ok, 0 failed; 11 new posts"), "stdout: \(first.stdout)")
        #expect(try site.read("out/\(referencePath)") == reference)
        #expect(try text(site, "out/_posts/2022-03-02-AGG001.md").contains("\ncategories: taheribao\n"))
        #expect(try text(site, "out/category/taheribao.html")
            == "---\nlayout: category\ntitle: 漯河日报新闻\ncategory: taheribao\n---\n")

        // The override removed: 漯河日报 keeps taheribao. A new outlet that ICU also
        // reads "taheribao" (他和日报) gets a suffix rather than joining that page.
        try site.write("both.conf", header + feeds)
        try site.write("agg.xml", try text(site, "agg.xml").replacingOccurrences(of: "</channel>", with: """
            <item>
            <title>同音不同名</title>
            <link>http://agg.example/news?infoCode=AGG011</link>
            <pubDate>Wed, 02 Mar 2022 20:00:00 +0800</pubDate>
            <source>他和日报</source>
            <description>Tā hé rì bào.</description>
            </item>
            </channel>
            """))
        let second = try await runFinews(["refresh", "--config", "both.conf"], in: site.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("1 new post, 0 updated; 11 duplicates skipped"), "stdout: \(second.stdout)")
        #expect(try text(site, "out/_posts/2022-03-02-AGG001.md").contains("\ncategories: taheribao\n"))
        #expect(try text(site, "out/_posts/2022-03-02-AGG011.md").contains("\ncategories: taheribao-2\ntags: 他和日报新闻\n"))
        #expect(try site.read("out/\(referencePath)") == reference)
    }

    @Test("finews check names the line of a template mistake and suggests the fix")
    func checkTemplates() async throws {
        let site = try SeedSite(fixture: "aggregated")
        try site.write("bad.conf", try text(site, "feeds.conf").replacingOccurrences(
            of: "category = \"{source|slug}\"", with: "category = \"{sorce}\""))
        let check = try await runFinews(["check", "--config", "bad.conf"], in: site.folder)
        #expect(check.status == 2)
        #expect(check.stderr
            == "bad.conf:14: unknown placeholder '{sorce}' in category of [[feed]] 'agg' — did you mean '{source}'?\n")
        let good = try await runFinews(["check", "--config", "feeds.conf"], in: site.folder)
        #expect(good.status == 0, "stderr: \(good.stderr)")
    }
}
