/// The article taken from a page or an API answer.
public struct ExtractedArticle: Sendable, Hashable {
    /// The article's HTML (UTF-8 string), with the full-width indentation removed.
    ///
    /// It is not sanitized: scripts, styles and event attributes may remain, so it
    /// must go through the archive's HTML sanitizer before it is published.
    public var html: String

    /// Creates an article from its HTML.
    public init(html: String) {
        self.html = html
    }
}
