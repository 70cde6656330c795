/// Converts text in any encoding the system knows to UTF-8, for modules that read
/// documents other than feeds (article pages, JSON answers).
///
/// It shares the converter and the label aliases with the feed parser, but not the
/// feed parser's order of evidence: the caller decides which label to trust (the
/// HTTP charset, an HTML `<meta>`, ...) and what to guess when there is none.
public enum TextDecoding {
    /// Decodes `bytes` to UTF-8.
    ///
    /// A byte-order mark (UTF-8, UTF-16) wins. Otherwise `charset` is used when
    /// given, read as browsers read the label: `gb2312` and `gbk` as GB18030 (their
    /// superset), `iso-8859-1` and `us-ascii` as windows-1252. Without a charset,
    /// valid UTF-8 is taken as it is and anything else is read as `fallback`
    /// (`"gb18030"`, say). Bytes that are invalid in the chosen encoding become
    /// U+FFFD; they never fail the whole text.
    /// - Throws: ``FeedParseError`` with code `.unsupportedEncoding` when `charset`
    ///   (or `fallback`) names an encoding the system's converter does not know.
    public static func utf8(_ bytes: [UInt8], charset: String?, fallback: String) throws(FeedParseError) -> [UInt8] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            // The feed decoder's BOM handling (it runs before any label is looked at).
            return try TextEncoding.decode(bytes, httpCharset: nil).utf8
        }
        guard let charset else {
            if TextEncoding.isValidUTF8(bytes[...]) { return bytes }
            return try convert(bytes, label: fallback)
        }
        return try convert(bytes, label: charset)
    }

    /// Converts with the encoding `label` names, after the aliases are resolved.
    private static func convert(_ bytes: [UInt8], label: String) throws(FeedParseError) -> [UInt8] {
        var name = TextEncoding.normalizedLabel(label)
        // The WHATWG Encoding Standard reads these labels as windows-1252, and so do
        // browsers: pages labelled Latin-1 use its curly quotes and dashes (0x80–0x9F).
        if name == "iso-8859-1" { name = "windows-1252" }
        switch name {
        case "utf-8":
            if TextEncoding.isValidUTF8(bytes[...]) { return bytes }
            return Array(String(decoding: bytes, as: UTF8.self).utf8)
        case "shift_jis":
            // Read as the feed decoder reads it: CP932, then JIS X 0208's own mappings.
            return TextEncoding.jisMapped(try TextEncoding.convert(bytes[...], from: "cp932"))
        default:
            return try TextEncoding.convert(bytes[...], from: name)
        }
    }
}
