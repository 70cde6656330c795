@testable import FinewsParse
import Foundation
import Testing

private func parse(_ xml: String, options: FeedParser.Options = .init()) throws -> Feed {
    try FeedParser(options: options).parse(Array(xml.utf8))
}

@Suite("Broken and hostile input")
struct RobustnessTests {
    @Test("HTML named entities resolve; unknown ones read as nothing", arguments: [
        ("A&nbsp;B", "A B"),
        ("x&mdash;y", "x—y"),
        ("wait&hellip;", "wait…"),
        ("&ldquo;q&rdquo;", "“q”"),
        ("a &notanentity; b", "a b"),
        ("&#20013;&#x6587;", "中文"),
        ("&mapstodown;", "\u{21A7}"),
    ])
    func entities(text: String, expected: String) throws {
        let feed = try parse("<rss><channel><item><title>\(text)</title></item></channel></rss>")
        #expect(feed.entries.first?.title == expected)
    }

    @Test("An external entity never reaches the output; a billion laughs stays small and fast")
    func entityAttacks() throws {
        let xxe = try parse("""
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <rss><channel><title>&xxe;</title><item><title>a &xxe; b</title></item></channel></rss>
            """)
        #expect(!(xxe.title ?? "").contains("root"))
        #expect(xxe.entries.first?.title == "a b")

        var laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n"
        var previous = "lol"
        for level in 1...9 {
            laughs += "<!ENTITY lol\(level) \"\(String(repeating: "&\(previous);", count: 10))\">\n"
            previous = "lol\(level)"
        }
        laughs += "]>\n<rss><channel><item><title>a &lol9; b</title></item></channel></rss>"
        let clock = ContinuousClock()
        let start = clock.now
        let feed = try parse(laughs)
        #expect(clock.now - start < .seconds(1))
        #expect(feed.entries.first?.title == "a b")
    }

    @Test("Bare ampersands keep the text after them")
    func bareAmpersand() throws {
        let feed = try parse("""
            <rss><channel><item><title>Tom & Jerry</title><link>http://x/?a=1&b=2&c</link></item></channel></rss>
            """)
        #expect(feed.entries.first?.title == "Tom & Jerry")
        #expect(feed.entries.first?.link == "http://x/?a=1&b=2&c")
    }

    @Test("Control characters cost nothing around them and come back in the result")
    func controlCharacters() throws {
        let feed = try parse("<rss><channel><item><title>a\u{08}b</title>"
            + "<description><![CDATA[<p>x\u{0B}y &amp; z</p>]]></description></item></channel></rss>")
        let entry = try #require(feed.entries.first)
        #expect(entry.title == "a\u{08}b")
        #expect(entry.summary?.value == "<p>x\u{0B}y &amp; z</p>")
    }

    @Test("A truncated document keeps its complete entries and marks the cut one")
    func truncatedMarksIncomplete() throws {
        let feed = try parse("""
            <rss><channel><item><title>one</title><link>http://a/1</link></item>
            <item><title>two</title><link>http://a/2
            """)
        #expect(feed.entries.map(\.isComplete) == [true, false])
        #expect(feed.entries.first?.title == "one")
    }

    @Test("Junk, an HTML page and no root element are refused early", arguments: [
        "<!DOCTYPE html><html><head><title>Hi</title></head><body></body></html>",
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><body/></opml>",
        "just text, no markup at all",
    ])
    func notFeeds(document: String) {
        #expect { try parse(document) } throws: { ($0 as? FeedParseError)?.code == .notAFeed }
    }

    @Test("A large document of junk is refused from its first bytes")
    func largeJunk() throws {
        var junk = [UInt8](repeating: UInt8(ascii: "x"), count: 8 << 20)
        junk.replaceSubrange(0..<5, with: Array("<zzz>".utf8))
        let clock = ContinuousClock()
        let start = clock.now
        #expect { try FeedParser().parse(junk) } throws: { ($0 as? FeedParseError)?.code == .notAFeed }
        #expect(clock.now - start < .milliseconds(200))
    }

    @Test("Whitespace, a BOM and junk before the declaration are tolerated")
    func leadingJunk() throws {
        let feed = try parse("\n\n  junk<?xml version=\"1.0\"?><rss><channel><item><title>ok</title></item></channel></rss>")
        #expect(feed.entries.first?.title == "ok")
    }
}

