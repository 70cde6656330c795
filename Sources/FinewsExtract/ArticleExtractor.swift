/// Takes an article's HTML out of a fetched page or JSON API answer.
///
/// This is how finews gets the full text for feeds that carry only a summary: the
/// story's page is fetched from the publisher and the extractor picks the article
/// out of it, by the feed's rule or by a readability-style guess. The extractor does
/// no I/O; its result still needs the archive's HTML sanitizer.
public struct ArticleExtractor: Sendable {
    /// The largest answer accepted. The fetcher caps sizes already; this keeps the
    /// parser's memory bounded whatever the caller passes.
    static let maximumBodySize = 16 * 1024 * 1024

    private let rule: ExtractionRule

    /// Creates an extractor that applies `rule` to every answer it is given.
    public init(rule: ExtractionRule) {
        self.rule = rule
    }

    /// Extracts the article from an answer.
    ///
    /// The bytes are decoded to UTF-8 first (see ``PageDecoding``), then the rule
    /// picks the article, and the full-width indentation at paragraph starts is
    /// removed from the result.
    /// - Parameters:
    ///   - body: the answer's bytes (after HTTP decompression).
    ///   - charset: the Content-Type's charset parameter, if any.
    /// - Throws: ``ExtractionError`` when the answer is empty, too large or binary
    ///   data, in an unknown encoding, when the rule is invalid or finds nothing, or when
    ///   readability finds no block that reads like an article.
    public func extract(_ body: [UInt8], charset: String?) throws(ExtractionError) -> ExtractedArticle {
        guard body.count <= Self.maximumBodySize else {
            throw ExtractionError(
                .tooLarge,
                "the answer is \(body.count / 1024 / 1024) MiB, more than the \(Self.maximumBodySize / 1024 / 1024) MiB an article page may have; check that the URL is the article's page")
        }
        guard body.contains(where: { !PageDecoding.isASCIIWhitespace($0) }) else {
            throw ExtractionError(.empty, "the answer is empty; check that the URL is the article's page")
        }
        guard !PageDecoding.looksBinary(body) else {
            let start = body.prefix(8).map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            throw ExtractionError(
                .notText,
                "the answer is binary data, not an HTML page or JSON (it starts with the bytes \(start)); check that the URL is the article's page")
        }
        let html: String
        switch rule {
        case .json(let path):
            let keyPath = try JSONKeyPath(parsing: path)
            let utf8 = try PageDecoding.utf8(body, charset: charset, sniffingHTML: false)
            html = try JSONArticle.html(in: utf8, at: keyPath)
        case .xpath(let expression):
            let document = try HTMLDocument(utf8: PageDecoding.utf8(body, charset: charset, sniffingHTML: true))
            html = try document.html(matching: expression)
        case .readability:
            let document = try HTMLDocument(utf8: PageDecoding.utf8(body, charset: charset, sniffingHTML: true))
            html = try document.readableArticle()
        }
        return ExtractedArticle(html: Indentation.removed(from: html))
    }

    /// Checks a rule as written in feeds.conf without any document: XPath syntax,
    /// empty key path components.
    /// - Returns: a message for the config error, or nil when the rule is fine.
    public static func problem(with rule: ExtractionRule) -> String? {
        switch rule {
        case .json(let path):
            do {
                _ = try JSONKeyPath(parsing: path)
                return nil
            } catch {
                return error.message
            }
        case .xpath(let expression):
            return HTMLDocument.problem(withXPath: expression)
        case .readability:
            return nil
        }
    }
}
