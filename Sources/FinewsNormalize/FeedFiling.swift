import Foundation
public import FinewsParse

/// Where a feed's posts go: its `category` and `tag` templates, filled in for
/// each entry. With plain strings every post of the feed goes to the same place;
/// with `{source|slug}` an aggregated feed files each story under its own outlet.
public struct FeedFiling: Sendable, Hashable {
    /// The feed's `name`: the value of `{feed}` and the fallback category.
    public var feedName: String
    public var category: FilingTemplate
    public var tag: FilingTemplate

    /// Creates the filing of one feed. `category` must only ever render safe file
    /// names: literal `[A-Za-z0-9_-]` and `|slug` or `{feed}` placeholders (the
    /// configuration reader checks this).
    public init(feedName: String, category: FilingTemplate, tag: FilingTemplate) {
        self.feedName = feedName
        self.category = category
        self.tag = tag
    }

    /// Where one entry goes.
    public struct Filed: Sendable, Hashable {
        /// The post's category and tag.
        public var settings: Normalizer.FeedSettings
        /// The outlet whose slug names the category (the value behind `|slug`),
        /// nil for a plain category or the fallback.
        public var outlet: String?

        /// Creates a filing.
        public init(settings: Normalizer.FeedSettings, outlet: String?) {
            self.settings = settings
            self.outlet = outlet
        }
    }

    /// The category and tag of `entry`.
    ///
    /// A category whose `|slug` comes out empty (an outlet named only in
    /// punctuation), or that renders empty, falls back to the feed's name, its
    /// default category. A tag that renders empty falls back to the name too.
    /// - Parameters:
    ///   - feedTitle: the feed document's title, for `{source}` when the entry
    ///     names neither a source nor an author.
    ///   - slugs: assigns and remembers slugs; new ones are in its `changes`.
    public func filed(_ entry: FeedEntry, feedTitle: String?, slugs: inout SlugRegistry) -> Filed {
        if let category = category.plainText, let tag = tag.plainText {
            return Filed(settings: .init(category: category, tag: tag), outlet: nil)
        }
        // Both values are normalized through the registry, which remembers the
        // key of each name: the entries of a feed share a handful of names.
        let source = Self.outlet(of: entry, feedTitle: feedTitle, feedName: feedName, keys: &slugs)
        let author = Self.cleaned(entry.author, keys: &slugs) ?? ""
        let value = { (placeholder: FilingTemplate.Placeholder) -> String in
            switch placeholder {
            case .source: source
            case .author: author
            case .feed: feedName
            }
        }
        let categoryRendering = category.render(value) { slugs.slug(for: $0) }
        var filedCategory = categoryRendering.text
        var outlet = categoryRendering.slugged.isEmpty ? nil : categoryRendering.slugged.joined(separator: " / ")
        if categoryRendering.hasEmptySlug || !Self.isSafeCategory(filedCategory) {
            filedCategory = feedName
            outlet = nil
        }
        var filedTag = UnicodeWhitespace.trimmed(tag.render(value) { slugs.slug(for: $0) }.text, newlines: false)
        if filedTag.isEmpty { filedTag = feedName }
        return Filed(settings: .init(category: filedCategory, tag: filedTag), outlet: outlet)
    }

    /// The value of `{source}`: the entry's source (RSS `<source>`, `dc:source`,
    /// `dc:publisher`, Atom `<source><title>`), else its author, else the feed's
    /// title, else the feed's name; normalized as ``SlugRegistry/key(_:)`` does.
    public static func outlet(of entry: FeedEntry, feedTitle: String?, feedName: String) -> String {
        var keys = SlugRegistry(stored: [:])
        return outlet(of: entry, feedTitle: feedTitle, feedName: feedName, keys: &keys)
    }

    private static func outlet(
        of entry: FeedEntry, feedTitle: String?, feedName: String, keys: inout SlugRegistry
    ) -> String {
        cleaned(entry.source, keys: &keys) ?? cleaned(entry.author, keys: &keys) ?? cleaned(feedTitle, keys: &keys)
            ?? feedName
    }

    /// Whether `text` can name a category page: 1 to 200 ASCII letters, digits,
    /// `_` and `-`. The configuration reader only accepts templates that render
    /// such names; this is the last guard before a path is made from one.
    static func isSafeCategory(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    private static func cleaned(_ text: String?, keys: inout SlugRegistry) -> String? {
        guard let text else { return nil }
        let key = keys.key(text)
        return key.isEmpty ? nil : key
    }
}
