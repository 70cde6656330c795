public import FinewsNormalize
public import Foundation
public import FinewsParse

/// Renders posts and category pages to the exact bytes finews writes (DESIGN.md §2, §3).
public struct PostRenderer: Sendable {
    /// The site's base URL as used in links (`//finews.withounder.com`), without a trailing slash.
    public var baseURL: String
    /// The zone dates are shown in.
    public var timeZone: TimeZone
    /// Extra front matter and the date format (`[post]`); the default renders the reference post.
    public var options: Options

    /// What a post holds beyond the reference post model (feeds.conf `[post]`).
    public struct Options: Sendable, Hashable {
        /// A front matter field written after the reference ones (the names of feeds.conf).
        public enum Field: String, Sendable, Hashable, CaseIterable {
            case author
            case originalURL = "original_url"
            case description
            case lastModifiedAt = "last_modified_at"
            case image
            case infocode
        }

        /// How dates are written.
        public enum DateFormat: String, Sendable, Hashable {
            /// `2022-03-02 08:08:45 +0800`.
            case reference
            /// `2022-03-02T08:08:45+08:00`.
            case rfc3339
        }

        /// The extra fields, in the order they are written.
        public var frontMatter: [Field]
        public var dateFormat: DateFormat

        /// Creates options; the defaults render the reference post.
        public init(frontMatter: [Field] = [], dateFormat: DateFormat = .reference) {
            self.frontMatter = frontMatter
            self.dateFormat = dateFormat
        }
    }

    /// What the extra front matter takes from the entry and the state, beyond the ``Post``.
    public struct Extras: Sendable, Hashable {
        /// The entry's author as written.
        public var author: String?
        /// Images attached to the entry (Media RSS, enclosures), used when the body has none.
        public var media: [FeedMedia]
        /// When the post is being rewritten; nil on its first write.
        public var lastModified: Date?

        /// Creates extras.
        public init(author: String? = nil, media: [FeedMedia] = [], lastModified: Date? = nil) {
            self.author = author
            self.media = media
            self.lastModified = lastModified
        }

        /// What `entry` adds to its post besides its text: its author and images.
        package init(of entry: FeedEntry) {
            self.init(author: entry.author, media: entry.media)
        }
    }

    /// The length of `description`, in characters.
    public static let descriptionLength = 150

