import Foundation

/// How the stories of a source that is not a feed are found: `format`, `items` and
/// `item.*` in feeds.conf.
///
/// For a JSON API answer, `items` and every field are key paths as in
/// `fulltext_json` (`data.list`, `meta.links.0`); for an HTML list page they are
/// XPath 1.0 expressions, the fields relative to each item (`.//a/@href`).
public struct StoryListMapping: Sendable, Hashable {
    /// The kind of document.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// A JSON API answer.
        case json
        /// An HTML page listing stories.
        case html
    }

    /// A story field that an `item.*` key fills.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        /// The story's id; it becomes the infoCode when it is a valid one.
        case id
        case title
        /// The story's link, or a template such as `https://news.example/{infoCode}.html`.
        case link
        case date
        /// The story's text (HTML, or plain text made into paragraphs).
        case content
        case author
        /// The outlet the story comes from, for `{source}` in tags and categories.
        case source
        /// Category terms (every match, or every string of an array).
        case category
    }

    /// The kind of document.
    public var format: Format
    /// Where the stories are: a key path to an array, or an XPath whose matches are the stories.
    public var items: String
    /// Where each field is inside one story.
    public var fields: [Field: String]

    /// Creates a mapping.
    public init(format: Format, items: String, fields: [Field: String]) {
        self.format = format
        self.items = items
        self.fields = fields
    }

    /// What is wrong with `expression` as the `items` of this format (`field` nil) or
    /// as one of its fields, checked without a document; nil when it can be used.
    /// A link template's placeholders are checked one by one.
    public static func problem(format: Format, expression: String, field: Field?) -> String? {
        if field == .link, expression.contains("{") {
            let template: ListLinkTemplate
            do {
                template = try ListLinkTemplate(parsing: expression)
            } catch {
                return error.message
            }
            for placeholder in template.placeholders {
                if let problem = problem(format: format, expression: placeholder, field: .id) { return problem }
            }
            return nil
        }
        switch format {
        case .json:
            if field == nil, expression == "." { return nil }
            do {
                _ = try JSONKeyPath(parsing: expression)
                return nil
            } catch {
                return error.message.replacingOccurrences(of: "the key that holds the article", with: "the key")
            }
        case .html:
            return HTMLDocument.problem(withXPath: expression)
        }
    }
}

/// A link made from a story's values: `https://news.example/{infoCode}.html`, each
/// `{...}` a key path (JSON) or XPath (HTML) inside the story, filled percent-encoded.
/// `{{` and `}}` are literal braces.
struct ListLinkTemplate: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    let pieces: [Piece]

    var placeholders: [String] {
        pieces.compactMap { if case .placeholder(let name) = $0 { name } else { nil } }
    }

    /// Parses a template.
    /// - Throws: ``ExtractionError`` (`.invalidRule`) for an unclosed or stray brace, or an empty placeholder.
    init(parsing text: String) throws(ExtractionError) {
        let template: BraceTemplate
        do {
            template = try BraceTemplate(text)
        } catch .unclosedBrace {
            throw ExtractionError(.invalidRule, "'{' without '}' in the link template '\(text)'; write {{ for a literal brace")
        } catch {
            throw ExtractionError(.invalidRule, "'}' without '{' in the link template '\(text)'; write }} for a literal brace")
        }
        pieces = try template.pieces.map { piece throws(ExtractionError) -> Piece in
            switch piece {
            case .literal(let text): return .literal(text)
            case .placeholder(let name):
                guard !name.isEmpty else {
                    throw ExtractionError(
                        .invalidRule, "an empty {} in the link template '\(text)'; name a key of the story, as in {infoCode}")
                }
                return .placeholder(name)
            }
        }
    }

    /// The link, with each placeholder's value from `value`; nil when one has none.
    func link(_ value: (String) -> String?) -> String? {
        var link = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                link += text
            case .placeholder(let name):
                guard let filled = value(name)?.trimmingCharacters(in: .whitespacesAndNewlines), !filled.isEmpty
                else { return nil }
                link += PercentEncoding.encoded(filled)
            }
        }
        return link
    }}
