/// How much text an element holds, as readability counts it.
struct TextStats: Equatable {
    /// Characters other than whitespace (the ideographic space and no-break space count as whitespace).
    var characters = 0
    /// Commas and full stops that end clauses: `,` `，` `。`.
    var commas = 0
    /// The characters that are inside links.
    var linkCharacters = 0

    /// The share of the text that is link text, from 0 to 1.
    var linkDensity: Double {
        characters == 0 ? 0 : Double(linkCharacters) / Double(characters)
    }

    /// The counts of a run of UTF-8 text.
    init(utf8: UnsafePointer<UInt8>) {
        var pointer = utf8
        while true {
            let byte = pointer.pointee
            if byte == 0 { break }
            if byte < 0x80 {
                if byte == UInt8(ascii: ",") { commas += 1 }
                if !PageDecoding.isASCIIWhitespace(byte) { characters += 1 }
                pointer += 1
                continue
            }
            if byte & 0xC0 == 0x80 {
                // A continuation byte: counted with its lead byte.
                pointer += 1
                continue
            }
            let second = pointer[1]
            let third = second == 0 ? 0 : pointer[2]
            switch (byte, second, third) {
            case (0xE3, 0x80, 0x80), (0xC2, 0xA0, _):
                break  // U+3000 ideographic space, U+00A0 no-break space
            case (0xEF, 0xBC, 0x8C), (0xE3, 0x80, 0x82):
                commas += 1  // U+FF0C fullwidth comma, U+3002 ideographic full stop
                characters += 1
            default:
                characters += 1
            }
            pointer += 1
        }
    }

    init() {}

    static func += (stats: inout TextStats, other: TextStats) {
        stats.characters += other.characters
        stats.commas += other.commas
        stats.linkCharacters += other.linkCharacters
    }
}

/// The rules readability scores by, kept apart from the tree walk so that they can
/// be read (and tested) as a table.
///
/// The scheme follows Arc90's readability: paragraphs score by their length and
/// their commas, and pass the score to the blocks that hold them; class and id
/// names that say "article" or "comment" push a block up or down; text in links
/// counts against a block.
enum ReadabilityPolicy {
    /// The elements that can be the article's block.
    static let candidateTags: Set<String> = ["div", "article", "section", "td", "main", "body"]

    /// A paragraph shorter than this (in characters) scores nothing.
    static let minimumParagraphCharacters = 25

    /// The article block must hold at least this much text outside links, or there is no article.
    static let minimumArticleCharacters = 200

    /// A paragraph's score: one point, one per comma, one per 100 characters up to three.
    static func paragraphScore(_ stats: TextStats) -> Double {
        guard stats.characters >= minimumParagraphCharacters else { return 0 }
        return 1 + Double(stats.commas) + Double(min(stats.characters / 100, 3))
    }

    /// How much of a paragraph's score goes to the block `level` steps above it
    /// (0: the nearest block): all of it, a half, a sixth.
    static func share(atLevel level: Int) -> Double? {
        switch level {
        case 0: 1
        case 1: 0.5
        case 2: 1.0 / 6
        default: nil
        }
    }

    /// The score a block starts with: by its tag, and by its class and id names.
    static func initialScore(tag: String, classNames: String?, id: String?) -> Double {
        let tagScore: Double =
            switch tag {
            case "article": 10
            case "div", "main": 5
            case "td": 3
            default: 0
            }
        return tagScore + Double(weight(of: classNames) + weight(of: id))
    }

    /// Elements whose text is never article text; they are not scored.
    static let ignoredTags: Set<String> = [
        "script", "style", "noscript", "template", "head", "select", "textarea", "button", "svg", "math",
        "iframe", "object", "embed", "applet", "canvas",
    ]

    /// Page furniture by tag: skipped in the first, stricter pass.
    static let furnitureTags: Set<String> = ["nav", "aside", "footer", "header", "menu"]

    /// Elements that start a new line of text (so that the text before them is a
    /// paragraph of its own when a block holds text directly).
    static let blockTags: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    ]

    /// Elements removed from the chosen block: they are page machinery, not article.
    static let removedTags: Set<String> = [
        "script", "style", "noscript", "template", "nav", "iframe", "object", "embed", "applet", "button",
        "input", "select", "textarea", "link", "meta", "aside", "footer", "menu",
    ]

    /// Words in class and id names that mark the article's block.
    static let positiveWords = ["article", "content", "body", "text", "entry", "post", "main", "story", "trs_editor"]
    /// Positive words too short to be searched inside other words: they must be a whole word.
    static let positiveShortWords: Set<String> = ["zw"]
    /// Words in class and id names that mark page furniture.
    static let negativeWords = [
        "comment", "footer", "sidebar", "menu", "share", "related", "header", "banner", "breadcrumb", "copyright",
        "sponsor", "promo", "widget", "recommend", "pagination", "pager", "popup", "login", "masthead", "social",
        "advert", "navigation", "navbar", "toolbar", "hotnews",
    ]
    /// Negative words that must be a whole word ("ad" is in "header", "nav" in "canvas").
    static let negativeShortWords: Set<String> = ["ad", "ads", "nav", "tags", "foot"]

    /// The weight of one class or id attribute: −25 when it names furniture,
    /// +25 when it names the article (both can apply, as in "content-header").
    static func weight(of names: String?) -> Int {
        guard let names, !names.isEmpty else { return 0 }
        let lowered = names.lowercased()
        let words = wordsOf(lowered)
        var weight = 0
        if negativeWords.contains(where: { lowered.contains($0) }) || words.contains(where: negativeShortWords.contains) {
            weight -= 25
        }
        if positiveWords.contains(where: { lowered.contains($0) }) || words.contains(where: positiveShortWords.contains) {
            weight += 25
        }
        return weight
    }

    /// Whether an element's class and id mark it as furniture and nothing in them
    /// says article: readability's "unlikely candidate", skipped in the first pass.
    static func isUnlikely(classNames: String?, id: String?) -> Bool {
        let names = [classNames, id].compactMap { $0 }.joined(separator: " ")
        guard !names.isEmpty else { return false }
        let lowered = names.lowercased()
        let words = wordsOf(lowered)
        let negative = negativeWords.contains(where: { lowered.contains($0) })
            || words.contains(where: negativeShortWords.contains)
        let positive = positiveWords.contains(where: { lowered.contains($0) })
            || words.contains(where: positiveShortWords.contains)
        return negative && !positive
    }

    /// The words of a lowercased name list, split at anything but letters and digits.
    private static func wordsOf(_ lowered: String) -> [String] {
        lowered.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }
}
