@testable import FinewsConfig
import Foundation
import Testing

@Suite("feeds.conf")
struct ConfigTests: ConfigParsing {
    let file = URL(fileURLWithPath: "/srv/news/feeds.conf")
    var configFile: URL { file }


    @Test("The seed configuration: defaults, relative paths and the time zone")
    func seed() throws {
        let config = try parse("""
            [site]
            output = "out"
            base_url = "//finews.withounder.com/"
            timezone = "Asia/Shanghai"
            archive_after = "0"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"
            """)
        #expect(config.site.output.path == "/srv/news/out")
        #expect(config.site.baseURL == "//finews.withounder.com")
        #expect(config.site.timeZone.identifier == "Asia/Shanghai")
        #expect(config.site.archiveDir == "old_post")
        #expect(config.stateDirectory.path == "/srv/news/out/.finews")
        let feed = try #require(config.feeds.first)
        #expect(feed.url == "file:///srv/news/rss.xml")
        #expect(feed.category == "taheribao")
        #expect(feed.tag == "漯河日报新闻")
        #expect(config.fetch.concurrency == 16)
        #expect(config.schedule.interval == 900)
    }

    @Test("An unknown key names file, line, feed and the likely key")
    func unknownKey() {
        let found = problems("""
            [site]
            output = "o"

            [[feed]]
            name = "taheribao"
            url = "https://example.com/rss.xml"
            intervall = "5m"
            """)
        #expect(found == ["feeds.conf:7: unknown key 'intervall' in [[feed]] 'taheribao' — did you mean 'interval'?"])
    }

