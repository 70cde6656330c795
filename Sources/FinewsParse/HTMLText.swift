import Glibc

/// Small text operations on HTML that every stage needs: entity decoding, tag
/// stripping, whitespace collapsing and escaping. They work on UTF-8 bytes.
public enum HTMLText {
    /// The text of an HTML fragment: tags removed, entities decoded, whitespace collapsed.
    public static func plainText(fromHTML html: String) -> String {
        collapseWhitespace(decodeEntities(stripTags(html)))
    }

    /// Removes things that look like tags (`<a ...>`, `</p>`, `<!-- -->`, `<?...?>`),
    /// leaving a lone `<` that starts no tag (as in `a < b`) in place. Scripts and
    /// styles go with their content, and a comment that never closes takes the
    /// rest with it. Only block boundaries (`<p>`, `<br>`, `<li>`, ...) become a
    /// space: inline markup joins what it wraps (`1930ft<sup>2</sup>`, `<i>ONPC</i>:`).
    public static func stripTags(_ html: String) -> String {
        guard html.containsUTF8(UInt8(ascii: "<")) else { return html }
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), index + 1 < bytes.count, startsTag(bytes[index + 1]) {
                if bytes[(index + 1)...].starts(with: Array("!--".utf8)) {
                    guard let end = find(Array("-->".utf8), in: bytes, from: index + 4) else { break }
                    index = end + 3
                    continue
                }
                if let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: ">")) {
                    let name = tagName(bytes, from: index + 1)
                    if !name.isEnd, name.value == "script" || name.value == "style" {
                        // The element's content is code, never text.
                        guard let end = find(Array("</\(name.value)".utf8), in: bytes, from: close + 1, caseInsensitive: true)
                        else { break }
                        index = (bytes[end...].firstIndex(of: UInt8(ascii: ">")) ?? (bytes.count - 1)) + 1
                        if output.last != 0x20 { output.append(0x20) }
                        continue
                    }
                    if blockElements.contains(name.value) { output.append(0x20) }
                    index = close + 1
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Elements whose boundaries separate words, as they do in a browser.
    private static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "head", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "option", "p",
        "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
    ]

    /// The lowercased name of the tag whose text starts at `start` (after `<`).
    private static func tagName(_ bytes: [UInt8], from start: Int) -> (value: String, isEnd: Bool) {
        var index = start
        var isEnd = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            isEnd = true
            index += 1
        }
        var name: [UInt8] = []
        while index < bytes.count, name.count < 16 {
            let byte = bytes[index]
            guard (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            else { break }
            name.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
            index += 1
        }
        return (String(decoding: name, as: UTF8.self), isEnd)
    }

    /// Decodes character references (`&#38;`, `&#x26;`) and HTML's named entities.
    /// An unknown name is left as written.
    public static func decodeEntities(_ text: String) -> String {
        guard text.containsUTF8(UInt8(ascii: "&")) else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&"),
                  let semicolon = bytes[(index + 1)..<min(bytes.count, index + 34)].firstIndex(of: UInt8(ascii: ";")),
                  semicolon > index + 1,
                  let value = entityValue(bytes[(index + 1)..<semicolon])
            else {
                output.append(byte)
                index += 1
                continue
            }
            output.append(contentsOf: value.utf8)
            index = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Collapses runs of whitespace (ASCII whitespace, no-break space, the
    /// ideographic space and the other Unicode spaces) to one space and trims both ends.
    public static func collapseWhitespace(_ text: String) -> String {
        var text = text
        // Most titles are already clean: single ASCII spaces, nothing to trim.
        if text.withUTF8(isCollapsed) { return text }
        return text.withUTF8 { utf8 -> String in
            var output: [UInt8] = []
            output.reserveCapacity(utf8.count)
            var pendingSpace = false
            var index = 0
            while index < utf8.count {
                let width = whitespaceWidth(utf8, at: index)
                if width > 0 {
                    pendingSpace = !output.isEmpty
                    index += width
                    continue
                }
                if pendingSpace {
                    output.append(0x20)
                    pendingSpace = false
                }
                output.append(utf8[index])
                index += 1
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Whether `text` has no leading or trailing space, no run of spaces and no
    /// whitespace other than U+0020 (ASCII check plus a check for the lead bytes of
    /// the non-ASCII spaces).
    private static func isCollapsed(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var previousSpace = true
        for byte in utf8 {
            switch byte {
            case 0x20:
                if previousSpace { return false }
                previousSpace = true
            case 0x09...0x0D, 0xC2, 0xE1, 0xE2, 0xE3:
                return false
            default:
                previousSpace = false
            }
        }
        return !previousSpace || utf8.isEmpty
    }

    /// The byte length of the whitespace character at `index`, or 0 when there is none.
    @inline(__always)
    private static func whitespaceWidth(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = utf8[index]
        if byte < 0x80 { return byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) ? 1 : 0 }
        let count = utf8.count
        switch byte {
        case 0xC2:  // U+0085, U+00A0
            return index + 1 < count && (utf8[index + 1] == 0x85 || utf8[index + 1] == 0xA0) ? 2 : 0
        case 0xE1:  // U+1680
            return index + 2 < count && utf8[index + 1] == 0x9A && utf8[index + 2] == 0x80 ? 3 : 0
        case 0xE2:  // U+2000–U+200A, U+2028, U+2029, U+202F, U+205F
            guard index + 2 < count else { return 0 }
            let second = utf8[index + 1], third = utf8[index + 2]
            if second == 0x80, third <= 0x8A || third == 0xA8 || third == 0xA9 || third == 0xAF { return 3 }
            if second == 0x81, third == 0x9F { return 3 }
            return 0
        case 0xE3:  // U+3000
            return index + 2 < count && utf8[index + 1] == 0x80 && utf8[index + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// Escapes `&`, `<`, `>` and `"` for use in HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            var output = ByteBuffer(capacity: utf8.count + 16)
            appendEscaped(utf8, to: &output)
            return output.withBytes { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Appends `utf8` with `&`, `<`, `>` and `"` escaped (all four are ASCII, so
    /// working on the bytes escapes exactly what ``escape(_:)`` does). Runs without
    /// them are copied whole.
    static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout ByteBuffer) {
        appendEscaped(utf8, quotes: true, to: &output)
    }

    /// Appends `utf8` as HTML text: `&`, `<` and `>` escaped, quotes left as they are.
    static func appendEscapedText(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout ByteBuffer) {
        appendEscaped(utf8, quotes: false, to: &output)
    }

    @inline(__always)
    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, quotes: Bool, to output: inout ByteBuffer) {
        var copied = 0
        for index in 0..<utf8.count {
            let replacement: StaticString
            switch utf8[index] {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\"") where quotes: replacement = "&quot;"
            default: continue
            }
            if index > copied { output.append(UnsafeBufferPointer(rebasing: utf8[copied..<index])) }
            output.append(replacement)
            copied = index + 1
        }
        if utf8.count > copied { output.append(UnsafeBufferPointer(rebasing: utf8[copied...])) }
    }

    private static func startsTag(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
    }

    private static func entityValue(_ name: ArraySlice<UInt8>) -> String? {
        guard let first = name.first else { return nil }
        if first == UInt8(ascii: "#") {
            var digits = name.dropFirst()
            var radix = 10
            if let marker = digits.first, marker == UInt8(ascii: "x") || marker == UInt8(ascii: "X") {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 8,
                  let value = UInt32(String(decoding: digits, as: UTF8.self), radix: radix),
                  let scalar = Unicode.Scalar(value)
            else { return nil }
            return String(Character(scalar))
        }
        guard name.count <= 32 else { return nil }
        return NamedCharacterReferences.value(of: String(decoding: name, as: UTF8.self))
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int, caseInsensitive: Bool = false) -> Int? {
        guard start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) {
            let candidate = bytes[index..<index + needle.count]
            let matches = caseInsensitive
                ? zip(candidate, needle).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0) == $1 }
                : candidate.elementsEqual(needle)
            if matches { return index }
        }
        return nil
    }
}

extension String {
    /// Whether the UTF-8 form holds `byte`: memchr over the String's own bytes
    /// where they are contiguous (native strings), a plain scan otherwise.
    func containsUTF8(_ byte: UInt8) -> Bool {
        utf8.withContiguousStorageIfAvailable { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memchr(base, Int32(byte), buffer.count) != nil
        } ?? utf8.contains(byte)
    }
}