@Suite("Formats and namespaces")
struct FormatTests {
    @Test("JSON Feed 1.1")
    func jsonFeed() throws {
        let feed = try parse("""
            {"version":"https://jsonfeed.org/version/1.1","title":"JF","home_page_url":"https://e.org/",
             "items":[{"id":"1","url":"https://e.org/1","title":"Hello","content_html":"<p>Hi</p>",
                       "date_published":"2022-03-02T08:08:45+08:00","tags":["a","b"],"authors":[{"name":"Me"}]}]}
            """)
        #expect(feed.format == .json)
        let entry = try #require(feed.entries.first)
        #expect(entry.id == "1")
        #expect(entry.link == "https://e.org/1")
        #expect(entry.content == FeedText("<p>Hi</p>", kind: .html))
        #expect(entry.published == referenceInstant)
        #expect(entry.categories == ["a", "b"])
        #expect(entry.author == "Me")
    }

    @Test("JSON that is not a JSON Feed is not a feed")
    func otherJSON() {
        #expect { try parse("{\"hello\": 1}") } throws: { ($0 as? FeedParseError)?.code == .notAFeed }
    }

    @Test("RSS 0.91, Atom 0.3 and RSS 0.90 are read", arguments: [
        ("<rss version=\"0.91\"><channel><title>T</title><item><title>one</title></item></channel></rss>", FeedFormat.rss),
        ("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>T</title><entry><title>one</title>"
            + "<issued>2022-03-02T00:08:45Z</issued></entry></feed>", .atom03),
        ("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">"
            + "<channel><title>T</title></channel><item><title>one</title></item></rdf:RDF>", .rdf),
    ])
    func olderFormats(document: String, format: FeedFormat) throws {
        let feed = try parse(document)
        #expect(feed.format == format)
        #expect(feed.title == "T")
        #expect(feed.entries.map(\.title) == ["one"])
    }

    @Test("Media RSS and iTunes keywords are categories; atom:updated in RSS is read")
    func extensions() throws {
        let feed = try parse("""
            <rss xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"
                 xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <item><title>x</title><media:keywords>one, two</media:keywords><itunes:keywords>three</itunes:keywords>
            <media:content url="http://x/v.mp4" type="video/mp4"/><media:thumbnail url="http://x/t.jpg"/>
            <atom:updated>2022-03-02T00:08:45Z</atom:updated><itunes:author>Desk</itunes:author></item></channel></rss>
            """)
        let entry = try #require(feed.entries.first)
        #expect(entry.categories == ["one", "two", "three"])
        #expect(entry.updated == referenceInstant)
        #expect(entry.author == "Desk")
        #expect(entry.media.map(\.url) == ["http://x/v.mp4", "http://x/t.jpg"])
    }

    @Test("Summary-like elements: the first is the summary, a second before content is the first content")
    func summaries() throws {
        let feed = try parse("""
            <rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
            <item><title>a</title><description>short</description><itunes:summary>longer</itunes:summary></item>
            <item><title>b</title><description><![CDATA[]]></description><content:encoded
              xmlns:content="http://purl.org/rss/1.0/modules/content/">body</content:encoded></item>
            </channel></rss>
            """)
        #expect(feed.entries[0].summary?.value == "short")
        #expect(feed.entries[0].secondarySummary?.value == "longer")
        #expect(feed.entries[0].content == nil)
        #expect(feed.entries[1].summary?.value == "")
        #expect(feed.entries[1].content?.value == "body")
    }

    /// Media RSS: a `media:description` in a `media:group` describes the group's
    /// media objects, so it counts as the item's summary only when nothing at the
    /// item's own level gave one; a later summary-like child of the item still wins.
    @Test("A media:group caption never replaces the item's own summary", arguments: [
        ("<description>story</description><content:encoded>body</content:encoded>"
            + "<media:group><media:description>caption</media:description></media:group>", "story", nil),
        ("<description>story</description><itunes:summary>longer</itunes:summary>"
            + "<media:group><media:description>caption</media:description></media:group>", "story", "longer"),
        ("<media:group><media:description>caption</media:description></media:group>", "caption", nil),
        ("<media:group><media:description>caption</media:description></media:group>"
            + "<content:encoded>body</content:encoded><description>story</description>", "story", nil),
        ("<description>story</description><content:encoded>body</content:encoded>"
            + "<itunes:summary>later</itunes:summary>", "later", nil),
    ] as [(String, String, String?)])
    func mediaGroupCaption(elements: String, summary: String, secondary: String?) throws {
        let feed = try parse("""
            <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
              xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
            <channel><title>t</title><item><title>a</title>\(elements)</item></channel></rss>
            """)
        let entry = try #require(feed.entries.first)
        #expect(entry.summary?.value == summary)
        #expect(entry.secondarySummary?.value == secondary)
    }