    /// Creates a renderer.
    public init(baseURL: String, timeZone: TimeZone, options: Options = Options()) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeZone = timeZone
        self.options = options
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
        renderedBytes(post, extras: Extras())
    }

    /// The post file's bytes with the extra front matter of ``options``, filled from
    /// `post` and `extras`; a field without a value (no author, say) is left out.
    public func renderedBytes(_ post: Post, extras: Extras) -> [UInt8] {
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
        if !options.frontMatter.isEmpty { appendExtraFields(post, extras: extras, to: &output) }
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

    /// `YYYY-MM-DD HH:MM:SS ±hhmm` in the site's zone (`YYYY-MM-DDTHH:MM:SS±hh:mm` with ``Options/DateFormat/rfc3339``).
    public func dateString(_ date: Date) -> String {
        var output: [UInt8] = []
        appendDate(date, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The fields of ``Options/frontMatter`` that have a value, each on its own line
    /// (after a newline), as YAML that reads back as the value.
    private func appendExtraFields(_ post: Post, extras: Extras, to output: inout [UInt8]) {
        for field in options.frontMatter {
            let value: String?
            switch field {
            case .author:
                value = extras.author.map { HTMLText.collapseWhitespace(Self.withoutControls($0)) }
            case .originalURL:
                value = post.link
            case .description:
                value = Self.description(ofHTML: post.body)
            case .lastModifiedAt:
                guard let date = extras.lastModified else { continue }
                output.append(contentsOf: "\nlast_modified_at: ".utf8)
                appendDate(date, to: &output)
                continue
            case .image:
                value = Self.firstImage(inHTML: post.body) ?? Self.firstImage(in: extras.media)
            case .infocode:
                output.append(contentsOf: "\ninfocode: ".utf8)
                YAML.appendScalar(post.infoCode.value, to: &output)
                continue
            }
            guard let value, !value.isEmpty else { continue }
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: field.rawValue.utf8)
            output.append(contentsOf: ": ".utf8)
            YAML.appendDoubleQuoted(value, to: &output)
        }
    }

    /// The first ``descriptionLength`` characters of the body's text: tags removed
    /// (an inline tag reads as nothing, a block boundary as a space, except next to
    /// Chinese characters or full-width punctuation, which are not spaced), entities
    /// decoded, whitespace collapsed.
    static func description(ofHTML html: String) -> String {
        // U+E000 (private use) marks a block boundary until the spaces are settled.
        let boundary: Character = "\u{E000}"
        var text = ""
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[rest.endIndex...]
                break
            }
            let name = rest[rest.index(after: open)..<close].drop { $0 == "/" }
                .prefix { $0.isLetter || $0.isNumber }.lowercased()
            if blockElements.contains(name) { text.append(boundary) }
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        let characters = Array(Self.withoutControls(HTMLText.decodeEntities(text)))
        var output = ""
        var index = 0
        while index < characters.count, output.count < descriptionLength {
            let character = characters[index]
            guard character == boundary || character.isWhitespace else {
                output.append(character)
                index += 1
                continue
            }
            // A run of spaces and boundaries becomes one space, or none.
            var end = index
            var atBoundary = false
            while end < characters.count, characters[end] == boundary || characters[end].isWhitespace {
                atBoundary = atBoundary || characters[end] == boundary
                end += 1
            }
            let previous = output.last
            let next = end < characters.count ? characters[end] : nil
            if let previous, let next, !(atBoundary && (isWide(previous) || isWide(next))) {
                output.append(" ")
            }
            index = end
        }
        while output.last == " " { output.removeLast() }
        return output
    }

    private static let blockElements: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
        "blockquote", "pre", "section", "article", "figure", "figcaption", "hr", "dd", "dt", "dl",
    ]

    /// Han, kana, Hangul, and full-width or CJK punctuation: text that is not spaced.
    private static func isWide(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x2E80...0x303F, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
             0xFE30...0xFE4F, 0xFF00...0xFFEF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The `src` of the first `<img>` in sanitized HTML (whose URLs are already absolute).
    static func firstImage(inHTML html: String) -> String? {
        var rest = html[...]
        while let tag = rest.range(of: "<img", options: .caseInsensitive) {
            rest = rest[tag.upperBound...]
            guard let end = rest.firstIndex(of: ">") else { return nil }
            let attributes = rest[..<end]
            if let src = attributes.range(of: "src=", options: .caseInsensitive) {
                var value = attributes[src.upperBound...]
                let quote = value.first
                if quote == "\"" || quote == "'" {
                    value = value.dropFirst()
                    if let close = value.firstIndex(of: quote ?? "\"") { value = value[..<close] }
                } else if let space = value.firstIndex(where: { $0 == " " || $0 == "/" }) {
                    value = value[..<space]
                }
                let url = HTMLText.decodeEntities(String(value)).trimmingCharacters(in: .whitespacesAndNewlines)
                if url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("//") { return url }
            }
            rest = rest[end...]
        }
        return nil
    }

    /// The first image attached to the entry: a Media RSS image or thumbnail, or an enclosure of an image type.
    static func firstImage(in media: [FeedMedia]) -> String? {
        media.first { item in
            item.medium == "image" || item.medium == "thumbnail" || (item.type?.hasPrefix("image/") ?? false)
        }?.url
    }

    /// The text without C0 controls other than tab, line feed and carriage return.
    private static func withoutControls(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else { return text }
        return String(text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            .map(Character.init))
    }

    private func appendDate(_ date: Date, to output: inout [UInt8]) {
        let offset = timeZone.secondsFromGMT(for: date)
        let parts = CivilTimeComponents(date: date, offset: offset)
        parts.appendDay(to: &output)
        if options.dateFormat == .rfc3339 {
            output.append(UInt8(ascii: "T"))
            appendPadded(parts.hour, to: &output)
            output.append(UInt8(ascii: ":"))
            appendPadded(parts.minute, to: &output)
            output.append(UInt8(ascii: ":"))
            appendPadded(parts.second, to: &output)
            output.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            appendPadded(abs(offset) / 3600, to: &output)
            output.append(UInt8(ascii: ":"))
            appendPadded(abs(offset) % 3600 / 60, to: &output)
            return
        }
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
