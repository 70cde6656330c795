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

    /// Expected characters from Python's codecs (cp1251, mac_roman, mac_latin2,
    /// cp861), which accept these labels too.
    @Test("Labels are read without case and with _ and - alike, Python's and IANA's aliases included", arguments: [
        ("windows_1251", 0x80, "Ђ"), ("WINDOWS_1251", 0xC0, "А"), ("ms-cyrl", 0xC0, "А"), ("macroman", 0x8E, "é"),
        ("x-mac-roman", 0x8E, "é"), ("maccentraleurope", 0x81, "Ā"), ("cp_is", 0x8B, "Ð"),
        ("Shift_JIS", 0x41, "A"), ("ks_c_5601-1987", 0x41, "A"),
    ] as [(String, UInt8, String)])
    func labelAliases(label: String, byte: UInt8, expected: String) throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"\(label)\"?><rss><channel><item><title>x".utf8)
        bytes.append(byte)
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser().parse(bytes)
        #expect(feed.entries.first?.title == "x\(expected)")
    }

    /// An EBCDIC document (XML 1.0 Appendix F) in code page 500, from Python's
    /// `cp500` codec: its brackets and `!` differ from code page 037's, so only the
    /// declaration's code page reads the title right.
    @Test("An EBCDIC document is read with the code page its declaration names")
    func ebcdic() throws {
        let bytes: [UInt8] = [
        0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40, 0xA5, 0x85, 0x99, 0xA2, 0x89, 0x96, 0x95, 0x7E, 0x7F, 0xF1,
        0x4B, 0xF0, 0x7F, 0x40, 0x85, 0x95, 0x83, 0x96, 0x84, 0x89, 0x95, 0x87, 0x7E, 0x7F, 0x83, 0x97,
        0xF5, 0xF0, 0xF0, 0x7F, 0x6F, 0x6E, 0x4C, 0x99, 0xA2, 0xA2, 0x40, 0xA5, 0x85, 0x99, 0xA2, 0x89,
        0x96, 0x95, 0x7E, 0x7F, 0xF2, 0x4B, 0xF0, 0x7F, 0x6E, 0x4C, 0x83, 0x88, 0x81, 0x95, 0x95, 0x85,
        0x93, 0x6E, 0x4C, 0xA3, 0x89, 0xA3, 0x93, 0x85, 0x6E, 0x81, 0x4A, 0x82, 0x5A, 0x4F, 0xBB, 0x4C,
        0x61, 0xA3, 0x89, 0xA3, 0x93, 0x85, 0x6E, 0x4C, 0x89, 0xA3, 0x85, 0x94, 0x6E, 0x4C, 0xA3, 0x89,
        0xA3, 0x93, 0x85, 0x6E, 0x51, 0xA3, 0x51, 0x4C, 0x61, 0xA3, 0x89, 0xA3, 0x93, 0x85, 0x6E, 0x4C,
        0x61, 0x89, 0xA3, 0x85, 0x94, 0x6E, 0x4C, 0x61, 0x83, 0x88, 0x81, 0x95, 0x95, 0x85, 0x93, 0x6E,
        0x4C, 0x61, 0x99, 0xA2, 0xA2, 0x6E,
        ]
        let feed = try FeedParser().parse(bytes)
        #expect(feed.title == "a[b]!|")
        #expect(feed.entries.map(\.title) == ["été"])
    }

    @Test("An encoding the system does not know: valid UTF-8 is kept, anything else read as windows-1252, no story lost")
    func unknownLabel() throws {
        let utf8 = Array("<?xml version=\"1.0\" encoding=\"x-no-such-thing\"?><rss><channel><item><title>漯河</title></item><item><title>b</title></item></channel></rss>".utf8)
        #expect(try FeedParser().parse(utf8).entries.map(\.title) == ["漯河", "b"])
        var latin = Array("<?xml version=\"1.0\" encoding=\"macgreekish\"?><rss><channel><item><title>".utf8)
        latin += [0x93, 0x61, 0x94]
        latin += Array("</title></item><item><title>b</title></item></channel></rss>".utf8)
        #expect(try FeedParser().parse(latin).entries.map(\.title) == ["\u{201C}a\u{201D}", "b"])
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
