import Foundation

/// A feed's `category` or `tag` as written in feeds.conf: text with placeholders
/// filled from each entry, such as `{source|slug}` or `{source}新闻`.
///
/// The syntax is small on purpose. `{name}` is a placeholder and `{name|slug}` the
/// same value through the ``Slug`` filter; `{{` and `}}` are literal braces; any
/// other brace is an error. Text without braces is a plain string and means what
/// it always meant. Templates are parsed once, when the configuration is read.
public struct FilingTemplate: Sendable, Hashable {
    /// The values a placeholder can name.
    public enum Placeholder: String, CaseIterable, Sendable {
        /// The outlet the story comes from: RSS `<source>`, `dc:source`,
        /// `dc:publisher` or Atom `<source><title>`; else the entry's author; else
        /// the feed document's title; else the feed's name.
        case source
        /// The entry's author, or nothing.
        case author
        /// The feed's `name` in feeds.conf.
        case feed
    }

    /// What a placeholder's value can be passed through.
    public enum Filter: String, CaseIterable, Sendable {
        /// ``Slug/make(from:)``, made unique per outlet by a ``SlugRegistry``.
        case slug
    }

    /// A run of literal text or one placeholder.
    public enum Part: Sendable, Hashable {
        case text(String)
        case value(Placeholder, filter: Filter?)
    }

    /// Why a template could not be read; ``written`` and ``name`` let the
    /// configuration reader word the message and suggest a fix.
    public struct ParseError: Error, Sendable, Hashable {
        /// The kind of mistake.
        public enum Code: Sendable, Hashable {
            /// `{sorce}`: ``name`` is not a ``Placeholder``.
            case unknownPlaceholder
            /// `{source|slgu}`: ``name`` is not a ``Filter``.
            case unknownFilter
            /// `{source|slug|slug}`: a placeholder takes one filter.
            case tooManyFilters
            /// A `{` with no `}` after it.
            case unclosedBrace
            /// A `}` that closes nothing.
            case strayClosingBrace
        }

        public var code: Code
        /// The placeholder as written, braces included (`{sorce|slug}`), or the brace.
        public var written: String
        /// The unknown placeholder or filter name (empty for brace errors).
        public var name: String

        /// Creates an error.
        public init(code: Code, written: String, name: String) {
            self.code = code
            self.written = written
            self.name = name
        }
    }

    /// The template's parts in order; empty for the empty string.
    public let parts: [Part]

    /// A template that is `text` exactly, braces included.
    public init(plain text: String) {
        parts = text.isEmpty ? [] : [.text(text)]
    }

    /// Reads a template.
    /// - Throws: ``ParseError`` for an unknown placeholder or filter, or a brace that
    ///   is neither part of a placeholder nor doubled.
    public init(parsing text: String) throws(ParseError) {
        // Most templates are plain text (a tag or category named outright): no brace,
        // no placeholder, and no need to walk the text by characters.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) {
            parts = text.isEmpty ? [] : [.text(text)]
            return
        }
        var parts: [Part] = []
        var literal = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "{" where next == "{", "}" where next == "}":
                literal.append(character)
                index += 2
            case "{":
                guard let close = characters[(index + 1)...].firstIndex(of: "}") else {
                    throw ParseError(code: .unclosedBrace, written: String(characters[index...].prefix(24)), name: "")
                }
                let written = String(characters[index...close])
                if !literal.isEmpty {
                    parts.append(.text(literal))
                    literal = ""
                }
                parts.append(try Self.placeholder(String(characters[(index + 1)..<close]), written: written))
                index = close + 1
            case "}":
                throw ParseError(code: .strayClosingBrace, written: "}", name: "")
            default:
                literal.append(character)
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// `name` or `name|filter`, spaces around either allowed.
    private static func placeholder(_ inner: String, written: String) throws(ParseError) -> Part {
        let pieces = inner.split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let placeholder = Placeholder(rawValue: pieces[0]) else {
            throw ParseError(code: .unknownPlaceholder, written: written, name: pieces[0])
        }
        guard pieces.count > 1 else { return .value(placeholder, filter: nil) }
        guard let filter = Filter(rawValue: pieces[1]) else {
            throw ParseError(code: .unknownFilter, written: written, name: pieces[1])
        }
        guard pieces.count == 2 else { throw ParseError(code: .tooManyFilters, written: written, name: pieces[2]) }
        return .value(placeholder, filter: filter)
    }

    /// The text, when the template has no placeholders.
    public var plainText: String? {
        var text = ""
        for part in parts {
            guard case .text(let literal) = part else { return nil }
            text += literal
        }
        return text
    }

    /// The placeholders, in order.
    public var placeholders: [(placeholder: Placeholder, filter: Filter?)] {
        parts.compactMap { part in
            if case .value(let placeholder, let filter) = part { return (placeholder, filter) }
            return nil
        }
    }

    /// The literal text between the placeholders, joined.
    public var literalText: String {
        parts.map { part in
            if case .text(let literal) = part { return literal }
            return ""
        }.joined()
    }

    /// What rendering produced.
    public struct Rendering: Sendable, Hashable {
        /// The filled-in text.
        public var text: String
        /// The values that went through `|slug`, in order.
        public var slugged: [String]
        /// Whether one of them had an empty slug (nothing but punctuation, say).
        public var hasEmptySlug: Bool

        /// Creates a rendering.
        public init(text: String, slugged: [String], hasEmptySlug: Bool) {
            self.text = text
            self.slugged = slugged
            self.hasEmptySlug = hasEmptySlug
        }
    }

    /// Fills the placeholders with `value`, passing `|slug` values through `slug`.
    public func render(_ value: (Placeholder) -> String, slug: (String) -> String) -> Rendering {
        var rendering = Rendering(text: "", slugged: [], hasEmptySlug: false)
        for part in parts {
            switch part {
            case .text(let literal):
                rendering.text += literal
            case .value(let placeholder, nil):
                rendering.text += value(placeholder)
            case .value(let placeholder, .slug?):
                let text = value(placeholder)
                let slugged = slug(text)
                rendering.slugged.append(text)
                if slugged.isEmpty { rendering.hasEmptySlug = true }
                rendering.text += slugged
            }
        }
        return rendering
    }
}
