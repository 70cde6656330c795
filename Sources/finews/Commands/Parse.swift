import ArgumentParser
import FinewsStore
import FinewsNormalize
import FinewsConfig
import FinewsDaemon
import FinewsExtract
import FinewsFetch
import FinewsParse
import Foundation

/// `finews parse`: parse one feed and print its entries.
struct Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse one feed (a file or a URL) and print its normalized entries.",
        discussion: """
            With --json, prints {"feed":{...},"entries":[...]} with dates as RFC 3339 UTC or null. \
            Exits 0 for every feed, malformed ones included; 1 when the document is not a feed \
            or cannot be read (the JSON then has an "error" member).
            """)

    @Argument(help: "A feed file, or an http(s) URL.")
    var source: String?

    @Flag(name: .long, help: "Print JSON (DESIGN.md §8).")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Fetch an article page or API answer and print the full text finews would put in a post.",
        valueName: "url"))
    var fulltext: String?

    @Option(name: .customLong("fulltext-json"), help: ArgumentHelp(
        "With --fulltext: the key path of the article in a JSON answer, as fulltext_json in feeds.conf.",
        valueName: "path"))
    var fulltextJSON: String?

    @Option(name: .customLong("fulltext-xpath"), help: ArgumentHelp(
        "With --fulltext: the XPath of the article in an HTML page, as fulltext_xpath in feeds.conf.",
        valueName: "xpath"))
    var fulltextXPath: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read a source that is not a feed: json (an API answer) or html (a list page), as format in feeds.conf.",
        valueName: "json|html"))
    var format: String?

    @Option(name: .long, help: ArgumentHelp(
        "With --format: where the stories are, a key path (json) or an XPath (html), as items in feeds.conf.",
        valueName: "path"))
    var items: String?

    @Option(name: .customLong("item.id"), help: ArgumentHelp("With --format: the story's id (its infoCode when valid).", valueName: "path"))
    var itemID: String?
    @Option(name: .customLong("item.title"), help: ArgumentHelp("With --format: the story's title.", valueName: "path"))
    var itemTitle: String?
    @Option(name: .customLong("item.link"), help: ArgumentHelp(
        "With --format: the story's link, or a template such as https://news.example/{infoCode}.html.", valueName: "path"))
    var itemLink: String?
    @Option(name: .customLong("item.date"), help: ArgumentHelp("With --format: the story's date.", valueName: "path"))
    var itemDate: String?
    @Option(name: .customLong("item.content"), help: ArgumentHelp("With --format: the story's text.", valueName: "path"))
    var itemContent: String?
    @Option(name: .customLong("item.author"), help: ArgumentHelp("With --format: the story's author.", valueName: "path"))
    var itemAuthor: String?
    @Option(name: .customLong("item.source"), help: ArgumentHelp("With --format: the outlet, for {source}.", valueName: "path"))
    var itemSource: String?
    @Option(name: .customLong("item.category"), help: ArgumentHelp("With --format: the story's categories.", valueName: "path"))
    var itemCategory: String?

    @Option(name: .long, help: ArgumentHelp(
        "A request header such as \"Referer: https://example.com/\", as headers in feeds.conf (repeatable).",
        valueName: "name: value"))
    var header: [String] = []

    /// The `--format` mapping, nil without `--format`.
    private var listMapping: StoryListMapping? {
        guard let format = format.flatMap({ StoryListMapping.Format(rawValue: $0.lowercased()) }), let items else { return nil }
        let given: [(StoryListMapping.Field, String?)] = [
            (.id, itemID), (.title, itemTitle), (.link, itemLink), (.date, itemDate), (.content, itemContent),
            (.author, itemAuthor), (.source, itemSource), (.category, itemCategory),
        ]
        var fields: [StoryListMapping.Field: String] = [:]
        for (field, expression) in given { if let expression { fields[field] = expression } }
        return StoryListMapping(format: format, items: items, fields: fields)
    }

    /// The `--header` options as header fields.
    private var headerFields: [HTTPHeaderField] {
        header.compactMap { text in
            guard let colon = text.firstIndex(of: ":") else { return nil }
            return HTTPHeaderField(
                name: text[..<colon].trimmingCharacters(in: .whitespaces),
                value: text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    @Option(name: .customLong("similar-to"), help: ArgumentHelp(
        "Print how alike this feed's entries are to another feed's ([dedupe] similar), to tune the threshold.",
        valueName: "file-or-url"))
    var similarTo: String?

    func validate() throws {
        if let format {
            guard let parsed = StoryListMapping.Format(rawValue: format.lowercased()) else {
                throw ValidationError("--format is json (a JSON API answer) or html (an HTML list page); feeds need no --format")
            }
            guard let items else { throw ValidationError("--format \(format) needs --items, where the stories are") }
            if fulltext != nil { throw ValidationError("--format reads a list of stories; it does not go with --fulltext") }
            for (name, expression) in [("--items", items as String?), ("--item.id", itemID), ("--item.title", itemTitle),
                                       ("--item.link", itemLink), ("--item.date", itemDate),
                                       ("--item.content", itemContent), ("--item.author", itemAuthor),
                                       ("--item.source", itemSource), ("--item.category", itemCategory)] {
                guard let expression else { continue }
                let field: StoryListMapping.Field? = name == "--items" ? nil
                    : StoryListMapping.Field(rawValue: String(name.dropFirst("--item.".count)))
                if let problem = StoryListMapping.problem(format: parsed, expression: expression, field: field) {
                    throw ValidationError("\(name): \(problem)")
                }
            }
            if itemTitle == nil, itemLink == nil {
                throw ValidationError("--format \(format) needs --item.title or --item.link to show its stories")
            }
        } else if items != nil || [itemID, itemTitle, itemLink, itemDate, itemContent, itemAuthor, itemSource,
                                   itemCategory].contains(where: { $0 != nil }) {
            throw ValidationError("--items and --item.* go with --format json or --format html")
        }
        if let bad = header.first(where: { !$0.contains(":") || $0.unicodeScalars.contains { $0.value < 0x20 } }) {
            throw ValidationError("--header '\(bad)' must be one line of the form \"Name: value\"")
        }
        if fulltext != nil, source != nil {
            throw ValidationError("give either a feed to parse or --fulltext URL, not both")
        }
        if fulltext == nil, source == nil {
            throw ValidationError("give a feed file or URL to parse, or --fulltext URL to try full-text extraction")
        }
        if fulltext == nil, fulltextJSON != nil || fulltextXPath != nil {
            throw ValidationError("--fulltext-json and --fulltext-xpath go with --fulltext URL")
        }
        if fulltextJSON != nil, fulltextXPath != nil {
            throw ValidationError("use --fulltext-json for a JSON answer or --fulltext-xpath for an HTML page, not both")
        }
    }

    func run() async throws {
        if let fulltext { return try await extractFullText(from: fulltext) }
        guard let source else { return }
        let bytes: Data
        var charset: String?
        var pageURL = source
        // Relative links and ids resolve against the URL the document came from
        // (after redirects); a file given by path has none.
        var documentURL: URL?
        let lower = source.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://") {
            var request = FetchRequest(key: "parse", url: source)
            request.headers = headerFields
            if listMapping != nil { request.expectsFeed = false }
            let results = await FeedFetcher().fetchAll([request])
            switch results.first?.outcome {
            case .success(.fetched(let document))?:
                bytes = Data(document.body)
                charset = document.charset
                pageURL = document.finalURL
                documentURL = URL(string: document.finalURL) ?? URL(string: source)
            case .failure(let error)?:
                return try fail(error.message)
            default:
                return try fail("\(source): no document was received")
            }
        } else {
            // Mapped, not read: a document refused early is never read in full.
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: source), options: .alwaysMapped) else {
                return try fail("\(source): cannot read the file")
            }
            bytes = data
        }
        let feed: Feed
        if let listMapping {
            do {
                feed = try StoryListReader(mapping: listMapping, defaultTimeZone: .current)
                    .read(Array(bytes), charset: charset, pageURL: pageURL)
            } catch {
                return try fail("\(source): \(error.message)")
            }
        } else {
            do {
                feed = try FeedParser(options: .init(httpCharset: charset, documentURL: documentURL)).parse(bytes)
            } catch {
                return try fail("\(source): \(error.message)")
            }
        }
        let codes = InfoCodeAssigner(feedName: "parse", codeFromID: listMapping != nil).assign(feed.entries)
        if let similarTo { return try await printSimilarity(of: feed, to: similarTo) }
        if json {
            print(FeedJSON.render(feed, infoCodes: codes))
        } else {
            print("\(feed.title ?? "(untitled)") — \(feed.format.rawValue), \(feed.encoding), \(feed.entries.count) entries")
            for (entry, code) in zip(feed.entries, codes) {
                let date = (entry.published ?? entry.updated).map(FeedJSON.rfc3339) ?? "no date"
                print("\(code)  \(date)  \(entry.title ?? "(untitled)")")
                if listMapping != nil {
                    // What a mapping is tuned by: each story's link and outlet.
                    print("    \(entry.link ?? "no link")\(entry.source.map { "  (\($0))" } ?? "")")
                }
            }
        }
    }

    /// `--fulltext URL`: fetches the page as a refresh would and prints the article
    /// as it would appear in a post (sanitized, URLs resolved, indentation removed).
    private func extractFullText(from url: String) async throws {
        let rule: ExtractionRule = fulltextJSON.map { .json($0) } ?? fulltextXPath.map { .xpath($0) } ?? .readability
        if let problem = ArticleExtractor.problem(with: rule) {
            printError("finews: \(problem)")
            throw ExitStatus.usage
        }
        var request = FetchRequest(key: "fulltext", url: url)
        request.expectsFeed = false
        request.headers = headerFields
        let results = await FeedFetcher().fetchAll([request])
        let document: FetchedDocument
        switch results.first?.outcome {
        case .success(.fetched(let fetched))?:
            document = fetched
        case .failure(let error)?:
            return try fail(error.message)
        default:
            return try fail("\(url): no document was received")
        }
        let article: ExtractedArticle
        do {
            article = try ArticleExtractor(rule: rule).extract(document.body, charset: document.charset)
        } catch {
            return try fail("\(url): \(error.message)")
        }
        let html = HTMLSanitizer().sanitize(article.html, baseURL: document.finalURL)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let text = HTMLText.plainText(fromHTML: html)
        if json {
            print("{\"url\":\(FeedJSON.string(document.finalURL)),\"rule\":\(FeedJSON.string(Self.describe(rule))),"
                + "\"html\":\(FeedJSON.string(html)),\"text\":\(FeedJSON.string(text))}")
        } else {
            printError("\(document.finalURL): \(text.count) characters of text by \(Self.describe(rule))")
            print(html)
        }
    }

    /// `--similar-to OTHER`: the estimated similarity (``MinHashSignature``) of the
    /// two documents' first entries, or of every pair of entries when both have
    /// several, as `similarity I J VALUE` lines.
    private func printSimilarity(of feed: Feed, to other: String) async throws {
        let otherFeed: Feed
        do {
            otherFeed = try FeedParser().parse(try await Self.bytes(of: other))
        } catch let error as FeedParseError {
            return try fail("\(other): \(error.message)")
        } catch {
            return try fail("\(other): cannot read the document")
        }
        let normalizer = Normalizer(settings: .init(category: "parse", tag: "parse"))
        func signatures(_ feed: Feed) -> [MinHashSignature] {
            zip(feed.entries, InfoCodeAssigner(feedName: "parse").assign(feed.entries)).map { entry, code in
                let post = normalizer.post(for: entry, infoCode: code, firstSeen: Date(), now: Date())
                return MinHashSignature(text: SimilarityText.of(title: post.title, bodyHTML: post.body))
            }
        }
        let left = signatures(feed), right = signatures(otherFeed)
        guard !left.isEmpty, !right.isEmpty else { return try fail("a document has no entries to compare") }
        let pairs = left.count > 1 && right.count > 1
            ? left.indices.flatMap { i in right.indices.map { (i, $0) } } : [(0, 0)]
        print("# estimated Jaccard similarity of \(MinHashSignature.shingleLength)-character shingles "
            + "(\(MinHashSignature.count) MinHash values); [dedupe] threshold defaults to 0.85")
        for (i, j) in pairs {
            let title = feed.entries[i].title ?? "(untitled)", otherTitle = otherFeed.entries[j].title ?? "(untitled)"
            print("# \(i + 1): \(title)  ~  \(j + 1): \(otherTitle)")
            print("similarity \(i + 1) \(j + 1) " + String(format: "%.3f", left[i].similarity(to: right[j])))
        }
    }

    /// A local file's or a URL's bytes.
    private static func bytes(of source: String) async throws -> Data {
        let lower = source.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://") else {
            return try Data(contentsOf: URL(fileURLWithPath: source))
        }
        let results = await FeedFetcher().fetchAll([FetchRequest(key: "parse", url: source)])
        guard case .success(.fetched(let document))? = results.first?.outcome else {
            throw CocoaError(.fileReadUnknown)
        }
        return Data(document.body)
    }

    private static func describe(_ rule: ExtractionRule) -> String {
        switch rule {
        case .json(let path): "fulltext_json \(path)"
        case .xpath(let expression): "fulltext_xpath \(expression)"
        case .readability: "readability"
        }
    }

    private func fail(_ message: String) throws {
        if json {
            print("{\"error\":\(FeedJSON.string(message))}")
        } else {
            printError("finews: \(message)")
        }
        throw ExitStatus.feedsFailed
    }
}

