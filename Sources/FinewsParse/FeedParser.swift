public import Foundation

/// Reads feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) from bytes.
///
/// The parser streams: libxml2's SAX2 push parser reports elements to a builder
/// that keeps only the fields of the entry being read, so memory stays near the
/// size of the input. It performs no I/O.
public struct FeedParser: Sendable {
    /// Settings that come from outside the document.
    public struct Options: Sendable {
        /// The charset the server named in `Content-Type`, used when the document declares none.
        public var httpCharset: String?
        /// The zone for dates that name none (the site's zone).
        public var defaultTimeZone: TimeZone

        /// Creates options; zone-less dates are read in `defaultTimeZone` (UTC unless given).
        public init(httpCharset: String? = nil, defaultTimeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) {
            self.httpCharset = httpCharset
            self.defaultTimeZone = defaultTimeZone
        }
    }

    /// The settings this parser applies.
    public var options: Options

    /// Creates a parser.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Parses a document. Broken markup is recovered from; the result holds every
    /// entry that could be read.
    /// - Throws: ``FeedParseError`` when the bytes are empty, not a feed (an HTML
    ///   page, say), or in an encoding the system cannot convert.
    public func parse(_ bytes: [UInt8]) throws(FeedParseError) -> Feed {
        guard bytes.contains(where: { !isASCIIWhitespace($0) }) else {
            throw FeedParseError(.empty, "the document is empty")
        }
        let decoded = try TextEncoding.decode(bytes, httpCharset: options.httpCharset)
        if JSONFeedReader.looksLikeJSON(decoded.utf8) {
            return try JSONFeedReader.read(decoded.utf8, dates: FeedDateParser(defaultZone: options.defaultTimeZone))
        }
        let builder = FeedDocumentBuilder()
        guard let parser = XMLStreamParser(handler: builder) else {
            throw FeedParseError(.parserUnavailable, "libxml2 could not create a parser (out of memory?)")
        }
        let body = XMLRepair.repaired(Self.skippingJunkBeforeMarkup(decoded.utf8))
        body.withUnsafeBufferPointer { parser.parse($0, isLast: true) }
        builder.finish()
        // `CST` is China Standard Time in Chinese-language feeds, US Central elsewhere.
        let dates = FeedDateParser(
            defaultZone: options.defaultTimeZone,
            chinaStandardTime: builder.language.map { $0.lowercased().hasPrefix("zh") } ?? false)
        guard let feed = builder.feed(encoding: decoded.label, dates: dates) else {
            if let root = builder.foreignRoot {
                throw FeedParseError(.notAFeed, "not a feed: the document's root element is <\(root)>, not <rss>, <rdf:RDF> or <feed>")
            }
            throw FeedParseError(.notAFeed, "not a feed: no XML element found in the document")
        }
        return feed
    }

    /// Drops anything before the first `<` (whitespace, a stray BOM, junk), which
    /// libxml2 would otherwise reject before the XML declaration.
    private static func skippingJunkBeforeMarkup(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(of: UInt8(ascii: "<")) else { return bytes[...] }
        return bytes[first...]
    }
}
