public import FinewsParse
import Foundation

/// One `block` or `keep` rule of feeds.conf: `"title=(?i)广告|推广"`, a story field
/// and a regular expression (ICU syntax, as `NSRegularExpression` reads it) that
/// is searched anywhere in the field's text.
public struct StoryRule: Sendable, CustomStringConvertible {
    /// The field a rule looks at.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case title, link, content, author, source, category
    }

    /// Why a rule cannot be used.
    public struct ParseError: Error, Sendable, Hashable {
        /// What is wrong, such as `unknown field 'auther' in the rule 'auther=x'`.
        public var problem: String
        /// The fix, with its separator: ` — did you mean 'author'?`, or empty.
        public var hint: String = ""
        /// The problem placed in `place` (`block of [[feed]] 'x'`), then its fix.
        public func message(in place: String) -> String { "\(problem) in \(place)\(hint)" }
        /// The problem and its fix.
        public var message: String { problem + hint }
    }

    public let field: Field
    /// The pattern as written.
    public let pattern: String
    private let regex: NSRegularExpression

    /// Parses `field=pattern`.
    /// - Throws: ``ParseError`` when there is no `=`, the field is unknown (naming
    ///   the likely one), or the pattern is not a valid regular expression.
    public init(parsing text: String) throws(ParseError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ParseError(problem: "'\(text)' is not a rule", hint: "; write field=pattern, as in \"title=(?i)广告\"")
        }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
        guard let field = Field(rawValue: name) else {
            let names = Field.allCases.map(\.rawValue)
            let near = names.first { $0.hasPrefix(name.prefix(3)) && !name.isEmpty }
            throw ParseError(problem: "unknown field '\(name)' in the rule '\(text)'",
                             hint: near.map { " — did you mean '\($0)'?" } ?? "; use " + names.joined(separator: ", "))
        }
        let pattern = String(text[text.index(after: equals)...])
        guard !pattern.isEmpty else {
            throw ParseError(problem: "the rule '\(text)' has an empty pattern", hint: "; it would match every story")
        }
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw ParseError(problem: "'\(pattern)' in the rule '\(text)' is not a valid regular expression")
        }
        self.field = field
        self.pattern = pattern
    }

    public var description: String { "\(field.rawValue)=\(pattern)" }

    /// Whether the rule's pattern is found in the entry's field (in any category).
    public func matches(_ entry: FeedEntry) -> Bool {
        for text in Self.texts(of: field, in: entry) {
            if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil { return true }
        }
        return false
    }

    /// The texts a field has: content is the entry's richest text, as HTML.
    private static func texts(of field: Field, in entry: FeedEntry) -> [String] {
        switch field {
        case .title: return entry.title.map { [$0] } ?? []
        case .link: return entry.link.map { [$0] } ?? []
        case .content: return [entry.content, entry.summary].compactMap { $0?.value }
        case .author: return entry.author.map { [$0] } ?? []
        case .source: return entry.source.map { [$0] } ?? []
        case .category: return entry.categories
        }
    }
}

/// What gets in: `block` and `keep` rules of `[filter]` (every feed) and of one
/// feed, in Miniflux's order. A story is dropped when any block rule matches
/// (global first, then the feed's); then, when any keep rules exist, it must match
/// one of them (global or the feed's).
public struct StoryFilter: Sendable {
    public var block: [StoryRule]
    public var keep: [StoryRule]

    /// A filter that lets everything in.
    public static let none = StoryFilter(block: [], keep: [])

    /// Creates a filter from rules already in order (global before the feed's).
    public init(block: [StoryRule], keep: [StoryRule]) {
        self.block = block
        self.keep = keep
    }

    /// The global rules followed by a feed's.
    public init(global: StoryFilter, feed: StoryFilter) {
        self.init(block: global.block + feed.block, keep: global.keep + feed.keep)
    }

    /// Whether the filter has any rule.
    public var isEmpty: Bool { block.isEmpty && keep.isEmpty }

    /// Why `entry` is left out, or nil when it gets in.
    public func rejection(of entry: FeedEntry) -> String? {
        if let rule = block.first(where: { $0.matches(entry) }) { return "block \(rule)" }
        if !keep.isEmpty, !keep.contains(where: { $0.matches(entry) }) { return "no keep rule matched" }
        return nil
    }
}