/// The JSON of `finews parse --json`, written by hand for a fixed key order and explicit nulls.
enum FeedJSON {
    static func render(_ feed: Feed, infoCodes: [InfoCode]) -> String {
        var out = "{\"feed\":{"
        out += "\"title\":\(optional(feed.title)),\"link\":\(optional(feed.link)),\"format\":\(string(feed.format.rawValue))"
        out += "},\"entries\":["
        for (index, (entry, code)) in zip(feed.entries, infoCodes).enumerated() {
            if index > 0 { out += "," }
            out += "{\"infoCode\":\(string(code.value))"
            out += ",\"id\":\(optional(entry.id))"
            out += ",\"title\":\(optional(entry.title))"
            out += ",\"link\":\(optional(entry.link))"
            out += ",\"published\":\(optional(entry.published.map(rfc3339)))"
            out += ",\"updated\":\(optional(entry.updated.map(rfc3339)))"
            out += ",\"author\":\(optional(entry.author))"
            out += ",\"summary\":\(optional(entry.summary.map { publishable($0, entry) }))"
            // As other readers report it: a second summary that came before any
            // content element is the first content.
            let content = entry.secondarySummary ?? entry.content
            out += ",\"content\":\(optional(content.map { publishable($0, entry) }))"
            out += ",\"categories\":[\(entry.categories.map(string).joined(separator: ","))]"
            out += ",\"source\":\(optional(entry.source))}"
        }
        return out + "]}"
    }

    /// A summary or content as finews would publish it: HTML sanitized with
    /// relative URLs resolved against the entry's `xml:base`; text as it is.
    private static func publishable(_ text: FeedText, _ entry: FeedEntry) -> String {
        text.kind == .html ? sanitizer.sanitize(text.value, baseURL: entry.baseURL) : text.value
    }

    private static let sanitizer = HTMLSanitizer()

    static func rfc3339(_ date: Date) -> String {
        CivilTime.rfc3339UTC(date)
    }

    static func optional(_ text: String?) -> String {
        text.map(string) ?? "null"
    }

    static func string(_ text: String) -> String {
        QuotedString.escaped(text)
    }
}
