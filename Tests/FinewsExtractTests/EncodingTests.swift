@testable import FinewsExtract
import Testing

@Suite("Encodings")
struct EncodingTests {
    private let extractor = ArticleExtractor(rule: .xpath("//div[@id='ContentBody']/p[4]"))

    @Test("A GBK page is read whatever tells its encoding", arguments: [
        // (fixture, HTTP charset)
        ("article-gbk.html", nil),              // <meta charset="gbk">
        ("article-gbk.html", "x-unknown"),      // an unknown HTTP charset is passed over
        ("article-gbk-nometa.html", "gbk"),     // only the HTTP charset
        ("article-gbk-nometa.html", "GB2312"),  // a GB2312 label: read as GB18030, so 喆 (GBK only) survives
        ("article-gbk-nometa.html", "\"gbk\""), // a quoted parameter
        ("article-gbk-nometa.html", nil),       // nothing: not UTF-8, so GB18030 is guessed
        ("article-utf8.html", nil),
        ("article-utf8.html", "utf-8"),
    ] as [(String, String?)])
    func gbk(name: String, charset: String?) throws {
        let article = try extractor.extract(try fixture(name), charset: charset)
        #expect(article.html == ArticleText.fourth)
    }

    @Test("A <meta http-equiv> Content-Type names the charset too")
    func httpEquiv() throws {
        let bytes = try fixture("article-gbk.html")
        let meta = Array("<meta charset=\"gbk\">".utf8)
        let start = try #require(bytes.indices.first { bytes[$0...].starts(with: meta) })
        let page = Array(bytes[..<start])
            + Array("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gb2312\">".utf8)
            + Array(bytes[(start + meta.count)...])
        #expect(PageDecoding.metaCharset(in: page) == "gb2312")
        #expect(try extractor.extract(page, charset: nil).html == ArticleText.fourth)
    }

    @Test("A meta charset other than GBK is followed", arguments: [
        // (meta label, bytes of the text, the text)
        ("windows-1252", [0x93, 0x63, 0x61, 0x66, 0xE9, 0x94], "\u{201C}café\u{201D}"),
        ("big5", [0xBB, 0x4F, 0xC6, 0x57, 0xB7, 0x73, 0xBB, 0x44], "臺灣新聞"),
    ] as [(String, [UInt8], String)])
    func otherMeta(label: String, text: [UInt8], expected: String) throws {
        let page = Array("<html><head><meta charset=\"\(label)\"></head><body><p>".utf8) + text + Array("</p></body></html>".utf8)
        let article = try ArticleExtractor(rule: .xpath("//p")).extract(page, charset: nil)
        #expect(article.html == expected)
    }

    @Test("The HTTP charset wins over the page's meta; a byte-order mark wins over both")
    func order() throws {
        let gbk = try fixture("article-gbk.html")
        // GBK bytes read as UTF-8 (the server says so) are not the article's text.
        #expect(try extractor.extract(gbk, charset: "utf-8").html != ArticleText.fourth)
        let utf8 = try fixture("article-utf8.html")
        #expect(try extractor.extract([0xEF, 0xBB, 0xBF] + utf8, charset: "gbk").html == ArticleText.fourth)
    }

    @Test("Meta charsets are found in either form and only near the start", arguments: [
        ("<html><head><meta charset=\"GBK\"></head>", "gbk"),
        ("<meta charset=gb2312>", "gb2312"),
        ("<meta http-equiv='content-type' content='text/html;charset=big5'>", "big5"),
        ("<meta charset=\"utf-16le\">", "utf-8"),
        ("<meta name=\"description\" content=\"charset\">", nil),
        ("<p>charset=gbk</p>", nil),
        (String(repeating: " ", count: 5000) + "<meta charset=\"gbk\">", nil),
    ] as [(String, String?)])
    func metaCharset(page: String, label: String?) {
        #expect(PageDecoding.metaCharset(in: Array(page.utf8)) == label)
    }
}
