import FinewsParse

/// Decodes an answer's bytes to UTF-8 before it is parsed.
///
/// The evidence is weighed in this order: a byte-order mark; the HTTP charset; for
/// HTML, a `<meta charset>` or `<meta http-equiv="Content-Type">` near the start;
/// then valid UTF-8 is taken as it is, and anything else is read as GB18030. That
/// last guess is for the Chinese publishers finews reads most, whose pages are GBK
/// more often than they say so (GB18030 is a superset of GBK and GB2312).
enum PageDecoding {
    /// The encoding assumed for bytes that name none and are not valid UTF-8.
    static let fallbackEncoding = "gb18030"

    /// How far into a page a `<meta>` charset is looked for. The HTML standard's
    /// prescan stops at 1 KB; some publishers' heads put long scripts first.
    static let metaWindow = 4096

    /// The answer as UTF-8 bytes.
    /// - Parameter sniffingHTML: whether a `<meta>` charset counts (HTML pages), or
    ///   only the HTTP charset (JSON answers).
    /// - Throws: ``ExtractionError`` (`.undecodable`) when even the fallback
    ///   encoding is unknown to the system's converter.
    static func utf8(_ body: [UInt8], charset: String?, sniffingHTML: Bool) throws(ExtractionError) -> [UInt8] {
        var labels: [String] = []
        if let charset = charset.map(cleanedLabel), !charset.isEmpty { labels.append(charset) }
        if sniffingHTML, let meta = metaCharset(in: body) { labels.append(meta) }
        // A label the converter does not know is passed over, as browsers ignore it.
        for label in labels {
            if let utf8 = try? TextDecoding.utf8(body, charset: label, fallback: fallbackEncoding) { return utf8 }
        }
        do {
            return try TextDecoding.utf8(body, charset: nil, fallback: fallbackEncoding)
        } catch {
            throw ExtractionError(.undecodable, "the answer is not UTF-8 and could not be read as \(fallbackEncoding) either: \(error.message)")
        }
    }

    /// Whether the answer is binary data (an image, a PDF, a body still
    /// compressed) rather than text: more than 1% of its first 4 KB are control
    /// bytes that no text uses (the MIME Sniffing Standard's "binary data bytes").
    /// UTF-16 text, whose ASCII characters carry NUL bytes, is recognized by its BOM.
    static func looksBinary(_ body: [UInt8]) -> Bool {
        if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) { return false }
        let window = body.prefix(4096)
        let binary = window.count { byte in
            byte <= 0x08 || byte == 0x0B || (byte >= 0x0E && byte <= 0x1A) || (byte >= 0x1C && byte <= 0x1F)
        }
        return binary * 100 > window.count
    }

    /// The charset a `<meta charset=...>` or `<meta http-equiv="Content-Type"
    /// content="...; charset=...">` names in the page's first bytes, if any.
    /// A UTF-16 label is read as UTF-8, as the HTML standard says: a page whose meta
    /// tag could be read as ASCII is not UTF-16.
    static func metaCharset(in bytes: [UInt8]) -> String? {
        let window = bytes.prefix(metaWindow).map(asciiLowercased)
        var index = 0
        while let start = firstIndex(of: Array("<meta".utf8), in: window, from: index) {
            let tagEnd = window[start...].firstIndex(of: UInt8(ascii: ">")) ?? window.count
            index = tagEnd
            guard let key = firstIndex(of: Array("charset".utf8), in: window, from: start), key < tagEnd else { continue }
            var valueStart = key + 7
            while valueStart < tagEnd, isASCIIWhitespace(window[valueStart]) { valueStart += 1 }
            guard valueStart < tagEnd, window[valueStart] == UInt8(ascii: "=") else { continue }
            valueStart += 1
            while valueStart < tagEnd, isASCIIWhitespace(window[valueStart]) || isQuote(window[valueStart]) {
                valueStart += 1
            }
            var valueEnd = valueStart
            while valueEnd < tagEnd, !isASCIIWhitespace(window[valueEnd]), !isQuote(window[valueEnd]),
                  window[valueEnd] != UInt8(ascii: ";"), window[valueEnd] != UInt8(ascii: "/") {
                valueEnd += 1
            }
            guard valueEnd > valueStart else { continue }
            let label = String(decoding: window[valueStart..<valueEnd], as: UTF8.self)
            return label.hasPrefix("utf-16") ? "utf-8" : label
        }
        return nil
    }

    /// A charset parameter without quotes and surrounding whitespace.
    private static func cleanedLabel(_ label: String) -> String {
        let bytes = Array(label.utf8).filter { !isQuote($0) && !isASCIIWhitespace($0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C
    }

    private static func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start + needle.count <= haystack.count else { return nil }
        for index in start...(haystack.count - needle.count)
        where haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
