import FinewsParse
import Testing

@Suite("TextDecoding")
struct TextDecodingTests {
    // "漯河" in GB18030; 漯 is outside GB2312, as often happens in real "gb2312" pages.
    private let gbk: [UInt8] = [0xE4, 0xF0, 0xBA, 0xD3]

    @Test("A charset label is read with the superset browsers use", arguments: ["gbk", "GB2312", " gb18030 ", "cp936"])
    func chineseLabels(label: String) throws {
        #expect(try TextDecoding.utf8(gbk, charset: label, fallback: "windows-1252") == Array("漯河".utf8))
    }

    @Test("Without a charset, valid UTF-8 is kept and anything else is read as the fallback")
    func fallback() throws {
        #expect(try TextDecoding.utf8(Array("漯河".utf8), charset: nil, fallback: "gb18030") == Array("漯河".utf8))
        #expect(try TextDecoding.utf8(gbk, charset: nil, fallback: "gb18030") == Array("漯河".utf8))
    }

    @Test("A byte-order mark wins over the charset")
    func byteOrderMark() throws {
        #expect(try TextDecoding.utf8([0xEF, 0xBB, 0xBF] + Array("漯".utf8), charset: "gbk", fallback: "gb18030") == Array("漯".utf8))
        #expect(try TextDecoding.utf8([0xFF, 0xFE, 0x2F, 0x6F], charset: "gbk", fallback: "gb18030") == Array("漯".utf8))
    }

    @Test("Latin-1 labels are read as windows-1252; bad UTF-8 is repaired")
    func latin1AndRepair() throws {
        #expect(try TextDecoding.utf8([0x93, 0x61, 0x94], charset: "iso-8859-1", fallback: "gb18030") == Array("\u{201C}a\u{201D}".utf8))
        #expect(try TextDecoding.utf8([0x61, 0xFF], charset: "utf-8", fallback: "gb18030") == Array("a\u{FFFD}".utf8))
    }

    @Test("An unknown charset is an error the caller can pass over")
    func unknownLabel() {
        let error = #expect(throws: FeedParseError.self) {
            try TextDecoding.utf8(Array("a".utf8), charset: "x-no-such-encoding", fallback: "gb18030")
        }
        #expect(error?.code == .unsupportedEncoding)
    }
}
