import FinewsParse
import Foundation
import Testing

@Suite("Encodings and text")
struct EncodingTests {
    private func rss(title: String, declaration: String) -> String {
        "\(declaration)<rss version=\"2.0\"><channel><item><title>\(title)</title></item></channel></rss>"
    }

    @Test("A gb2312 declaration is read as GB18030 (a superset)")
    func gb2312AsGB18030() throws {
        // "漯河" in GB18030; 漯 is outside GB2312, as often happens in real "gb2312" feeds.
        var bytes = Array("<?xml version=\"1.0\" encoding=\"gb2312\"?><rss><channel><item><title>".utf8)
        bytes += [0xE4, 0xF0, 0xBA, 0xD3]
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser().parse(bytes)
        #expect(feed.entries.first?.title == "漯河")
        #expect(feed.encoding == "gb18030")
    }

    @Test("The HTTP charset is used when the document declares none")
    func httpCharset() throws {
        var bytes = Array("<rss><channel><item><title>caf".utf8)
        bytes.append(0xE9)
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser(options: .init(httpCharset: "iso-8859-1")).parse(bytes)
        #expect(feed.entries.first?.title == "café")
    }

    @Test("A UTF-8 BOM and junk before the declaration are tolerated")
    func bomAndJunk() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\n  <?xml version=\"1.0\"?><rss><channel><item><title>ok</title></item></channel></rss>".utf8)
        #expect(try FeedParser().parse(bytes).entries.first?.title == "ok")
    }

    @Test("HTML text helpers")
    func htmlText() {
        #expect(HTMLText.plainText(fromHTML: "<p>a &amp; b</p>\n<p>c&nbsp;d &#x4E2D;</p>") == "a & b c d 中")
        #expect(HTMLText.stripTags("1 < 2 and <b>bold</b>") == "1 < 2 and  bold ")
        #expect(HTMLText.decodeEntities("&unknown; &lt;") == "&unknown; <")
        #expect(HTMLText.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }
}
