@testable import FinewsConfig
import Foundation
import Testing

@Suite("OPML reading and writing")
struct OPMLTests {
    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <opml version="2.0">
          <head><title>My feeds</title></head>
          <body>
            <outline text="News">
              <outline text="Example &amp; Co" title="Example &amp; Co" type="rss" xmlUrl="https://example.com/rss?a=1&amp;b=2"/>
              <outline text="漯河日报" type="rss" xmlUrl="http://www.example.cn/feed.xml"/>
            </outline>
            <outline text="Literal &amp;lt;tag&amp;gt; &#233;t&#xE9;" xmlURL="https://lit.example.org/atom"/>
            <outline text="A folder without feeds"/>
            <outline text="blank" xmlUrl="  "/>
          </body>
        </opml>
        """

    @Test("Outlines with an xmlUrl at any depth, attribute references decoded once")
    func outlines() throws {
        let outlines = try OPML.outlines(in: Array(Self.sample.utf8), source: "feeds.opml")
        #expect(outlines == [
            OPMLOutline(title: "Example & Co", url: "https://example.com/rss?a=1&b=2"),
            OPMLOutline(title: "漯河日报", url: "http://www.example.cn/feed.xml"),
            OPMLOutline(title: "Literal &lt;tag&gt; été", url: "https://lit.example.org/atom"),
        ])
    }

    @Test("A document in a declared legacy encoding is decoded by libxml2")
    func latin1() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml version=\"1.0\"><body><outline text=\"Caf".utf8)
        bytes.append(0xE9)
        bytes += Array("\" xmlUrl=\"https://cafe.example/rss\"/></body></opml>".utf8)
        let outlines = try OPML.outlines(in: bytes, source: "x.opml")
        #expect(outlines == [OPMLOutline(title: "Café", url: "https://cafe.example/rss")])
    }

    @Test("Not OPML: another root, or not XML", arguments: [
        ("<rss version=\"2.0\"><channel/></rss>", "its root element is <rss>"),
        ("hello", "it is not XML"),
        ("", "it is not XML"),
    ])
    func notOPML(text: String, detail: String) {
        #expect {
            try OPML.outlines(in: Array(text.utf8), source: "in.opml")
        } throws: { error in
            guard let error = error as? OPMLError else { return false }
            return error.code == .notOPML && error.message == "in.opml: not an OPML file (\(detail))"
        }
    }

    @Test("External entities are never loaded")
    func noExternalEntities() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
            <opml version="2.0"><body><outline text="&secret;" title="x&secret;" xmlUrl="https://a.example/&secret;"/></body></opml>
            """
        let outlines = try OPML.outlines(in: Array(text.utf8), source: "x.opml")
        let hostname = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "no-hostname-file"
        for outline in outlines {
            #expect(!(outline.title ?? "").contains(hostname))
            #expect(!outline.url.contains(hostname))
        }
    }

    @Test("Export: http(s) feeds as OPML 2.0 outlines, escaped; local files skipped")
    func export() throws {
        let config = try Config.parse("""
            [[feed]]
            name = "a"
            url = "https://example.com/rss?a=1&b=2"
            tag = "Tom & \\"Jerry\\" <news>"

            [[feed]]
            name = "local"
            url = "seed/rss.xml"

            [[feed]]
            name = "cn"
            url = "http://www.example.cn/feed.xml"
            tag = "漯河日报新闻"
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
        let (xml, skipped) = OPML.export(config, date: Date(timeIntervalSince1970: 1_709_373_600))
        #expect(skipped == ["local"])
        #expect(xml == """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head>
                <title>finews feeds</title>
                <dateCreated>Sat, 02 Mar 2024 10:00:00 GMT</dateCreated>
              </head>
              <body>
                <outline text="Tom &amp; &quot;Jerry&quot; &lt;news&gt;" title="Tom &amp; &quot;Jerry&quot; &lt;news&gt;" type="rss" xmlUrl="https://example.com/rss?a=1&amp;b=2"/>
                <outline text="漯河日报新闻" title="漯河日报新闻" type="rss" xmlUrl="http://www.example.cn/feed.xml"/>
              </body>
            </opml>

            """)
        // What finews writes, it reads back.
        let again = try OPML.outlines(in: Array(xml.utf8), source: "out.opml")
        #expect(again == [
            OPMLOutline(title: "Tom & \"Jerry\" <news>", url: "https://example.com/rss?a=1&b=2"),
            OPMLOutline(title: "漯河日报新闻", url: "http://www.example.cn/feed.xml"),
        ])
    }
}

@Suite("OPML import into feeds.conf")
struct OPMLImportTests {
    static let file = URL(fileURLWithPath: "/srv/news/feeds.conf")
    static let configText = """
        # My feeds — hand-written comments must survive.
        [site]
        output = "site"   # trailing comment

        [[feed]]
        name = "example"
        url = "https://example.com/rss.xml"
        """

    @Test("Names: transliterated, lowercased, safe; the host without a title", arguments: [
        ("Example News", "https://a.example/x", "example-news"),
        ("漯河日报新闻", "https://a.example/x", "luo-he-ri-bao-xin-wen"),
        ("Café  Noir!!", "https://a.example/x", "cafe-noir"),
        ("Привет мир", "https://a.example/x", "privet-mir"),
        ("--Already_safe-name--", "https://a.example/x", "already_safe-name"),
        ("The Very Long Title Of A Newspaper That Goes On And On Forever", "https://a.example/x",
         "the-very-long-title-of-a-newspaper-that"),
        ("!!!", "https://www.Example.ORG/feed", "example-org"),
        (nil, "https://news.example.net/rss", "news-example-net"),
        (nil, "https://[::1]/rss", "1"),
    ] as [(String?, String, String)])
    func names(title: String?, url: String, name: String) {
        #expect(OPMLImport.baseName(title: title, url: url) == name)
        #expect(name.count <= 40)
    }

    @Test("Names are made unique with -2, -3, ...")
    func unique() {
        #expect(OPMLImport.uniqueName("news", taken: []) == "news")
        #expect(OPMLImport.uniqueName("news", taken: ["news"]) == "news-2")
        #expect(OPMLImport.uniqueName("news", taken: ["news", "news-2", "news-3"]) == "news-4")
    }

    @Test("Appends [[feed]] tables after the untouched text; skips known, repeated and non-http URLs")
    func plan() throws {
        let config = try Config.parse(Self.configText, file: Self.file, displayName: "feeds.conf")
        let outlines = [
            OPMLOutline(title: "Example", url: "https://example.com/other.xml"),
            OPMLOutline(title: "Known", url: "HTTPS://EXAMPLE.com:443/rss.xml#top"),
            OPMLOutline(title: "Tom \"T\" \\ Co", url: "http://tom.example/feed"),
            OPMLOutline(title: "Again", url: "http://tom.example/feed/"),
            OPMLOutline(title: "Local", url: "file:///etc/passwd"),
        ]
        let plan = OPMLImport(outlines, into: Self.configText, config: config, source: "list.opml",
                              date: Date(timeIntervalSince1970: 1_709_373_600))
        #expect(plan.added.map(\.name) == ["example-2", "tom-t-co"])
        #expect(plan.skipped.map(\.reason) == [
            "already configured as 'example'", "listed twice in list.opml", "not an http(s) URL",
        ])
        #expect(plan.text == Self.configText + """


            # Imported from list.opml on 2024-03-02.
            [[feed]]
            name = "example-2"
            url = "https://example.com/other.xml"
            tag = "Example"

            [[feed]]
            name = "tom-t-co"
            url = "http://tom.example/feed"
            tag = "Tom \\"T\\" \\\\ Co"

            """)
        let reloaded = try Config.parse(plan.text, file: Self.file, displayName: "feeds.conf")
        #expect(reloaded.feeds.map(\.name) == ["example", "example-2", "tom-t-co"])
        #expect(reloaded.feeds.last?.tag == "Tom \"T\" \\ Co")
    }

    @Test("A title with braces becomes a tag that reads back as the title, not as a template")
    func bracesInTitles() throws {
        let config = try Config.parse(Self.configText, file: Self.file, displayName: "feeds.conf")
        let plan = OPMLImport([OPMLOutline(title: "{Tech} News}", url: "https://tech.example/rss")], into: Self.configText,
                              config: config, source: "a.opml")
        #expect(plan.text.hasSuffix("tag = \"{{Tech}} News}}\"\n"))
        let reloaded = try Config.parse(plan.text, file: Self.file, displayName: "feeds.conf")
        #expect(reloaded.feeds.last?.tagTemplate.plainText == "{Tech} News}")
        let (xml, _) = OPML.export(reloaded, date: Date(timeIntervalSince1970: 0))
        #expect(xml.contains("title=\"{Tech} News}\""))
        // A tag made per entry is no title for the feed: the name stands in.
        let aggregated = try Config.parse(Self.configText + "\ntag = \"{source}新闻\"\n", file: Self.file,
                                          displayName: "feeds.conf")
        #expect(OPML.export(aggregated, date: Date(timeIntervalSince1970: 0)).0.contains("title=\"example\""))
    }

    @Test("Nothing to add leaves the text as it is")
    func nothing() throws {
        let config = try Config.parse(Self.configText, file: Self.file, displayName: "feeds.conf")
        let plan = OPMLImport([OPMLOutline(title: "x", url: "https://example.com/rss.xml")], into: Self.configText,
                              config: config, source: "a.opml")
        #expect(plan.added.isEmpty)
        #expect(plan.text == Self.configText)
    }

    @Test("The file is replaced atomically and keeps its permissions")
    func replace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-opml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("feeds.conf")
        try Data("old\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
        try ConfigFile.replace(file, with: "new\n")
        #expect(try String(contentsOf: file, encoding: .utf8) == "new\n")
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["feeds.conf"])
    }
}
