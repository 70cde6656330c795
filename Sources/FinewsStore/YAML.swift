import FinewsNormalize
import Glibc

/// Writes YAML scalars for front matter so that any string reads back as itself.
enum YAML {
    /// A double-quoted scalar: backslash, quote and every control or line-breaking
    /// character escaped, as YAML 1.1 and 1.2 parsers both read them. A byte-order
    /// mark (U+FEFF) is dropped: libyaml, which Jekyll uses, drops it even escaped.
    static func doubleQuoted(_ text: String) -> String {
        var output: [UInt8] = []
        appendDoubleQuoted(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends ``doubleQuoted(_:)`` of `text`. Each character escaped or dropped
    /// has a fixed UTF-8 form whose lead byte is ASCII, C2, E2 or EF, so the work
    /// is done on the bytes; any other byte (continuation bytes included) is copied.
    static func appendDoubleQuoted(_ text: String, to output: inout [UInt8]) {
        var text = text
        output.append(UInt8(ascii: "\""))
        text.withUTF8 { utf8 in
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
                case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
                case 0: output.append(contentsOf: #"\0"#.utf8)
                case 0x01..<0x20, 0x7F:
                    output.append(contentsOf: (#"\x"# + hex(UInt32(byte), width: 2)).utf8)
                case 0xC2:  // U+0080–U+00BF; valid UTF-8 has the second byte.
                    let value = 0x80 | UInt32(utf8[index] & 0x3F)
                    switch value {
                    case 0x85: output.append(contentsOf: #"\N"#.utf8)
                    case 0xA0: output.append(contentsOf: #"\_"#.utf8)
                    case 0x80...0x9F: output.append(contentsOf: (#"\x"# + hex(value, width: 2)).utf8)
                    default: output.append(contentsOf: [byte, utf8[index]])
                    }
                    index += 1
                case 0xE2 where utf8[index] == 0x80 && utf8[index + 1] == 0xA8:  // U+2028
                    output.append(contentsOf: #"\L"#.utf8)
                    index += 2
                case 0xE2 where utf8[index] == 0x80 && utf8[index + 1] == 0xA9:  // U+2029
                    output.append(contentsOf: #"\P"#.utf8)
                    index += 2
                case 0xEF where utf8[index] == 0xBB && utf8[index + 1] == 0xBF:  // U+FEFF, dropped
                    index += 2
                case 0xEF where utf8[index] == 0xBF && utf8[index + 1] >= 0xB0:  // U+FFF0–U+FFFF
                    output.append(contentsOf: (#"\u"# + hex(0xFFC0 | UInt32(utf8[index + 1] & 0x3F), width: 4)).utf8)
                    index += 2
                default:
                    output.append(byte)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// A plain scalar when the text reads back unchanged as a string, otherwise a
    /// double-quoted one. Plain means: starts with a letter, holds only letters,
    /// digits, `_`, `-` and `.`, and is not a YAML boolean or null word.
    static func scalar(_ text: String) -> String {
        isPlain(text) ? text : doubleQuoted(text)
    }

    /// Appends ``scalar(_:)`` of `text`.
    static func appendScalar(_ text: String, to output: inout [UInt8]) {
        if isPlain(text) {
            output.append(contentsOf: text.utf8)
        } else {
            appendDoubleQuoted(text, to: &output)
        }
    }

    private static func isPlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isAlphabetic(first) else { return false }
        return text.unicodeScalars.allSatisfy({
            isAlphabetic($0) || isNumeric($0) || $0 == "_" || $0 == "-" || $0 == "."
        }) && !reservedWords.contains(text.lowercased())
    }

    /// In ASCII the alphabetic scalars are the letters; the Unicode properties
    /// are looked up only for the others.
    private static func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) : scalar.properties.isAlphabetic
    }

    /// In ASCII the scalars with a numeric type are the digits.
    private static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? ("0"..."9").contains(scalar) : scalar.properties.numericType != nil
    }

    private static let reservedWords: Set<String> = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf",
    ]

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Keeps Liquid from running on text that came from a feed.
enum Liquid {
    /// Replaces each `{` that opens a Liquid tag or output (`{{`, `{%`) with the HTML
    /// character reference `&#123;`. Jekyll 3.9 and 4.x leave the reference alone,
    /// and the browser shows a brace, so the text reaches the page as written.
    static func neutralized(_ text: String) -> String {
        var bytes = Array(text.utf8)
        neutralize(&bytes, from: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``neutralized(_:)`` in place, on `bytes[start...]`.
    static func neutralize(_ bytes: inout [UInt8], from start: Int) {
        guard let first = firstOpener(in: bytes, from: start) else { return }
        var output = Array(bytes[..<first])
        output.reserveCapacity(bytes.count + 16)
        var index = first
        while let opener = firstOpener(in: bytes, from: index) {
            output.append(contentsOf: bytes[index..<opener])
            output.append(contentsOf: "&#123;".utf8)
            index = opener + 1
        }
        output.append(contentsOf: bytes[index...])
        bytes = output
    }

    /// The index of the first `{` at or after `start` that is followed by `{` or `%`.
    private static func firstOpener(in bytes: [UInt8], from start: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var index = start
            // Most posts have no brace at all: memchr finds each one.
            while index + 1 < buffer.count,
                  let found = memchr(base + index, Int32(UInt8(ascii: "{")), buffer.count - 1 - index) {
                index = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
                if buffer[index + 1] == UInt8(ascii: "{") || buffer[index + 1] == UInt8(ascii: "%") { return index }
                index += 1
            }
            return nil
        }
    }
}
