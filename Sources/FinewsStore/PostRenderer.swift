public import FinewsNormalize
public import Foundation
import FinewsParse

/// Renders posts and category pages to the exact bytes finews writes (DESIGN.md §2, §3).
public struct PostRenderer: Sendable {
    /// The site's base URL as used in links (`//finews.withounder.com`), without a trailing slash.
    public var baseURL: String
    /// The zone dates are shown in.
    public var timeZone: TimeZone

    /// Creates a renderer.
    public init(baseURL: String, timeZone: TimeZone) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeZone = timeZone
    }

    /// The post's path below the site root: `_posts/YYYY-MM-DD-<infoCode>.md`.
    public func relativePath(for post: Post) -> String {
        "_posts/\(dayString(post.date))-\(post.infoCode.value).md"
    }

    /// The category page's path below the site root: `category/<category>.html`.
    public func categoryPagePath(for category: String) -> String {
        "category/\(category).html"
    }

    /// The post file's contents. There is no newline after the last line.
    public func render(_ post: Post) -> String {
        String(decoding: renderedBytes(post), as: UTF8.self)
    }

    /// ``render(_:)`` as the UTF-8 bytes to write, built in one buffer.
    public func renderedBytes(_ post: Post) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(post.body.utf8.count + post.title.utf8.count + 2 * post.tag.utf8.count
                                  + (post.link?.utf8.count ?? 0) + 2 * baseURL.utf8.count + 256)
        output.append(contentsOf: "---\nlayout: post\ntitle: ".utf8)
        YAML.appendDoubleQuoted(post.title, to: &output)
        output.append(contentsOf: "\ndate: ".utf8)
        appendDate(post.date, to: &output)
        output.append(contentsOf: "\ncategories: ".utf8)
        YAML.appendScalar(post.category, to: &output)
        output.append(contentsOf: "\ntags: ".utf8)
        YAML.appendScalar(post.tag, to: &output)
        if let original = post.duplicateOf {
            // Last, so that other optional fields go before it.
            output.append(contentsOf: "\nduplicate_of: ".utf8)
            YAML.appendScalar(original.value, to: &output)
        }
        output.append(contentsOf: "\n---\n".utf8)
        // The content: everything below the front matter, where Liquid is neutralized.
        let content = output.count
        let wrapped = MarkdownGuard.needsWrapper(post.body)
        if wrapped { output.append(contentsOf: "<div>\n".utf8) }
        output.append(contentsOf: post.body.utf8)
        if wrapped { output.append(contentsOf: "\n</div>".utf8) }
        if let link = post.link, !link.isEmpty {
            output.append(contentsOf: "\n\n<".utf8)
            Self.appendAutolinkSafe(link, to: &output)
            output.append(UInt8(ascii: ">"))
        }
        output.append(contentsOf: "\n\n[返回".utf8)
        output.append(contentsOf: Self.markdownLinkText(post.tag).utf8)
        output.append(contentsOf: "](".utf8)
        output.append(contentsOf: baseURL.utf8)
        output.append(contentsOf: "/category/".utf8)
        output.append(contentsOf: post.category.utf8)
        output.append(contentsOf: ".html)｜[返回首页](".utf8)
        output.append(contentsOf: baseURL.utf8)
        output.append(contentsOf: "/)".utf8)
        Liquid.neutralize(&output, from: content)
        return output
    }

    /// The category page, written once when a category first appears.
    public func renderCategoryPage(category: String, tag: String) -> String {
        "---\nlayout: category\ntitle: \(YAML.scalar(tag))\ncategory: \(YAML.scalar(category))\n---\n"
    }

    /// `YYYY-MM-DD HH:MM:SS ±hhmm` in the site's zone.
    public func dateString(_ date: Date) -> String {
        var output: [UInt8] = []
        appendDate(date, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private func appendDate(_ date: Date, to output: inout [UInt8]) {
        let offset = timeZone.secondsFromGMT(for: date)
        let parts = CivilTimeComponents(date: date, offset: offset)
        parts.appendDay(to: &output)
        output.append(UInt8(ascii: " "))
        appendPadded(parts.hour, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(parts.minute, to: &output)
        output.append(UInt8(ascii: ":"))
        appendPadded(parts.second, to: &output)
        output.append(UInt8(ascii: " "))
        output.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let absolute = abs(offset)
        appendPadded(absolute / 3600, to: &output)
        appendPadded(absolute % 3600 / 60, to: &output)
    }

    /// `YYYY-MM-DD` in the site's zone.
    public func dayString(_ date: Date) -> String {
        var output: [UInt8] = []
        CivilTimeComponents(date: date, offset: timeZone.secondsFromGMT(for: date)).appendDay(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Percent-encodes what would end or break a Markdown autolink.
    static func autolinkSafe(_ link: String) -> String {
        var output: [UInt8] = []
        appendAutolinkSafe(link, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends ``autolinkSafe(_:)`` of `link`. Every character it changes is ASCII,
    /// so it works on the bytes.
    static func appendAutolinkSafe(_ link: String, to output: inout [UInt8]) {
        for byte in link.utf8 {
            switch byte {
            case UInt8(ascii: " "): output.append(contentsOf: "%20".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "%3C".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "%3E".utf8)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: output.append(byte)
            }
        }
    }

    /// Escapes what Markdown would read in a link's text: brackets, backslashes,
    /// emphasis and code marks, and angle brackets.
    static func markdownLinkText(_ text: String) -> String {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // In ASCII every byte is a character.
            guard utf8.contains(where: isLinkTextMark) else { return text }
            var output: [UInt8] = []
            for byte in utf8 {
                if isLinkTextMark(byte) { output.append(UInt8(ascii: "\\")) }
                output.append(byte)
            }
            return String(decoding: output, as: UTF8.self)
        }
        // Tags seldom hold a mark: then the text is its own escape. U+1FEF (Greek
        // varia) is canonically the grave accent, so as a character it is one too.
        if !utf8.contains(where: isLinkTextMark), !text.unicodeScalars.contains("\u{1FEF}") { return text }
        // Otherwise characters decide: a mark with a combining accent is not the mark.
        var output = ""
        for character in text {
            if "[]\\*_`<>".contains(character) { output += "\\" }
            output.append(character)
        }
        return output
    }

    private static func isLinkTextMark(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"), UInt8(ascii: "*"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            true
        default:
            false
        }
    }
}

/// `value` in decimal with leading zeros to `width` digits, as ``CivilTime/zeroPadded(_:width:)``.
private func appendPadded(_ value: Int, width: Int = 2, to output: inout [UInt8]) {
    guard value >= 0 else {
        output.append(contentsOf: CivilTime.zeroPadded(value, width: width).utf8)
        return
    }
    // The digits from the last, the zeros, then all of it turned around.
    let start = output.count
    var rest = value
    repeat {
        output.append(UInt8(ascii: "0") + UInt8(rest % 10))
        rest /= 10
    } while rest > 0
    while output.count - start < width { output.append(UInt8(ascii: "0")) }
    output[start...].reverse()
}

/// The calendar fields of an instant shifted by a zone offset.
private struct CivilTimeComponents {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    init(date: Date, offset: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        (year, month, day, hour, minute, second) = CivilTime.components(secondsSinceEpoch: seconds)
    }

    /// Appends `YYYY-MM-DD`.
    func appendDay(to output: inout [UInt8]) {
        appendPadded(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(month, to: &output)
        output.append(UInt8(ascii: "-"))
        appendPadded(day, to: &output)
    }
}
