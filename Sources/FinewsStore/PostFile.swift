public import FinewsNormalize
public import Foundation
import FinewsParse

/// A post file read back from the site (DESIGN.md §2): what `finews repair`
/// rebuilds the state database from. It reads the layout ``PostRenderer`` writes —
/// the front matter's `title`, `date`, `categories` and `tags`, and the `<link>`
/// autolink line above the footer — and the front matter of posts written by
/// hand or by the old system, as long as those fields are single-line scalars.
public struct PostFile: Sendable, Hashable {
    /// The infoCode, from the file name `YYYY-MM-DD-<infoCode>.md`.
    public var infoCode: InfoCode
    /// The file's path below the site root (`_posts/…` or the archive folder).
    public var path: String
    /// The front matter's `title`; nil when it has none.
    public var title: String?
    /// The front matter's `date`.
    public var date: Date
    /// The front matter's `categories`: one category, as finews writes it.
    public var category: String
    /// The front matter's `tags`; nil when it has none.
    public var tag: String?
    /// The story's link, from the autolink line above the footer; nil when there is none.
    public var link: String?
    /// SHA-256 (hex) of the file's bytes (``ContentHash/of(_:)``).
    public var contentHash: String

    /// The infoCode named by a post's file name, `YYYY-MM-DD-<infoCode>.md`; nil
    /// for any other name.
    public static func infoCode(fromFileName name: String) -> InfoCode? {
        let scalars = Array(name.unicodeScalars)
        guard scalars.count > 14, name.hasSuffix(".md") else { return nil }
        for (index, scalar) in scalars.prefix(11).enumerated() {
            let wanted = index == 4 || index == 7 || index == 10
            if wanted ? scalar != "-" : !("0"..."9").contains(scalar) { return nil }
        }
        return InfoCode(String(String.UnicodeScalarView(scalars[11..<(scalars.count - 3)])))
    }

