public import FinewsNormalize
public import FinewsExtract
public import FinewsParse
import Foundation

/// Where a feed's stories' full text comes from and how it is taken out of the
/// answer: `fulltext_url` with `fulltext_json` or `fulltext_xpath` in feeds.conf.
public struct FullTextSource: Sendable, Hashable {
    /// The page fetched for an entry.
    public enum Target: Sendable, Hashable {
        /// The entry's own link (`fulltext_url = "link"`).
        case link
        /// A URL filled in per entry.
        case template(FullTextURLTemplate)
    }

    /// The page fetched for an entry.
    public var target: Target
    /// How the article is taken from the answer.
    public var rule: ExtractionRule

    /// Creates a source.
    public init(target: Target, rule: ExtractionRule) {
        self.target = target
        self.rule = rule
    }

    /// The URL to fetch for `entry`; nil when the entry lacks what the URL needs
    /// (no link, or no id for `{id}`) or the link is not an http(s) URL.
    public func url(for entry: FeedEntry, infoCode: InfoCode) -> String? {
        switch target {
        case .link:
            guard let link = entry.link?.trimmingCharacters(in: .whitespacesAndNewlines),
                  FullTextURLTemplate.isHTTP(link) else { return nil }
            return link
        case .template(let template):
            return template.url(infoCode: infoCode.value, link: entry.link, id: entry.id)
        }
    }
}

/// A `fulltext_url` template: an http(s) URL with `{infoCode}`, `{link}` and `{id}`
/// placeholders, each filled with the entry's value, percent-encoded. `{{` and `}}`
/// stand for literal braces.
public struct FullTextURLTemplate: Sendable, Hashable {
    /// A value an entry fills in.
    public enum Placeholder: String, Sendable, Hashable, CaseIterable {
        case infoCode, link, id
    }

    /// Why a template cannot be used.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, such as `unknown placeholder '{infocode}'`.
        public var problem: String
        /// The fix, starting with its separator: ` — did you mean '{infoCode}'?`.
        public var hint: String
        /// The problem and its fix, placed in `place` (`fulltext_url of [[feed]] 'x'`).
        public func message(in place: String) -> String { "\(problem) in \(place)\(hint)" }
        public var description: String { message(in: "fulltext_url") }
    }

    private enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(Placeholder)
    }

    private let pieces: [Piece]

    /// Parses a template.
    /// - Throws: ``ParseError`` for an unknown placeholder (with the likely one), an
    ///   unclosed brace, or a URL that is not http(s).
    public init(parsing text: String) throws(ParseError) {
        let template: BraceTemplate
        do {
            template = try BraceTemplate(text)
        } catch .unclosedBrace {
            throw ParseError(problem: "'{' without '}'", hint: "; write {{ for a literal brace")
        } catch {
            throw ParseError(problem: "'}' without '{'", hint: "; write }} for a literal brace")
        }
        var pieces: [Piece] = []
        for piece in template.pieces {
            switch piece {
            case .literal(let literal):
                pieces.append(.literal(literal))
            case .placeholder(let name):
                guard let placeholder = Placeholder(rawValue: name) else {
                    let names = Placeholder.allCases.map(\.rawValue)
                    let near = names.first { $0.lowercased() == name.lowercased() }
                    throw ParseError(problem: "unknown placeholder '{\(name)}'", hint: near.map { " — did you mean '{\($0)}'?" }
                        ?? "; use " + names.map { "{\($0)}" }.joined(separator: ", "))
                }
                pieces.append(.placeholder(placeholder))
            }
        }
        guard case .literal(let head)? = pieces.first, Self.isHTTP(head) else {
            throw ParseError(problem: "'\(text)' does not start with http:// or https://",
                             hint: "; write a full URL, or \"link\" to fetch each entry's own link")
        }
        self.pieces = pieces
    }

    /// The URL for one entry; nil when a placeholder it uses has no value.
    package func url(infoCode: String, link: String?, id: String?) -> String? {
        var url = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                url += text
            case .placeholder(let placeholder):
                let value: String?
                switch placeholder {
                case .infoCode: value = infoCode
                case .link: value = link?.trimmingCharacters(in: .whitespacesAndNewlines)
                case .id: value = id?.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                guard let value, !value.isEmpty else { return nil }
                url += PercentEncoding.encoded(value)
            }
        }
        return url
    }

    static func isHTTP(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}
