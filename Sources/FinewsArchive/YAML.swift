/// Writes YAML scalars for front matter so that any string reads back as itself.
enum YAML {
    /// A double-quoted scalar: backslash, quote and every control or line-breaking
    /// character escaped, as YAML 1.1 and 1.2 parsers both read them. A byte-order
    /// mark (U+FEFF) is dropped: libyaml, which Jekyll uses, drops it even escaped.
    static func doubleQuoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\"": output += "\\\""
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            case "\0": output += "\\0"
            case "\u{85}": output += "\\N"
            case "\u{A0}": output += "\\_"
            case "\u{2028}": output += "\\L"
            case "\u{2029}": output += "\\P"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    output += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value == 0xFEFF {
                    continue
                } else if (0xFFF0...0xFFFF).contains(scalar.value) {
                    output += "\\u" + hex(scalar.value, width: 4)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }

    /// A plain scalar when the text reads back unchanged as a string, otherwise a
    /// double-quoted one. Plain means: starts with a letter, holds only letters,
    /// digits, `_`, `-` and `.`, and is not a YAML boolean or null word.
    static func scalar(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic,
              text.unicodeScalars.allSatisfy({
                  $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-" || $0 == "."
              }),
              !reservedWords.contains(text.lowercased())
        else { return doubleQuoted(text) }
        return text
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
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "{")) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "{"), index + 1 < bytes.count,
               bytes[index + 1] == UInt8(ascii: "{") || bytes[index + 1] == UInt8(ascii: "%") {
                output.append(contentsOf: "&#123;".utf8)
            } else {
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
