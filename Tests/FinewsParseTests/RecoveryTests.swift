import FinewsParse
import Foundation
import Testing

private func parse(_ xml: String, options: FeedParser.Options = .init()) throws -> Feed {
    try FeedParser(options: options).parse(Array(xml.utf8))
}

private func rss(_ items: String, channel: String = "<title>T</title>") -> String {
    "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\(channel)\(items)</channel></rss>"
}

/// Broken documents that a lenient reader still reads in full: no entry, and no
/// character after the fault, may be lost.
@Suite("Recovery from broken markup")
struct RecoveryTests {
    @Test("References after an illegal character reference are still decoded", arguments: [
        "&#x1F;", "&#1;", "&#0;", "&#xFFFE;", "&#xD800;", "&#x110000;",
    ])
    func referencesAfterIllegalOne(reference: String) throws {
        let feed = try parse(rss("""
            <item><title>first \(reference) one</title><link>http://e.com/1</link></item>
            <item><title>a &amp; b &lt;c&gt;</title><link>http://e.com/?utm_source=x&amp;utm_medium=y</link>
            <description>x &amp; y &#38; z</description></item>
            """))
        #expect(feed.entries.count == 2)
        let second = try #require(feed.entries.last)
        #expect(second.link == "http://e.com/?utm_source=x&utm_medium=y")
        #expect(second.title == "a & b")
        #expect(second.summary?.value == "x & y & z")
    }

    @Test("An illegal reference to a control character is dropped alone; others read U+FFFD")
    func illegalReferenceItself() throws {
        let feed = try parse(rss("<item><title>a&#x1F;b &#xFFFF;c</title></item>"))
        #expect(feed.entries.first?.title == "ab \u{FFFD}c")
    }

    @Test("`&#X41;` (capital X) reads as a reference")
    func uppercaseHexReference() throws {
        let feed = try parse(rss("<item><title>&#X41;&#x42;</title></item>"))
        #expect(feed.entries.first?.title == "AB")
    }

    @Test("A raw `<` in a title costs no entry", arguments: [
        ("x < y", "x < y"),
        ("a <3 b", "a <3 b"),
        ("x <= y &lt; z", "x <= y < z"),
        ("转《<草根网>的前途》", "转《<草根网>的前途》"),
        ("a ‹b> c", "a ‹b> c"),
    ])
    func strayLessThan(title: String, expected: String) throws {
        var items = ""
        for index in 1...4 {
            let text = index == 2 ? title : "entry \(index)"
            items += "<item><title>\(text)</title><link>http://e.com/\(index)?a=1&amp;b=2</link></item>\n"
        }
        let feed = try parse(rss(items))
        #expect(feed.entries.count == 4)
        #expect(feed.entries.map(\.link) == (1...4).map { "http://e.com/\($0)?a=1&b=2" })
        #expect(feed.entries.dropFirst().first?.title == expected)
        #expect(feed.entries.last?.title == "entry 4")
    }

    @Test("An element left open inside a title does not swallow the entries after it")
    func unclosedInlineElement() throws {
        let feed = try parse(rss("""
            <item><title>one <b>bold</title><link>http://e.com/1</link></item>
            <item><title>two</title><link>http://e.com/2</link></item>
            <item><title>three</title><link>http://e.com/3</link></item>
            """))
        #expect(feed.entries.map(\.link) == ["http://e.com/1", "http://e.com/2", "http://e.com/3"])
        #expect(feed.entries.map(\.title) == ["one bold", "two", "three"])
    }

    @Test("A stray end tag closes nothing")
    func strayEndTag() throws {
        let feed = try parse(rss("""
            <item><title>one</b> more</title><link>http://e.com/1</link></item>
            <item><title>two</title><link>http://e.com/2</link></item>
            """))
        #expect(feed.entries.map(\.link) == ["http://e.com/1", "http://e.com/2"])
        #expect(feed.entries.first?.title == "one more")
    }

    @Test("Elements that publishers leave open do not swallow the fields after them", arguments: [
        "<enclosure url=\"http://e.com/a.mp3\" length=\"1\" type=\"audio/mpeg\">",
        "<itunes:image href=\"http://e.com/a.jpg\">",
        "<media:thumbnail url=\"http://e.com/a.jpg\">",
        "<enclosure url=\"http://e.com/a.mp3\"></enclosure>",
    ])
    func elementsLeftOpen(element: String) throws {
        let feed = try parse("""
            <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
                 xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
            <item><title>one</title>\(element)<link>http://e.com/1</link><guid>g1</guid></item>
            <item><title>two</title><link>http://e.com/2</link></item>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.link) == ["http://e.com/1", "http://e.com/2"])
        #expect(feed.entries.first?.id == "g1")
    }

    @Test("An Atom link left open does not swallow the entry's other fields")
    func atomLinkLeftOpen() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><link rel="alternate" href="http://e.com/1"><title>one</title><id>urn:1</id></entry>
            <entry><title>two</title></entry></feed>
            """)
        #expect(feed.entries.map(\.title) == ["one", "two"])
        #expect(feed.entries.first?.id == "urn:1")
        #expect(feed.entries.first?.link == "http://e.com/1")
    }

    @Test("A `]]>` outside CDATA is text")
    func misplacedCDATAEnd() throws {
        let feed = try parse(rss("<item><title>a ]]> b</title></item><item><title>two</title></item>"))
        #expect(feed.entries.map(\.title) == ["a ]]> b", "two"])
    }

    @Test("Items after the root's end are read, as are two feeds written one after the other", arguments: [
        "</channel></rss><rss version=\"2.0\"><channel><title>U</title>",
        "</channel></rss>\njunk\n",
        "</channel></rss><?xml version=\"1.0\"?><rss><channel>",
    ])
    func afterTheRoot(separator: String) throws {
        let feed = try parse(rss("""
            <item><title>one</title><link>http://e.com/1</link></item>\(separator)
            <item><title>two</title><link>http://e.com/2</link></item>
            """))
        #expect(feed.entries.map(\.link) == ["http://e.com/1", "http://e.com/2"])
        #expect(feed.title == "T")
    }

    @Test("An item nested in an item is an entry of its own, and so are the items after it")
    func nestedItems() throws {
        var items = ""
        for index in 1...3 {
            items += "<item><title>story \(index)</title><link>http://e.com/\(index)</link><item /></item>\n"
        }
        let feed = try parse(rss(items))
        #expect(feed.entries.count == 6)
        #expect(feed.entries.compactMap(\.title) == ["story 1", "story 2", "story 3"])
        #expect(feed.entries.compactMap(\.link) == ["http://e.com/1", "http://e.com/2", "http://e.com/3"])
    }

    @Test("An Atom entry nested in an entry is an entry of its own")
    func nestedAtomEntries() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><title>one</title><entry><title>inner</title></entry></entry>
            <entry><title>two</title></entry></feed>
            """)
        #expect(feed.entries.map(\.title) == ["one", "inner", "two"])
    }

    @Test("An RSS item written into an Atom feed is an entry, in order with the others; an item deeper down is not")
    func itemInAtomFeed() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><title>one</title><id>urn:1</id></entry>
            <item><title>two</title><id>urn:2</id><link href="http://e.com/2"/></item>
            <entry><title>three</title><content type="html">&lt;item&gt;x&lt;/item&gt;</content>
            <source><item><title>not an entry</title></item></source></entry></feed>
            """)
        #expect(feed.entries.map(\.title) == ["one", "two", "three"])
        #expect(feed.entries.dropFirst().first?.id == "urn:2")
        #expect(feed.entries.dropFirst().first?.link == "http://e.com/2")
    }
}
