/// A string in double quotes with backslash escapes, valid both as a JSON string
/// and as a TOML basic string: `"` and `\` escaped, newline, return and tab as
/// `\n`, `\r`, `\t`, other control characters (and DEL, U+2028, U+2029) as `\uXXXX`.
public enum QuotedString {
    /// `text` quoted and escaped.
    public static func escaped(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