    @Test("Without a link, an Atom id or an RSS permalink guid stands in")
    func linkFallbacks() throws {
        let atom = try parse("<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:f</id><entry><id>http://x/1</id></entry></feed>")
        #expect(atom.entries.first?.link == "http://x/1")
        #expect(atom.link == "urn:f")
        let rss = try parse("<rss><channel><item><guid>http://x/2</guid></item>"
            + "<item><guid isPermaLink=\"false\">id-3</guid></item></channel></rss>")
        #expect(rss.entries.map(\.link) == ["http://x/2", nil])
    }

    @Test("Schedule hints: ttl and the syndication module")
    func hints() throws {
        let ttl = try parse("<rss><channel><ttl>30</ttl></channel></rss>")
        #expect(ttl.refreshHintSeconds == 1800)
        let sy = try parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
              xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>
            <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel></rdf:RDF>
            """)
        #expect(sy.updatePeriod == .hourly)
        #expect(sy.refreshHintSeconds == 1800)
    }

    @Test("Atom html content with raw markup keeps the markup")
    func rawMarkupInHTMLContent() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
            <content type="html">Read <a href="http://x/">this</a>.</content></entry></feed>
            """)
        #expect(feed.entries.first?.content?.value == "Read <a href=\"http://x/\">this</a>.")
    }
}

@Suite("Encodings, more")
struct MoreEncodingTests {
    private func feed(_ bytes: [UInt8], encoding: String) throws -> Feed {
        var document = Array("<?xml version=\"1.0\" encoding=\"\(encoding)\"?><rss><channel><item><title>".utf8)
        document += bytes
        document += Array("</title></item></channel></rss>".utf8)
        return try FeedParser().parse(document)
    }

    @Test("Shift_JIS reads the JIS wave dash and minus sign, not CP932's fullwidth forms")
    func shiftJIS() throws {
        // 0x8160 wave dash, 0x817C minus sign, then ASCII backslash and tilde.
        let title = try feed([0x81, 0x60, 0x81, 0x7C, 0x5C, 0x7E], encoding: "Shift_JIS").entries.first?.title
        #expect(title == "\u{301C}\u{2212}\\~")
    }

    @Test("Big5, EUC-KR and KOI8-R decode", arguments: [
        ([0xA4, 0xA4, 0xA4, 0xE5] as [UInt8], "big5", "中文"),
        ([0xC7, 0xD1, 0xB1, 0xB9], "euc-kr", "한국"),
        ([0xD2, 0xD5, 0xD3, 0xD3], "koi8-r", "русс"),
    ])
    func legacy(bytes: [UInt8], encoding: String, expected: String) throws {
        #expect(try feed(bytes, encoding: encoding).entries.first?.title == expected)
    }

    @Test("Latin-1: windows-1252 punctuation in the C1 range, and double-encoded UTF-8 repaired")
    func latin1() throws {
        #expect(try feed([0x93, 0x71, 0x94], encoding: "iso-8859-1").entries.first?.title == "“q”")
        // "café" encoded as UTF-8, read as Latin-1, encoded as UTF-8 again.
        let doubled = Array("cafÃ©".utf8)
        #expect(try feed(doubled, encoding: "utf-8").entries.first?.title == "café")
    }

    @Test("Bytes that are not UTF-8 in a document that claims UTF-8 become U+FFFD, nothing else is lost")
    func invalidUTF8() throws {
        #expect(try feed([0x61, 0xFF, 0x62], encoding: "utf-8").entries.first?.title == "a\u{FFFD}b")
    }

    @Test("UTF-16 with a byte-order mark")
    func utf16() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><item><title>中文</title></item></channel></rss>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try FeedParser().parse(bytes).entries.first?.title == "中文")
    }
}

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test("Every saved fuzzing input parses without crashing")
    func replay() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures/fuzz", withExtension: nil))
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        for file in files where file.lastPathComponent != "README.md" {
            _ = try? FeedParser().parse(Array(try Data(contentsOf: file)))
        }
    }
}