    @Test("Every problem is reported, each with its line", arguments: [
        ("[site]\ntimezone = \"Mars/Olympus\"\n", "feeds.conf:2: unknown timezone 'Mars/Olympus'"),
        ("[fetch]\ntimeout = \"soon\"\n", "feeds.conf:2: 'timeout' must be a duration"),
        ("[fetch]\nmax_size = \"big\"\n", "feeds.conf:2: 'max_size' must be a size"),
        ("[fetch]\nconcurrency = 0\n", "feeds.conf:2: 'concurrency' must be a whole number"),
        ("[[feed]]\nname = \"a b\"\nurl = \"x\"\n", "feeds.conf:2: feed name 'a b' may only hold"),
        ("[[feed]]\nurl = \"x\"\n", "feeds.conf:1: [[feed]] on line 1 has no name"),
        ("[[feed]]\nname = \"a\"\n", "feeds.conf:1: [[feed]] 'a' has no url"),
        ("[[feed]]\nname = \"a\"\nurl = \"ftp://x/\"\n", "feeds.conf:3: url 'ftp://x/' in [[feed]] 'a' uses an unsupported scheme"),
        ("[[feed]]\nname = \"a\"\nurl = \"x\"\n[[feed]]\nname = \"a\"\nurl = \"y\"\n", "feeds.conf:4: duplicate feed name 'a'"),
        ("[[feed]]\nname = \"a\"\nurl = \"x\"\ninfocode_pattern = \"id=\\\\d+\"\n", "feeds.conf:4: infocode_pattern in [[feed]] 'a' needs one capture group"),
        ("[sites]\n", "feeds.conf:1: unknown key 'sites' at the top level — did you mean 'site'?"),
        ("[site]\noutput = 3\n", "feeds.conf:2: 'output' must be a string, not an integer"),
        ("[site\n", "feeds.conf:1: expected ']'"),
    ])
    func problem(text: String, expectedPrefix: String) {
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix(expectedPrefix) == true, "got \(found)")
    }

    @Test("Category and tag templates are parsed once, at load; plain strings stay plain")
    func templates() throws {
        let config = try parse("""
            [slugs]
            "漯河日报" = "taheribao"
            " 21世纪  经济报道 " = "21jingji"

            [[feed]]
            name = "agg"
            url = "agg.xml"
            category = "{source|slug}"
            tag = "{source}新闻"

            [[feed]]
            name = "plain"
            url = "rss.xml"
            tag = "Hostile {{ site.title }}"
            """)
        let agg = try #require(config.feeds.first)
        #expect(agg.category == "{source|slug}")
        #expect(agg.categoryTemplate.parts == [.value(.source, filter: .slug)])
        #expect(agg.tagTemplate.parts == [.value(.source, filter: nil), .text("新闻")])
        let plain = try #require(config.feeds.last)
        #expect(plain.categoryTemplate.plainText == "plain")
        #expect(plain.tagTemplate.plainText == "Hostile { site.title }")
        #expect(config.slugOverrides == ["漯河日报": "taheribao", "21世纪 经济报道": "21jingji"])
    }

    @Test("Template mistakes name the line, the key and the feed, with the likely fix", arguments: [
        ("category = \"{sorce}\"",
         "feeds.conf:4: unknown placeholder '{sorce}' in category of [[feed]] 'agg' — did you mean '{source}'?"),
        ("category = \"{sorce|slug}\"",
         "feeds.conf:4: unknown placeholder '{sorce|slug}' in category of [[feed]] 'agg' — did you mean '{source|slug}'?"),
        ("tag = \"{outlet}新闻\"",
         "feeds.conf:4: unknown placeholder '{outlet}' in tag of [[feed]] 'agg'; use {source}, {author}, {feed}"),
        ("tag = \"{source|slgu}\"",
         "feeds.conf:4: unknown filter '|slgu' in '{source|slgu}' in tag of [[feed]] 'agg' — did you mean '|slug'?"),
        ("tag = \"{source|upper}\"",
         "feeds.conf:4: unknown filter '|upper' in '{source|upper}' in tag of [[feed]] 'agg'; the filter is |slug"),
        ("tag = \"{source|slug|slug}\"",
         "feeds.conf:4: '{source|slug|slug}' in tag of [[feed]] 'agg' has more than one filter; a placeholder takes one"),
        ("tag = \"{source 新闻\"",
         "feeds.conf:4: '{' without '}' in '{source 新闻' in tag of [[feed]] 'agg'; write {{ for a literal brace"),
        ("tag = \"新闻}\"", "feeds.conf:4: '}' without '{' in tag of [[feed]] 'agg'; write }} for a literal brace"),
        ("category = \"{source}\"",
         "feeds.conf:4: '{source}' in category of [[feed]] 'agg' needs |slug, since a category names a file: write '{source|slug}'"),
        ("category = \"news/{source|slug}\"",
         "feeds.conf:4: category 'news/{source|slug}' in [[feed]] 'agg' may only hold letters, digits, '_' and '-' around its placeholders (it names a file)"),
        ("category = \"{source|slug}{author|slug}{feed|slug}{source|slug}\"",
         "feeds.conf:4: category '{source|slug}{author|slug}{feed|slug}{source|slug}' in [[feed]] 'agg' can be up to 256 characters long; a category names a file, keep it within 200"),
        ("category = \"漯河\"",
         "feeds.conf:4: category '漯河' in [[feed]] 'agg' may only hold letters, digits, '_' and '-' (it names a file)"),
    ])
    func templateProblem(line: String, expected: String) {
        #expect(problems("[[feed]]\nname = \"agg\"\nurl = \"agg.xml\"\n\(line)\n") == [expected])
    }

    @Test("[slugs] mistakes name their line", arguments: [
        ("\"漯河日报\" = \"tahe ribao\"",
         "feeds.conf:2: the slug 'tahe ribao' of '漯河日报' in [slugs] must be 1 to 64 letters, digits, '_' and '-' (it names a file)"),
        ("\"漯河日报\" = 3", "feeds.conf:2: the slug of '漯河日报' in [slugs] must be a string, not an integer"),
        ("\" \" = \"x\"", "feeds.conf:2: an outlet name in [slugs] must not be empty"),
        ("\"漯河日报\" = \"a\"\n\"漯河日报 \" = \"b\"", "feeds.conf:3: '漯河日报 ' in [slugs] names the same outlet as line 2"),
    ])
    func slugsProblem(lines: String, expected: String) {
        #expect(problems("[slugs]\n\(lines)\n") == [expected])
        #expect(problems("[slug]\n") == ["feeds.conf:1: unknown key 'slug' at the top level — did you mean 'slugs'?"])
    }

    @Test("Durations and sizes", arguments: [
        ("90s", 90), ("15m", 900), ("2h", 7200), ("3d", 259_200), ("0", 0),
    ])
    func durations(text: String, seconds: Int) {
        #expect(ConfigValues.duration(text) == seconds)
    }

    @Test("Sizes")
    func sizes() {
        #expect(ConfigValues.size("512KiB") == 524_288)
        #expect(ConfigValues.size("10MiB") == 10_485_760)
        #expect(ConfigValues.size("1GB") == 1_000_000_000)
        #expect(ConfigValues.size("lots") == nil)
        #expect(ConfigValues.duration("5 minutes") == nil)
    }

    @Test("Lookup order: --config, then FINEWS_CONFIG, then /etc")
    func lookup() {
        #expect(Config.locate(explicit: "/a.conf", environment: ["FINEWS_CONFIG": "/b.conf"]).path == "/a.conf")
        #expect(Config.locate(explicit: nil, environment: ["FINEWS_CONFIG": "/b.conf"]).path == "/b.conf")
    }

    @Test("A missing file says so and how to point at another")
    func missingFile() {
        #expect {
            try Config.load(from: URL(fileURLWithPath: "/nonexistent/feeds.conf"))
        } throws: { error in
            String(describing: error).contains("cannot read the configuration file")
        }
    }
}
