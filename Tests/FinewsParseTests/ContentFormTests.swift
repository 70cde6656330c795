import FinewsParse
import Foundation
import Testing

private func parse(_ xml: String, options: FeedParser.Options = .init()) throws -> Feed {
    try FeedParser(options: options).parse(Array(xml.utf8))
}

private let atom = "xmlns=\"http://www.w3.org/2005/Atom\""
/// "Example <b>Atom</b>" in base64, with a line break as Atom documents wrap it.
private let exampleBase64 = "RXhhbXBsZSA8Yj5B\n    dG9tPC9iPg=="

@Suite("Content forms")
struct ContentFormTests {
    @Test("Atom 0.3 mode=\"base64\" titles, summaries and contents are decoded")
    func atom03Base64() throws {
        let feed = try parse("""
            <feed version="0.3" xmlns="http://purl.org/atom/ns#">
            <title mode="base64">\(exampleBase64)</title>
            <entry><title mode="base64" type="text/html">\(exampleBase64)</title>
            <summary mode="base64">\(exampleBase64)</summary>
            <content mode="base64" type="text/html">\(exampleBase64)</content></entry></feed>
            """)
        #expect(feed.title == "Example <b>Atom</b>")
        let entry = try #require(feed.entries.first)
        #expect(entry.title == "Example Atom")
        #expect(entry.summary == FeedText("Example <b>Atom</b>", kind: .text))
        #expect(entry.content == FeedText("Example <b>Atom</b>", kind: .html))
    }

    @Test("Atom 1.0 content of a type that is neither text nor XML is base64, read as text")
    func atom10BinaryType() throws {
        let feed = try parse("""
            <feed \(atom)><entry><content type="application/octet-stream">\(exampleBase64)</content>
            <summary type="text/plain">not base64</summary></entry></feed>
            """)
        let entry = try #require(feed.entries.first)
        #expect(entry.content == FeedText("Example <b>Atom</b>", kind: .text))
        #expect(entry.summary == FeedText("not base64", kind: .text))
    }

    @Test("Text that is not base64 is kept as written")
    func invalidBase64() throws {
        let feed = try parse("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry>"
            + "<title mode=\"base64\">not base64!</title></entry></feed>")
        #expect(feed.entries.first?.title == "not base64!")
    }

    @Test("RSS bodies: <xhtml:body>, <body>, <fullitem>, <content:items>", arguments: [
        "<xhtml:body xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><p>Example <b>content</b></p></xhtml:body>",
        "<body><p>Example <b>content</b></p></body>",
        "<fullitem>&lt;p&gt;Example &lt;b&gt;content&lt;/b&gt;&lt;/p&gt;</fullitem>",
        """
        <content:items xmlns:content="http://purl.org/rss/1.0/modules/content/"
            xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Bag><rdf:li><content:item>
        <content:format rdf:resource="http://www.w3.org/1999/xhtml"/>
        <rdf:value>&lt;p&gt;Example &lt;b&gt;content&lt;/b&gt;&lt;/p&gt;</rdf:value>
        </content:item></rdf:li></rdf:Bag></content:items>
        """,
    ])
    func rssBodies(body: String) throws {
        let feed = try parse("<rss version=\"2.0\"><channel><item><title>t</title>\(body)</item></channel></rss>")
        let entry = try #require(feed.entries.first)
        #expect(entry.content == FeedText("<p>Example <b>content</b></p>", kind: .html))
    }
}

@Suite("Fallback fields")
struct FallbackFieldTests {
    private let namespaces = """
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" \
        xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
        """

    @Test("dc:title, media:title and dc:author stand in for missing core elements")
    func fallbacks() throws {
        let feed = try parse("""
            <rss version="2.0" \(namespaces)><channel><dc:title>Channel</dc:title>
            <item><dc:title>From DC</dc:title><dc:author>Editor (me@example.com)</dc:author></item>
            <item><media:title>From media</media:title></item>
            <item><media:group><media:title>In a group</media:title></media:group></item>
            </channel></rss>
            """)
        #expect(feed.title == "Channel")
        #expect(feed.entries.map(\.title) == ["From DC", "From media", "In a group"])
        #expect(feed.entries.first?.author == "Editor (me@example.com)")
    }