    /// Reads the post `bytes`, found at `path` below the site root.
    /// - Parameter timeZone: the zone of a front-matter date written without an
    ///   offset (finews always writes one).
    /// - Throws: ``StoreError`` `.notAPost`, naming the file and what is missing,
    ///   for a file that is not a post finews can read back.
    public static func read(_ bytes: [UInt8], path: String, timeZone: TimeZone) throws(StoreError) -> PostFile {
        let name = (path as NSString).lastPathComponent
        guard let infoCode = infoCode(fromFileName: name) else {
            throw StoreError(.notAPost, "\(path): not a post (its name is not YYYY-MM-DD-<infoCode>.md)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw StoreError(.notAPost, "\(path): not a post (not UTF-8 text)")
        }
        guard let (fields, content) = FrontMatter.split(text) else {
            throw StoreError(.notAPost, "\(path): not a post (no front matter between --- lines)")
        }
        guard let dateField = fields["date"] else {
            throw StoreError(.notAPost, "\(path): the front matter has no date")
        }
        guard let dateText = FrontMatter.scalar(dateField), let date = FrontMatter.date(dateText, timeZone: timeZone)
        else {
            throw StoreError(.notAPost, "\(path): the front matter's date \(dateField) is not YYYY-MM-DD HH:MM:SS ±hhmm")
        }
        guard let categoryField = fields["categories"] ?? fields["category"] else {
            throw StoreError(.notAPost, "\(path): the front matter has no categories")
        }
        guard let category = FrontMatter.scalar(categoryField), FrontMatter.isCategory(category) else {
            throw StoreError(.notAPost, "\(path): the front matter's categories \(categoryField) is not one category "
                + "of letters, digits, '_' and '-'")
        }
        return PostFile(
            infoCode: infoCode, path: path, title: fields["title"].flatMap(FrontMatter.scalar), date: date,
            category: category, tag: fields["tags"].flatMap(FrontMatter.scalar), link: link(in: content),
            contentHash: ContentHash.of(bytes))
    }

    /// The link of the `<link>` line that ``PostRenderer`` writes above the footer
    /// line (`[返回<tag>](…)｜[返回首页](…)`), with Liquid's neutralized brace put back.
    static func link(in content: Substring) -> String? {
        // From the end: the body can be long, the last lines are short.
        let newline = UInt8(ascii: "\n")
        guard let footerBreak = content.utf8.lastIndex(of: newline),
              content[content.index(after: footerBreak)...].hasPrefix("[返回") else { return nil }
        let aboveFooter = content[..<footerBreak]
        guard aboveFooter.utf8.last == newline else { return nil }
        let linkEnd = aboveFooter.index(before: aboveFooter.endIndex)
        guard let lineBreak = aboveFooter[..<linkEnd].utf8.lastIndex(of: newline),
              aboveFooter[..<lineBreak].utf8.last == newline else { return nil }
        let line = aboveFooter[aboveFooter.index(after: lineBreak)..<linkEnd]
        guard line.hasPrefix("<"), line.hasSuffix(">"), line.utf8.count > 2, !line.contains(" ") else { return nil }
        let link = line.dropFirst().dropLast().replacingOccurrences(of: "&#123;", with: "{")
        let lower = link.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") ? link : nil
    }
}

/// Reads the front matter of the pages finews writes: `key: value` lines with
/// single-line YAML scalars (plain, single- or double-quoted).
enum FrontMatter {
    /// The fields of the front matter (values as written) and the content after it;
    /// nil when the text does not start with a `---` line closed by another.
    static func split(_ text: String) -> ([String: String], Substring)? {
        guard text.hasPrefix("---\n"),
              let close = text.range(of: "\n---\n", range: text.index(text.startIndex, offsetBy: 3)..<text.endIndex)
        else { return nil }
        let headerStart = text.index(text.startIndex, offsetBy: 4)
        let header = headerStart < close.lowerBound ? text[headerStart..<close.lowerBound] : ""
        var fields: [String: String] = [:]
        for line in header.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "#" else { continue }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = value }
        }
        return (fields, text[close.upperBound...])
    }

    /// The string a single-line YAML scalar stands for: a double-quoted scalar with
    /// its escapes read, a single-quoted one with `''` read as `'`, or a plain one
    /// without a trailing comment. Nil when the scalar is not closed on its line.
    static func scalar(_ written: String) -> String? {
        if written.hasPrefix("\"") { return doubleQuoted(written) }
        if written.hasPrefix("'") {
            var output = ""
            var rest = written.dropFirst()[...]
            while let quote = rest.firstIndex(of: "'") {
                output += rest[..<quote]
                rest = rest[rest.index(after: quote)...]
                guard rest.first == "'" else { return isTrailer(rest) ? output : nil }
                output += "'"
                rest = rest.dropFirst()
            }
            return nil
        }
        var plain = Substring(written)
        if let comment = plain.range(of: " #") { plain = plain[..<comment.lowerBound] }
        return plain.trimmingCharacters(in: .whitespaces)
    }

    /// Whether what follows a closing quote is nothing but spaces or a comment.
    private static func isTrailer(_ rest: Substring) -> Bool {
        let trimmed = rest.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    /// A double-quoted scalar's string (YAML 1.2 §5.7's escapes).
    private static func doubleQuoted(_ written: String) -> String? {
        var output = String.UnicodeScalarView()
        var scalars = written.unicodeScalars.dropFirst()[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\"":
                return isTrailer(Substring(String(scalars))) ? String(output) : nil
            case "\\":
                guard let escape = scalars.popFirst() else { return nil }
                let simple: [Unicode.Scalar: Unicode.Scalar] = [
                    "0": "\0", "a": "\u{07}", "b": "\u{08}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{0B}",
                    "f": "\u{0C}", "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\",
                    "N": "\u{85}", "_": "\u{A0}", "L": "\u{2028}", "P": "\u{2029}",
                ]
                if let replacement = simple[escape] {
                    output.append(replacement)
                    continue
                }
                let width: Int
                switch escape {
                case "x": width = 2
                case "u": width = 4
                case "U": width = 8
                default: return nil
                }
                let digits = String(String.UnicodeScalarView(scalars.prefix(width)))
                guard digits.unicodeScalars.count == width, let value = UInt32(digits, radix: 16),
                      let decoded = Unicode.Scalar(value) else { return nil }
                output.append(decoded)
                scalars = scalars.dropFirst(width)
            default:
                output.append(scalar)
            }
        }
        return nil
    }

    /// `YYYY-MM-DD HH:MM:SS ±hhmm` (or `±hh:mm`, or no offset: then in `timeZone`).
    static func date(_ text: String, timeZone: TimeZone) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":").compactMap { Int($0) }
        guard day.count == 3, parts[0].count == 10, time.count == 3, parts[1].count == 8,
              (1...12).contains(day[1]), (1...31).contains(day[2]), time[0] < 24, time[1] < 60, time[2] < 61
        else { return nil }
        let local = CivilTime.secondsSinceEpoch(
            year: day[0], month: day[1], day: day[2], hour: time[0], minute: time[1], second: time[2])
        guard parts.count == 3 else {
            // The zone's offset at that local time (ambiguous only within a DST change).
            let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(
                local - timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local))))))
            return Date(timeIntervalSince1970: TimeInterval(local - offset))
        }
        var zone = parts[2].replacingOccurrences(of: ":", with: "")[...]
        guard let sign = zone.popFirst(), sign == "+" || sign == "-", zone.count == 4,
              let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
        let offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        return Date(timeIntervalSince1970: TimeInterval(local - offset))
    }

    /// Whether `text` is a category finews writes: 1 to 200 ASCII letters, digits, `_` and `-`.
    static func isCategory(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
