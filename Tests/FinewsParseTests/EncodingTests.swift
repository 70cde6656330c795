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
        #expect(HTMLText.stripTags("1 < 2 and <b>bold</b>") == "1 < 2 and bold")
        #expect(HTMLText.decodeEntities("&unknown; &lt;") == "&unknown; <")
        #expect(HTMLText.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }
}

@Suite("UTF-16, UTF-32 and Big5")
struct WideEncodingTests {
    private static let document = """
        <?xml version="1.0" encoding="ENCODING"?><rss version="2.0"><channel><title>寬字元</title>
        <item><title>café 中文 😀</title><link>http://e.com/1</link></item></channel></rss>
        """

    private static func encoded(_ text: String, unit: Int, bigEndian: Bool, bom: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        func append(_ value: UInt32) {
            var units: [UInt8] = (0..<unit).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
            if bigEndian { units.reverse() }
            bytes += units
        }
        if bom { append(0xFEFF) }
        if unit == 4 {
            for scalar in text.unicodeScalars { append(scalar.value) }
        } else {
            for codeUnit in text.utf16 { append(UInt32(codeUnit)) }
        }
        return bytes
    }

    @Test("UTF-16 and UTF-32, either byte order, with and without a BOM", arguments: [
        (2, false, true), (2, true, true), (2, false, false), (2, true, false),
        (4, false, true), (4, true, true), (4, false, false), (4, true, false),
    ])
    func wideForms(unit: Int, bigEndian: Bool, bom: Bool) throws {
        let label = "utf-\(unit * 8)"
        let text = Self.document.replacingOccurrences(of: "ENCODING", with: label)
        let feed = try FeedParser().parse(Self.encoded(text, unit: unit, bigEndian: bigEndian, bom: bom))
        #expect(feed.encoding == "\(label)\(bigEndian ? "be" : "le")")
        #expect(feed.title == "寬字元")
        #expect(feed.entries.map(\.title) == ["café 中文 😀"])
        #expect(feed.entries.first?.link == "http://e.com/1")
    }

    /// Expected values from Python's `big5hkscs` and `cp950` codecs, which agree on these.
    @Test("Big5 pairs missing from the system's table read right, and so does the text after them", arguments: [
        ([0xA1, 0xFE], "／"), ([0xA2, 0x40], "＼"), ([0xA1, 0xC3], "￣"), ([0xA1, 0xC5], "ˍ"),
        ([0xA1, 0x5A], "╴"), ([0xA2, 0xCC], "十"), ([0xA2, 0xCE], "卅"),
    ] as [([UInt8], String)])
    func big5Supplement(pair: [UInt8], expected: String) throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"big5\"?><rss><channel><item><title>".utf8)
        // 中 pair Abc 文
        bytes += [0xA4, 0xA4] + pair + Array("Abc".utf8) + [0xA4, 0xE5]
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser().parse(bytes)
        #expect(feed.entries.first?.title == "中\(expected)Abc文")
    }
}
