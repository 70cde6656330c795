@testable import FinewsConfig
import FinewsExtract
import Foundation
import Testing

@Suite("feeds.conf: list sources, rules and HTTP settings")
struct SourceConfigTests: ConfigParsing {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-config-\(UUID().uuidString)")
    var configFile: URL { folder.appendingPathComponent("feeds.conf") }


    @Test("Dotted keys, an inline header table and rules make a JSON API source")
    func jsonSource() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("s3cret\n".utf8).write(to: folder.appendingPathComponent("eastmoney.password"))
        let config = try parse("""
            [filter]
            block = ["title=(?i)广告|推广"]

            [[feed]]
            name = "eastmoney"
            url = "https://api.example.cn/NewsList?page=1"
            format = "json"
            items = "data.list"
            item.id = "infoCode"
            item.title = "title"
            item.link = "https://news.example/{infoCode}.html"
            item.date = "showTime"
            item.content = "digest"
            item.source = "mediaName"
            headers = { Referer = "https://news.example/", "User-Agent" = "Mozilla/5.0" }
            username = "reader"
            password_file = "eastmoney.password"
            keep = [
              "title=(?i)(A股|港股)",
              "source=证券",
            ]
            """)
        let feed = try #require(config.feeds.first)
        let list = try #require(feed.list)
        #expect(list.format == .json)
        #expect(list.items == "data.list")
        #expect(list.fields == [.id: "infoCode", .title: "title", .link: "https://news.example/{infoCode}.html",
                                .date: "showTime", .content: "digest", .source: "mediaName"])
        #expect(feed.headers.map(\.name) == ["Referer", "User-Agent"])
        #expect(feed.headers.first?.value == "https://news.example/")
        #expect(feed.credentials?.username == "reader")
        #expect(feed.credentials?.password == "s3cret", "the trailing newline of the file is not part of it")
        var dumped = ""
        dump(feed, to: &dumped)
        #expect(!dumped.contains("s3cret") && !String(describing: feed).contains("s3cret")
                && !String(reflecting: feed).contains("s3cret"), "the password never shows")
        #expect(dumped.contains("reader"))
        #expect(feed.filter.keep.map(\.description) == ["title=(?i)(A股|港股)", "source=证券"])
        #expect(config.filter.block.map(\.description) == ["title=(?i)广告|推广"])
        #expect(config.storyFilter(for: feed).block.count == 1)
    }

    @Test("Mistakes name their line and the likely fix", arguments: [
        ("format = \"html\"\nitems = \"//ul[@class='list'\"\nitem.title = \".//a\"", "feeds.conf:5:", "items in [[feed]] 'x'"),
        ("format = \"html\"\nitems = \"//li\"\nitem.title = \".//a[\"", "feeds.conf:6:", "item.title"),
        ("format = \"json\"\nitems = \"data.list\"\nitem.titel = \"title\"", "feeds.conf:6:", "did you mean 'item.title'"),
        ("format = \"jsn\"\nitems = \"data.list\"", "feeds.conf:4:", "did you mean 'json'"),
        ("format = \"json\"\nitem.title = \"title\"", "feeds.conf:4:", "no items"),
        ("items = \"data.list\"", "feeds.conf:4:", "needs format"),
        ("format = \"json\"\nitems = \"data.list\"\nitem.date = \"showTime\"", "feeds.conf:5:", "no title and no link"),
        ("block = [\n  \"title=ok\",\n  \"title=(bad\",\n]", "feeds.conf:6:", "not a valid regular expression"),
        ("keep = [\"headline=x\"]", "feeds.conf:4:", "unknown field 'headline'"),
        ("headers = { Referer = \"a\\r\\nX-Evil: 1\" }", "feeds.conf:4:", "line break"),
        ("headers = { \"Bad Name\" = \"a\" }", "feeds.conf:4:", "not a header name"),
        ("username = \"reader\"", "feeds.conf:4:", "needs password_file"),
        ("username = \"reader\"\npassword_file = \"/nonexistent/finews.password\"", "feeds.conf:5:", "cannot read password_file"),
    ])
    func mistakes(lines: String, place: String, message: String) {
        let found = problems("[[feed]]\nname = \"x\"\nurl = \"https://a.example/\"\n\(lines)\n")
        #expect(found.contains { $0.hasPrefix(place) && $0.contains(message) }, "\(found)")
    }

    @Test("A bad rule in [filter] names its line")
    func filterTable() {
        let found = problems("[filter]\nkeep = [\"title=(\"]\nblok = []\n")
        #expect(found.contains { $0.hasPrefix("feeds.conf:2:") && $0.contains("[filter]") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("feeds.conf:3:") && $0.contains("did you mean 'block'") }, "\(found)")
    }

    @Test("OPML export and import carry JSON and HTML sources as FreshRSS writes them")
    func freshRSSRoundTrip() throws {
        let config = try parse("""
            [[feed]]
            name = "api"
            url = "https://api.example.cn/list"
            tag = "东方财富"
            format = "json"
            items = "data.list"
            item.title = "title"
            item.link = "links.0"
            item.date = "showTime"

            [[feed]]
            name = "page"
            url = "https://news.example.cn/local/"
            format = "html"
            items = "//ul[@class='list']/li"
            item.title = ".//a"
            item.link = ".//a/@href"
            """)
        let (xml, _) = OPML.export(config)
        #expect(xml.contains("type=\"JSON+DotNotation\""))
        #expect(xml.contains("frss:jsonItem=\"data.list\""))
        #expect(xml.contains("frss:jsonItemUri=\"links[0]\""))
        #expect(xml.contains("frss:xPathItem=\"//ul[@class=&apos;list&apos;]/li\""))
        #expect(xml.contains("frss:xPathItemUri=\".//a/@href\""))
        let outlines = try OPML.outlines(in: Array(xml.utf8), source: "export.opml")
        #expect(outlines.count == 2)
        #expect(outlines[0].settings.map { "\($0.key)=\($0.value)" } == [
            "format=json", "items=data.list", "item.title=title", "item.link=links.0", "item.date=showTime",
        ])
        #expect(outlines[1].settings.map { "\($0.key)=\($0.value)" } == [
            "format=html", "items=//ul[@class='list']/li", "item.title=.//a", "item.link=.//a/@href",
        ])
        // Imported into an empty config, the result is valid and reads the same way.
        let empty = try parse("")
        let plan = OPMLImport(outlines, into: "", config: empty, source: "export.opml")
        let imported = try parse(plan.text)
        #expect(imported.feeds.map(\.list) == config.feeds.map(\.list))
    }
}
