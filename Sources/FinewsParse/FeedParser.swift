public import Foundation

/// Finds the name of the first element of a document, skipping the XML
/// declaration, processing instructions, comments, a DOCTYPE and junk.
enum RootSniffer {
    static func rootName(in utf8: ArraySlice<UInt8>) -> String? {
        var index = utf8.startIndex
        while let open = utf8[index...].firstIndex(of: UInt8(ascii: "<")) {
            let next = open + 1
            guard next < utf8.endIndex else { return nil }
            let byte = utf8[next]
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "!") {
                // Declarations, comments, DOCTYPE (with an internal subset): skip to
                // the end of the construct.
                let close: [UInt8]
                if utf8[next...].starts(with: Array("!--".utf8)) {
                    close = Array("-->".utf8)
                } else if byte == UInt8(ascii: "?") {
                    close = Array("?>".utf8)
                } else if let bracket = utf8[next...].prefix(4096).firstIndex(of: UInt8(ascii: "[")),
                          !utf8[next..<bracket].contains(UInt8(ascii: ">")) {
                    close = Array("]>".utf8)
                } else {
                    close = Array(">".utf8)
                }
                guard let end = find(close, in: utf8, from: next) else { return nil }
                index = end
                continue
            }
            guard isNameStart(byte) else {
                index = next
                continue
            }
            var end = next
            while end < utf8.endIndex, isNameByte(utf8[end]) { end += 1 }
            return String(decoding: utf8[next..<end], as: UTF8.self)
        }
        return nil
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":")
    }

    private static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, start + needle.count <= bytes.endIndex else { return nil }
        for index in start...(bytes.endIndex - needle.count) where bytes[index] == first {
            if bytes[index..<index + needle.count].elementsEqual(needle) { return index + needle.count }
        }
        return nil
    }
}

