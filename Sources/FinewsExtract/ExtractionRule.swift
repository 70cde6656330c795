/// How the article is taken from the answer.
///
/// A feed's full-text rule in feeds.conf is one of these; see
/// ``ArticleExtractor/problem(with:)`` for checking it when the config is read.
public enum ExtractionRule: Sendable, Hashable {
    /// A key path into a JSON answer, as written in feeds.conf: `"content"`,
    /// `"data.content"`, `"data.items.0.body"` (numeric components index arrays).
    case json(String)
    /// An XPath 1.0 expression over the HTML page, e.g. `"//div[@id='ContentBody']"`;
    /// the inner HTML of every matched element is joined in document order (a
    /// string/number result is text, HTML-escaped).
    case xpath(String)
    /// No rule: a readability-style pick of the main article block.
    case readability
}
