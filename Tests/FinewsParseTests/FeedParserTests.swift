import FinewsParse
import Foundation
import Testing

/// Reads a fixture shipped with this test target.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/seed/\(name)", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

let referenceTitle = "经济技术开发区深化体制机制改革促发展"
let referenceLink = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924"
/// 2022-03-02 08:08:45 +0800.
let referenceInstant = Date(timeIntervalSince1970: 1_646_179_725)

@Suite("Feed parser: the seed story in every format")
struct SeedFeedTests {
    @Test("RSS 2.0, Atom 1.0 and GB18030 RSS yield the same story", arguments: [
        ("rss.xml", FeedFormat.rss, "utf-8"),
        ("atom.xml", FeedFormat.atom, "utf-8"),
        ("rss-gb18030.xml", FeedFormat.rss, "gb18030"),
    ])
    func seedStory(file: String, format: FeedFormat, encoding: String) throws {
        let feed = try FeedParser().parse(try fixture(file))
        #expect(feed.format == format)
        #expect(feed.encoding == encoding)
        #expect(feed.title == "漯河日报")
        #expect(feed.link == "http://finews.zning.xyz/")
        let entry = try #require(feed.entries.first)
        #expect(feed.entries.count == 1)
        #expect(entry.title == referenceTitle)
        #expect(entry.link == referenceLink)
        #expect(entry.published == referenceInstant)
        let body = try #require(entry.content ?? entry.summary)
        #expect(body.kind == .html)
        #expect(body.value.hasPrefix("<p>近年来，经济技术开发区"))
        #expect(body.value.hasSuffix("<p class=\"em_media\">（文章来源：漯河日报）</p>"))
    }

    @Test("The GB18030 body decodes to exactly the UTF-8 body")
    func gb18030MatchesUTF8() throws {
        let utf8 = try FeedParser().parse(try fixture("rss.xml"))
        let gb = try FeedParser().parse(try fixture("rss-gb18030.xml"))
        #expect(utf8.entries == gb.entries)
    }
}

@Suite("Feed parser: structure and recovery")
struct FeedStructureTests {
    private func parse(_ xml: String, options: FeedParser.Options = .init()) throws -> Feed {
        try FeedParser(options: options).parse(Array(xml.utf8))
    }

    @Test("An HTML page is not a feed")
    func htmlIsNotAFeed() {
        #expect {
            try parse("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>")
        } throws: { error in
            (error as? FeedParseError)?.code == .notAFeed
        }
    }

    @Test("Empty input is an error of its own")
    func emptyInput() {
        #expect { try parse("  \n") } throws: { ($0 as? FeedParseError)?.code == .empty }
    }

    @Test("A truncated document keeps the complete entries")
    func truncated() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><title>T</title>
            <item><title>one</title><link>http://a/1</link></item>
            <item><title>two</title><link>http://a/2</link></item>
            <item><title>thr
            """)
        #expect(feed.entries.prefix(2).map(\.title) == ["one", "two"])
    }

    @Test("Atom xhtml content loses its wrapping div; type=html titles become text")
    func atomTextConstructs() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
            <entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title><id>urn:x:1</id>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; <em>there</em></p></div></content>
            </entry></feed>
            """)
        let entry = try #require(feed.entries.first)
        #expect(entry.title == "Bold & more")
        #expect(entry.content?.value == "<p>Hi &amp; <em>there</em></p>")
        #expect(entry.content?.kind == .html)
    }

    @Test("RSS namespaces: content:encoded, Dublin Core, categories, entity-bearing attributes")
    func rssNamespaces() throws {
        let feed = try parse("""
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><ttl>30</ttl>
            <item><title>A</title><description>short</description>
            <content:encoded><![CDATA[<p>long</p>]]></content:encoded>
            <dc:creator>Wang</dc:creator><dc:date>2022-03-02T08:08:45+08:00</dc:date>
            <category>one</category><dc:subject>two</dc:subject></item></channel></rss>
            """)
        #expect(feed.ttlMinutes == 30)
        let entry = try #require(feed.entries.first)
        #expect(entry.summary?.value == "short")
        #expect(entry.content?.value == "<p>long</p>")
        #expect(entry.author == "Wang")
        #expect(entry.updated == referenceInstant)
        #expect(entry.categories == ["one", "two"])
    }

    @Test("xml:base resolves relative links; attribute references are decoded")
    func xmlBase() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/news/">
            <entry><id>1</id><link href="a?x=1&amp;y=2"/></entry></feed>
            """)
        #expect(feed.entries.first?.link == "http://example.com/news/a?x=1&y=2")
    }

    @Test("RSS 1.0 (RDF) items take rdf:about as id")
    func rdf() throws {
        let feed = try parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="http://e.com/"><title>R</title><link>http://e.com/</link></channel>
            <item rdf:about="http://e.com/1"><title>one</title><link>http://e.com/1</link></item></rdf:RDF>
            """)
        #expect(feed.format == .rdf)
        #expect(feed.title == "R")
        #expect(feed.entries.map(\.id) == ["http://e.com/1"])
    }

    @Test("CST is UTC+8 in a Chinese feed and UTC-6 elsewhere")
    func chinaStandardTime() throws {
        func published(language: String) throws -> Date? {
            try parse("""
                <rss version="2.0"><channel><language>\(language)</language>
                <item><title>x</title><pubDate>Wed, 02 Mar 2022 08:08:45 CST</pubDate></item></channel></rss>
                """).entries.first?.published
        }
        #expect(try published(language: "zh-cn") == referenceInstant)
        #expect(try published(language: "en-us") == referenceInstant.addingTimeInterval(14 * 3600))
    }
}
