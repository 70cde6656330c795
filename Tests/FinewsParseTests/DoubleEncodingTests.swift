import FinewsParse
import Testing

/// Text that was UTF-8, was read somewhere as Latin-1 and was encoded as UTF-8
/// again ("cafÃ©"). The reference parser repairs a field when the whole field is
/// in that form, and finews does the same; these tests pin where the repair
/// stops, so that text a document really contains is never rewritten.
@Suite("Double-encoded text")
struct DoubleEncodingTests {
    /// The first entry of an RSS document in `encoding` whose item title is `title`
    /// and whose description is `description`, both as raw bytes.
    private func entry(title: [UInt8], description: [UInt8] = Array("d".utf8), encoding: String) throws -> FeedEntry {
        var document = Array("<?xml version=\"1.0\" encoding=\"\(encoding)\"?><rss version=\"2.0\"><channel>".utf8)
        document += Array("<title>t</title><item><title>".utf8) + title
        document += Array("</title><description>".utf8) + description
        document += Array("</description></item></channel></rss>".utf8)
        return try #require(try FeedParser().parse(document).entries.first)
    }

    @Test("A field double-encoded throughout reads as the text meant", arguments: [
        // "café" double-encoded in a UTF-8 document.
        ("utf-8", [0x63, 0x61, 0x66, 0xC3, 0x83, 0xC2, 0xA9], "café"),
        // The UTF-8 bytes of "café" in a document that declares Latin-1.
        ("iso-8859-1", [0x63, 0x61, 0x66, 0xC3, 0xA9], "café"),
        // "£30" double-encoded.
        ("utf-8", [0xC3, 0x82, 0xC2, 0xA3, 0x33, 0x30], "£30"),
    ] as [(String, [UInt8], String)])
    func repaired(encoding: String, title: [UInt8], expected: String) throws {
        #expect(try entry(title: title, encoding: encoding).title == expected)
    }

    @Test("A field with any other non-ASCII character keeps the text as decoded", arguments: [
        // Portuguese capitals: "SÃO PAULO" is Latin-1 text, not a UTF-8 sequence.
        ("iso-8859-1", [0x53, 0xC3, 0x4F, 0x20, 0x50, 0x41, 0x55, 0x4C, 0x4F], "SÃO PAULO"),
        ("utf-8", [0x53, 0xC3, 0x83, 0x4F, 0x20, 0x50, 0x41, 0x55, 0x4C, 0x4F], "SÃO PAULO"),
        // A real "ø" (Latin-1 0xF8) beside a double-encoded one: the field is mixed,
        // so neither is rewritten.
        ("iso-8859-1", [0x42, 0x72, 0xF8, 0x6E, 0x64, 0x62, 0x79, 0x20, 0x42, 0x72, 0xC3, 0xB8], "Brøndby BrÃ¸"),
        // A character above U+00FF (the curly quotes) rules the repair out.
        ("utf-8", [0xE2, 0x80, 0x9C, 0x63, 0x61, 0x66, 0xC3, 0x83, 0xC2, 0xA9, 0xE2, 0x80, 0x9D], "“cafÃ©”"),
    ] as [(String, [UInt8], String)])
    func kept(encoding: String, title: [UInt8], expected: String) throws {
        #expect(try entry(title: title, encoding: encoding).title == expected)
    }

    /// The reference strips Unicode whitespace from a field before its repair, so a
    /// double-encoded no-break space at the end ("Â" + U+00A0) loses its second
    /// half and the whole field stays garbled there. finews repairs the field
    /// whole: a deliberate difference (README, Conformance).
    @Test("A double-encoded no-break space at the end of a field does not stop the repair")
    func trailingNoBreakSpace() throws {
        let title: [UInt8] = Array("rames de RER".utf8) + [0xC3, 0x82, 0xC2, 0xA0]
        let summary: [UInt8] = [0x63, 0x61, 0x66, 0xC3, 0x83, 0xC2, 0xA9, 0xC3, 0x82, 0xC2, 0xA0]
        let entry = try entry(title: title, description: summary, encoding: "utf-8")
        #expect(entry.title == "rames de RER")
        #expect(entry.summary?.value == "café\u{A0}")
    }

    /// In a Latin-1 document the byte 0x85 is windows-1252's "…" (read as such by
    /// the reference too), but the reference strips it first as U+0085, a line
    /// break in Unicode. finews keeps the ellipsis: a deliberate difference.
    @Test("windows-1252 punctuation at the end of a Latin-1 field is kept")
    func trailingEllipsis() throws {
        let title: [UInt8] = Array("Wait for it".utf8) + [0x85]
        #expect(try entry(title: title, encoding: "iso-8859-1").title == "Wait for it…")
    }
}