    @Test("The core element wins over a fallback, in either order")
    func coreWins() throws {
        let feed = try parse("""
            <rss version="2.0" \(namespaces)><channel><dc:title>DC channel</dc:title><title>Channel</title>
            <item><dc:title>DC</dc:title><title>Core</title><dc:creator>Creator</dc:creator><dc:author>DC author</dc:author></item>
            <item><title>Core 2</title><media:title>Media</media:title></item>
            </channel></rss>
            """)
        #expect(feed.title == "Channel")
        #expect(feed.entries.map(\.title) == ["Core", "Core 2"])
        #expect(feed.entries.first?.author == "Creator")
    }

    @Test("Atom's names written into an RSS item stand in for the missing RSS ones; a guid wins over an id")
    func atomNamesInRSS() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><title>C</title>
            <item><title>one</title><id>urn:uuid:1</id><updated>2012-03-26T23:25:19Z</updated>
            <summary>First episode</summary></item>
            <item><title>two</title><id>urn:uuid:2</id><guid isPermaLink="false">guid-2</guid>
            <pubDate>Tue, 27 Mar 2012 08:00:00 GMT</pubDate><description>Described</description></item>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.id) == ["urn:uuid:1", "guid-2"])
        #expect(feed.entries.first?.updated == Date(timeIntervalSince1970: 1_332_804_319))
        #expect(feed.entries.first?.summary?.value == "First episode")
        #expect(feed.entries.last?.published == Date(timeIntervalSince1970: 1_332_835_200))
        #expect(feed.entries.last?.summary?.value == "Described")
    }

    @Test("Nested itunes:category elements each give a category")
    func itunesCategories() throws {
        let feed = try parse("""
            <rss version="2.0" \(namespaces)><channel><item><title>t</title>
            <itunes:category text="Technology"><itunes:category text="Gadgets"/></itunes:category>
            </item></channel></rss>
            """)
        #expect(feed.entries.first?.categories == ["Technology", "Gadgets"])
    }

    @Test("Core element names are matched without regard to case")
    func caseInsensitiveNames() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><TiTlE>Example title</TiTlE><Link>http://e.com/</Link>
            <Item><Title>one</Title><LINK>http://e.com/1</LINK><PubDate>Wed, 02 Mar 2022 00:08:45 GMT</PubDate></Item>
            </channel></rss>
            """)
        #expect(feed.title == "Example title")
        #expect(feed.link == "http://e.com/")
        #expect(feed.entries.map(\.title) == ["one"])
        #expect(feed.entries.first?.link == "http://e.com/1")
        #expect(feed.entries.first?.published == Date(timeIntervalSince1970: 1_646_179_725))
    }

    @Test("An RSS <link href=\"…\"/> written the Atom way is the link")
    func rssLinkHref() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><title>T</title><link href="http://podlove.org/"/>
            <item><title>one</title><link href="http://podlove.org/podcast/1"/></item></channel></rss>
            """)
        #expect(feed.link == "http://podlove.org/")
        #expect(feed.entries.first?.link == "http://podlove.org/podcast/1")
    }

    @Test("Atom with a made-up default namespace is still read")
    func madeUpAtomNamespace() throws {
        let feed = try parse("""
            <feed version="0.3" xmlns="http://example.com/newformat#"><title>Example Atom</title>
            <entry><title>one</title></entry></feed>
            """)
        #expect(feed.title == "Example Atom")
        #expect(feed.entries.map(\.title) == ["one"])
    }

    @Test("An Atom link written with text, not href, is the link when there is no other")
    func atomLinkText() throws {
        let feed = try parse("<feed \(atom)><entry><link>http://www.example.com/</link></entry>"
            + "<entry><link rel=\"alternate\" type=\"text/html\">http://www.example.com/2</link></entry></feed>")
        #expect(feed.entries.map(\.link) == ["http://www.example.com/", "http://www.example.com/2"])
    }
}