/// Reads feed documents (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed, CDF) from bytes.
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
        /// The URL the document was fetched from (after redirects): relative links
        /// and ids are resolved against it where no `xml:base` is in scope. nil for
        /// a document read from a file, whose relative links stay as written.
        public var documentURL: URL?

        /// Creates options; zone-less dates are read in `defaultTimeZone` (UTC unless given).
        public init(
            httpCharset: String? = nil, defaultTimeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
            documentURL: URL? = nil
        ) {
            self.httpCharset = httpCharset
            self.defaultTimeZone = defaultTimeZone
            self.documentURL = documentURL
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
        try Self.sniff(bytes, httpCharset: options.httpCharset)
        // UTF-8 documents go to libxml2 unchecked, since it checks them anyway; the
        // rare one that is not valid UTF-8 is decoded again, checked, and re-parsed.
        var decoded = try TextEncoding.decode(bytes, httpCharset: options.httpCharset, trustingUTF8: true)
        if JSONFeedReader.looksLikeJSON(decoded.utf8) {
            decoded = try TextEncoding.decode(bytes, httpCharset: options.httpCharset)
            return try JSONFeedReader.read(decoded.utf8, dates: FeedDateParser(defaultZone: options.defaultTimeZone))
        }
        var builder = try build(decoded.utf8)
        if decoded.unverified, builder.sawEncodingError {
            decoded = try TextEncoding.decode(bytes, httpCharset: options.httpCharset)
            builder = try build(decoded.utf8)
        }
        // Broken markup (a stray `<`, a tag libxml2 cannot finish): parse again
        // with those `<` escaped, and keep whichever parse recovered more entries.
        // Well-formed documents, nearly all of them, never pay for this.
        // Items after the root's end (two feeds one after the other): the first
        // end tag of the root goes, so that libxml2 reads on.
        if builder.sawMarkupError {
            let body = Self.skippingJunkBeforeMarkup(decoded.utf8)
            var mended = XMLRepair.escapingStrayMarkup(body)
            if builder.sawContentAfterRoot, let root = builder.rootName,
               let joined = XMLRepair.removingFirstEndTag(root, from: mended.map { $0[...] } ?? body) {
                mended = joined
            }
            if let mended {
                let second = try build(mended)
                if second.entries.count >= builder.entries.count { builder = second }
            }
        }
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

    /// Runs the SAX parse of UTF-8 bytes and returns the builder that collected the feed.
    private func build(_ utf8: [UInt8]) throws(FeedParseError) -> FeedDocumentBuilder {
        let builder = FeedDocumentBuilder(documentURL: options.documentURL?.absoluteString)
        guard let parser = XMLStreamParser(handler: builder) else {
            throw FeedParseError(.parserUnavailable, "libxml2 could not create a parser (out of memory?)")
        }
        let body = XMLRepair.repaired(Self.skippingJunkBeforeMarkup(utf8))
        body.withUnsafeBufferPointer { parser.parse($0, isLast: true) }
        builder.finish()
        builder.sawEncodingError = parser.sawEncodingError
        builder.sawMarkupError = parser.sawMarkupError
        builder.sawContentAfterRoot = parser.sawContentAfterRoot
        return builder
    }

    /// Parses a document held in `Data` (a memory-mapped file, say). A document
    /// that is refused early is never copied or read past its first 64 KB.
    public func parse(_ data: Data) throws(FeedParseError) -> Feed {
        try Self.sniff(data, httpCharset: options.httpCharset)
        return try parse(Array(data))
    }

    /// How far into a document its root element (or JSON's `{`) must start.
    static let sniffWindow = 64 * 1024

    /// Refuses a document early, before it is decoded and parsed in full, when its
    /// first 64 KB hold no root element, or a root element that no feed format has
    /// (an HTML page, junk): such input costs a few kilobytes of work, whatever its size.
    private static func sniff(_ document: [UInt8], httpCharset: String?) throws(FeedParseError) {
        // The array's own bytes: no copy of the prefix.
        try sniff(count: document.count, httpCharset: httpCharset) { document[..<min($0, document.count)] }
    }

    private static func sniff(_ document: Data, httpCharset: String?) throws(FeedParseError) {
        try sniff(count: document.count, httpCharset: httpCharset) { Array(document.prefix($0))[...] }
    }

    /// ``sniff(_:httpCharset:)`` over the document's first `window` bytes, as
    /// `prefix(window)` gives them.
    private static func sniff(
        count: Int, httpCharset: String?, prefix: (Int) -> ArraySlice<UInt8>
    ) throws(FeedParseError) {
        // Most documents name their root in the first few hundred bytes: look at 4 KB
        // first, and at the whole window only when that is not enough.
        for window in [4096, sniffWindow] {
            var bytes = prefix(window)
            // Element names are ASCII in every ASCII-compatible encoding, so the raw
            // bytes do; only UTF-16 and UTF-32 need decoding first.
            if TextEncoding.unicodeForm(bytes) != nil {
                guard let decoded = try? TextEncoding.decode(Array(bytes), httpCharset: httpCharset) else { return }
                bytes = decoded.utf8[...]
            }
            if JSONFeedReader.looksLikeJSON(bytes) { return }
            if let name = RootSniffer.rootName(in: bytes) {
                let local = name.split(separator: ":").last.map(String.init) ?? name
                guard ["rss", "RDF", "feed", "CHANNEL", "channel"].contains(local) else {
                    throw FeedParseError(.notAFeed, "not a feed: the document's root element is <\(name)>, not <rss>, <rdf:RDF> or <feed>")
                }
                return
            }
            if count <= window { return }
        }
        throw FeedParseError(.notAFeed, "not a feed: no XML element in the first \(sniffWindow / 1024) KB")
    }

    /// Drops anything before the first `<` (whitespace, a stray BOM, junk), which
    /// libxml2 would otherwise reject before the XML declaration.
    private static func skippingJunkBeforeMarkup(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(of: UInt8(ascii: "<")) else { return bytes[...] }
        return bytes[first...]
    }
}
