public import Foundation

/// The syndication format a document was recognised as, sniffed from its root element.
public enum FeedFormat: String, Sendable, Hashable, CaseIterable {
    /// RSS 0.9x and 2.0 (`<rss>`).
    case rss
    /// RSS 1.0 and 0.90 (`<rdf:RDF>`).
    case rdf
    /// Atom 1.0 (`<feed xmlns="http://www.w3.org/2005/Atom">`).
    case atom
    /// Atom 0.3 (`<feed xmlns="http://purl.org/atom/ns#">`).
    case atom03
    /// JSON Feed 1.0 and 1.1.
    case json
    /// A JSON API answer read with a feed's `items` and `item.*` key paths.
    case jsonAPI = "json-api"
    /// An HTML list page read with a feed's `items` and `item.*` XPaths.
    case html
    /// Microsoft's Channel Definition Format (`<CHANNEL>`), read for its titles,
    /// abstracts, links and dates.
    case cdf
}

/// How a text construct is to be read: plain text, or HTML markup.
public enum TextKind: String, Sendable, Hashable {
    /// Characters to show as they are; markup in them is literal text.
    case text
    /// An HTML fragment.
    case html
}

/// A text construct of an entry (summary or content) together with how to read it.
///
/// The text is kept as the UTF-8 bytes the parser collected; ``value`` makes the
/// String when it is asked for. Most entries of a feed are stories finews has
/// already written, and their bodies are never looked at again.
public struct FeedText: Sendable, Hashable {
    /// The characters as UTF-8, already decoded from XML (CDATA and entities resolved).
    public let utf8: [UInt8]
    /// Whether the text is plain text or HTML.
    public var kind: TextKind

    /// The characters, as a String.
    public var value: String { String(decoding: utf8, as: UTF8.self) }

    /// Creates a text construct.
    public init(_ value: String, kind: TextKind) {
        self.utf8 = Array(value.utf8)
        self.kind = kind
    }

    /// Creates a text construct from UTF-8 bytes (invalid sequences read as U+FFFD).
    public init(utf8: [UInt8], kind: TextKind) {
        self.utf8 = utf8
        self.kind = kind
    }
}

/// A media object attached to an entry (Media RSS `media:content` or `media:thumbnail`).
public struct FeedMedia: Sendable, Hashable {
    /// The object's URL.
    public var url: String
    /// Its MIME type, if given.
    public var type: String?
    /// `image`, `video`, `audio`, ... or `thumbnail` for a `media:thumbnail`.
    public var medium: String?

    /// Creates a media object.
    public init(url: String, type: String? = nil, medium: String? = nil) {
        self.url = url
        self.type = type
        self.medium = medium
    }
}

/// The RSS syndication module's `sy:updatePeriod`.
public enum UpdatePeriod: String, Sendable, Hashable {
    case hourly, daily, weekly, monthly, yearly

    /// The period's length in seconds.
    public var seconds: Int {
        switch self {
        case .hourly: 3600
        case .daily: 86_400
        case .weekly: 7 * 86_400
        case .monthly: 30 * 86_400
        case .yearly: 365 * 86_400
        }
    }
}

/// One entry (RSS item, Atom entry) as the document states it, before any policy
/// (infoCode, dates in the site's zone, sanitizing) is applied.
public struct FeedEntry: Sendable, Hashable {
    /// The guid (RSS), id (Atom) or `rdf:about` (RSS 1.0); nil when the entry has none.
    public var id: String?
    /// The title as plain text: entities decoded, markup stripped, whitespace collapsed.
    public var title: String?
    /// The entry's main link, resolved against `xml:base` where one is in scope.
    public var link: String?
    /// When the entry was first published, if the document says so and the date parses.
    public var published: Date?
    /// When the entry was last updated, if the document says so and the date parses.
    public var updated: Date?
    /// The author as written (RSS) or `Name (email)` (Atom).
    public var author: String?
    /// The short description (RSS `description`, Atom `summary`).
    public var summary: FeedText?
    /// The full body (`content:encoded`, Atom `content`), when present.
    public var content: FeedText?
    /// Category terms in document order.
    public var categories: [String]
    /// The outlet the story comes from (RSS `<source>`, `dc:source`), when named.
    public var source: String?
    /// The `xml:base` in scope for the entry's content, used to resolve relative URLs.
    public var baseURL: String?
    /// Images, audio and video attached with Media RSS.
    public var media: [FeedMedia]
    /// A second summary-like element that came before any content element (a
    /// longer `itunes:summary` after the `description`, say). Other feed readers
    /// show it as the first content; finews does not publish it.
    public var secondarySummary: FeedText?
    /// False for an entry cut off by the end of a truncated document: its fields
    /// may be partial, so finews does not publish it.
    public var isComplete: Bool

    /// Creates an entry; every field is optional so partial entries survive broken input.
    public init(
        id: String? = nil, title: String? = nil, link: String? = nil,
        published: Date? = nil, updated: Date? = nil, author: String? = nil,
        summary: FeedText? = nil, content: FeedText? = nil, categories: [String] = [],
        source: String? = nil, baseURL: String? = nil, media: [FeedMedia] = [],
        secondarySummary: FeedText? = nil, isComplete: Bool = true
    ) {
        self.isComplete = isComplete
        self.media = media
        self.secondarySummary = secondarySummary
        self.id = id
        self.title = title
        self.link = link
        self.published = published
        self.updated = updated
        self.author = author
        self.summary = summary
        self.content = content
        self.categories = categories
        self.source = source
        self.baseURL = baseURL
    }
}

/// A parsed feed document: channel metadata and its entries in document order.
public struct Feed: Sendable, Hashable {
    /// The format the document was recognised as.
    public var format: FeedFormat
    /// The channel or feed title, as plain text.
    public var title: String?
    /// The site the feed belongs to (its main alternate link).
    public var link: String?
    /// The declared language (`<language>`, `xml:lang` on the root), if any.
    public var language: String?
    /// The publisher's refresh hint in minutes (RSS `ttl`), handed on to the scheduler.
    public var ttlMinutes: Int?
    /// The syndication module's hint: updates happen `updateFrequency` times per `updatePeriod`.
    public var updatePeriod: UpdatePeriod?
    public var updateFrequency: Int?
    /// The entries in document order.
    public var entries: [FeedEntry]
    /// The publisher's suggested time between checks, from `ttl` or the syndication
    /// module, in seconds; nil when the feed gives no hint.
    public var refreshHintSeconds: Int? {
        if let ttlMinutes, ttlMinutes > 0 { return ttlMinutes * 60 }
        if let updatePeriod { return updatePeriod.seconds / max(1, updateFrequency ?? 1) }
        return nil
    }

    /// The character encoding the bytes were decoded from (a normalized label, such as `gb18030`).
    public var encoding: String

    /// Creates a feed.
    public init(
        format: FeedFormat, title: String? = nil, link: String? = nil, language: String? = nil,
        ttlMinutes: Int? = nil, updatePeriod: UpdatePeriod? = nil, updateFrequency: Int? = nil,
        entries: [FeedEntry] = [], encoding: String = "utf-8"
    ) {
        self.updatePeriod = updatePeriod
        self.updateFrequency = updateFrequency
        self.format = format
        self.title = title
        self.link = link
        self.language = language
        self.ttlMinutes = ttlMinutes
        self.entries = entries
        self.encoding = encoding
    }
}