@Suite("Channel Definition Format")
struct CDFTests {
    @Test("A CDF channel's title, href, abstract and items are read")
    func cdf() throws {
        let feed = try parse("""
            <?xml version="1.0"?>
            <CHANNEL BASE="http://base.example.org/" HREF="http://www.example.org/">
              <TITLE>Channel title</TITLE><ABSTRACT>Channel abstract</ABSTRACT>
              <ITEM HREF="/item/1" LASTMOD="2004-04-06T23:05:43-05:00">
                <TITLE>Item title</TITLE><ABSTRACT>Item abstract</ABSTRACT>
              </ITEM>
            </CHANNEL>
            """)
        #expect(feed.format == .cdf)
        #expect(feed.title == "Channel title")
        #expect(feed.link == "http://www.example.org/")
        let entry = try #require(feed.entries.first)
        #expect(feed.entries.count == 1)
        #expect(entry.title == "Item title")
        #expect(entry.link == "http://base.example.org/item/1")
        #expect(entry.summary == FeedText("Item abstract", kind: .text))
        #expect(entry.updated == Date(timeIntervalSince1970: 1_081_310_743))
    }
}

@Suite("Relative URLs and the document's URL")
struct DocumentURLTests {
    private let document = """
        <rss version="2.0"><channel><title>T</title><link>/</link>
        <item><title>a</title><link>/news/1.html</link><guid>/news/1.html</guid></item>
        <item><title>b</title><link>2.html</link><guid isPermaLink="false">12345</guid></item>
        <item xml:base="http://other.example/base/"><title>c</title><link>3.html</link><guid>./3</guid></item>
        </channel></rss>
        """

    @Test("Relative links and path-like ids resolve against the document's URL, xml:base first")
    func resolvesAgainstDocumentURL() throws {
        let url = try #require(URL(string: "https://www.example.com/feeds/rss.xml"))
        let feed = try parse(document, options: .init(documentURL: url))
        #expect(feed.link == "https://www.example.com/")
        #expect(feed.entries.map(\.link) == [
            "https://www.example.com/news/1.html", "https://www.example.com/feeds/2.html",
            "http://other.example/base/3.html",
        ])
        #expect(feed.entries.map(\.id) == ["https://www.example.com/news/1.html", "12345", "http://other.example/base/3"])
    }

    @Test("Without a document URL, links without xml:base stay as written")
    func withoutDocumentURL() throws {
        let feed = try parse(document)
        #expect(feed.entries.map(\.link) == ["/news/1.html", "2.html", "http://other.example/base/3.html"])
        #expect(feed.entries.first?.id == "/news/1.html")
    }

    @Test("The options' earlier labels still work")
    func optionLabels() {
        let options = FeedParser.Options(httpCharset: "utf-8", defaultTimeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current)
        #expect(options.documentURL == nil)
        #expect(options.httpCharset == "utf-8")
    }
}

@Suite("Titles as text")
struct TitleTextTests {
    @Test("Inline markup joins what it wraps; block boundaries are spaces", arguments: [
        ("1930ft&lt;sup&gt;2&lt;/sup&gt; flat", "1930ft2 flat"),
        ("&lt;i&gt;ONPC&lt;/i&gt;: the show", "ONPC: the show"),
        ("a&lt;br&gt;b", "a b"),
        ("&lt;p&gt;one&lt;/p&gt;&lt;p&gt;two&lt;/p&gt;", "one two"),
        ("sa&lt;!-- note --&gt;fe", "safe"),
    ])
    func inlineMarkup(title: String, expected: String) throws {
        let feed = try parse("<rss version=\"2.0\"><channel><item><title>\(title)</title></item></channel></rss>")
        #expect(feed.entries.first?.title == expected)
    }

    @Test("A script in a title is not text, escaped or raw", arguments: [
        "safe&lt;script&gt;location.href='x';&lt;/script&gt; description",
        "safe<script>location.href='x';</script> description",
        "safe<![CDATA[<script>location.href='x';</script>]]> description",
        "safe&lt;style&gt;p { color: red }&lt;/style&gt; description",
    ])
    func scriptInTitle(title: String) throws {
        let feed = try parse("<rss version=\"2.0\"><channel><item><title>\(title)</title></item></channel></rss>")
        #expect(feed.entries.first?.title == "safe description")
    }

    @Test("A comment that never closes takes the rest of the title with it")
    func unclosedComment() {
        #expect(HTMLText.plainText(fromHTML: "safe<!-- and the rest") == "safe")
        #expect(HTMLText.plainText(fromHTML: "safe<script>never closed") == "safe")
    }
}
