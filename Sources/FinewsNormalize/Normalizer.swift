public import Foundation
public import FinewsParse

/// A post's title (plain text, never empty) and body (sanitized HTML), as
/// ``Normalizer/text(for:infoCode:)`` makes them.
public struct PostText: Sendable, Hashable {
    /// The title as plain text.
    public var title: String
    /// The sanitized body HTML.
    public var body: String
    /// Whether the entry had neither a title nor words to make one, so that the
    /// title is the infoCode the text was made for.
    public var isTitledByCode = false

    /// Creates a text.
    public init(title: String, body: String) {
        self.title = title
        self.body = body
    }

    /// The same text for a story known under `code`: only a title that is the
    /// infoCode changes.
    public func titled(by code: InfoCode) -> PostText {
        guard isTitledByCode else { return self }
        var text = self
        text.title = code.value
        return text
    }
}

/// Turns a feed's entries into posts: picks the richest body, sanitizes it,
/// resolves relative URLs, chooses the title and the date (DESIGN.md §2).
public struct Normalizer: Sendable {
    /// Where a post goes: the category and tag of a feed, or of one entry.
    public struct FeedSettings: Sendable, Hashable {
        /// The category slug for the feed's posts.
        public var category: String
        /// The tag for the feed's posts.
        public var tag: String

        /// Creates settings.
        public init(category: String, tag: String) {
            self.category = category
            self.tag = tag
        }
    }

    private let settings: FeedSettings
    private let sanitizer = HTMLSanitizer()

    /// Creates a normalizer for one feed.
    public init(settings: FeedSettings) {
        self.settings = settings
    }

    /// The post for `entry`, in the feed's category and tag.
    /// - Parameters:
    ///   - infoCode: the entry's code, from ``InfoCodeAssigner``.
    ///   - firstSeen: when finews first saw the story (stored, so it never changes).
    ///   - now: the current time; dates more than a day ahead of it are not trusted.
    public func post(for entry: FeedEntry, infoCode: InfoCode, firstSeen: Date, now: Date) -> Post {
        post(for: entry, infoCode: infoCode, firstSeen: firstSeen, now: now, filedAs: settings)
    }

    /// The post for `entry` in the category and tag given, which ``FeedFiling``
    /// chose for this entry (from its outlet, say) instead of the feed's.
    ///
    /// - Parameter text: the entry's ``text(for:infoCode:)`` for the same `infoCode`,
    ///   when it was made beforehand (on another core, say); made here otherwise.
    public func post(
        for entry: FeedEntry, infoCode: InfoCode, firstSeen: Date, now: Date, filedAs filing: FeedSettings,
        text prepared: PostText? = nil
    ) -> Post {
        let text = prepared ?? text(for: entry, infoCode: infoCode)
        var date = entry.published ?? entry.updated ?? firstSeen
        if date.timeIntervalSince(now) > 86_400 { date = firstSeen }
        return Post(
            infoCode: infoCode, title: text.title, date: date, category: filing.category, tag: filing.tag,
            body: text.body, link: entry.link.map { UnicodeWhitespace.trimmed($0, newlines: true) })
    }

    /// The post's title and body (safe HTML) for `entry`: what ``post(for:infoCode:firstSeen:now:filedAs:text:)``
    /// writes, and what near-copies are compared by. Sanitizing the body is most of a
    /// post's cost; it depends only on the entry (and, for an entry with no title and
    /// no text, on `infoCode`), so it can be made ahead of the post.
    public func text(for entry: FeedEntry, infoCode: InfoCode) -> PostText {
        let body = Self.withoutControlCharacters(self.body(for: entry))
        var title = entry.title.map { HTMLText.collapseWhitespace(Self.withoutControlCharacters($0)) } ?? ""
        if title.isEmpty { title = Self.firstWords(of: HTMLText.plainText(fromHTML: body)) }
        var titledByCode = false
        if title.isEmpty {
            title = infoCode.value
            titledByCode = true
        }
        var text = PostText(title: title, body: body)
        text.isTitledByCode = titledByCode
        return text
    }

    /// The richest text of the entry as safe HTML: content over summary; plain text
    /// is escaped and split into paragraphs.
    func body(for entry: FeedEntry) -> String {
        guard let text = entry.content ?? entry.summary else { return "" }
        switch text.kind {
        case .text:
            return Self.paragraphs(fromPlainText: text.value)
        case .html:
            let base = entry.baseURL ?? entry.link
            return UnicodeWhitespace.trimmed(sanitizer.sanitize(text.value, baseURL: base), newlines: true)
        }
    }

    /// The text without the C0 control characters that neither XML nor HTML allow
    /// (tab, line feed and carriage return stay). Feeds carry them by accident.
    static func withoutControlCharacters(_ text: String) -> String {
        var text = text
        // In UTF-8 these characters are exactly the bytes below 0x20, which never
        // occur inside a longer sequence, so the bytes can be filtered directly.
        return text.withUTF8 { utf8 -> String? in
            guard hasDroppedControl(utf8) else { return nil }
            return String(decoding: utf8.filter { !isDroppedControl($0) }, as: UTF8.self)
        } ?? text
    }

    /// Whether `utf8` holds a byte to drop. Bodies are long and almost never
    /// hold one: eight bytes are tested at a time for a byte below 0x20 (the
    /// borrow trick: a byte's high bit survives `word - 0x20…` and `~word`
    /// only when the byte is below 0x20), and only such words byte by byte.
    private static func hasDroppedControl(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        if let base = UnsafeRawPointer(utf8.baseAddress) {
            while index + 8 <= utf8.count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080 != 0,
                   utf8[index..<index + 8].contains(where: isDroppedControl) {
                    return true
                }
                index += 8
            }
        }
        return utf8[index...].contains(where: isDroppedControl)
    }

    @inline(__always)
    private static func isDroppedControl(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D
    }

    /// Plain text as HTML: escaped, one `<p>` per paragraph (paragraphs are separated by blank lines).
    static func paragraphs(fromPlainText text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        return normalized.components(separatedBy: "\n\n")
            .map { UnicodeWhitespace.trimmed($0, newlines: true) }
            .filter { !$0.isEmpty }
            .map { "<p>" + HTMLText.escape($0).replacingOccurrences(of: "\n", with: "<br>\n") + "</p>" }
            .joined(separator: "\n")
    }

    /// The first words of a text, for an entry without a title: at most 60
    /// characters, cut at a space when the text has spaces, with an ellipsis.
    static func firstWords(of text: String) -> String {
        guard text.count > 60 else { return text }
        var cut = String(text.prefix(60))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) >= 20 {
            cut = String(cut[..<space])
        }
        return cut + "…"
    }
}
