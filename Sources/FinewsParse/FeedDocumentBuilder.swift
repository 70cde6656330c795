import Foundation
import Glibc

/// Namespace URIs the builder recognises.
enum Namespace {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = rdfLiteral.description
    /// ``rdf`` as a literal, for comparing libxml2's bytes without making a String.
    static let rdfLiteral: StaticString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"
    static let dublinCoreTerms = "http://purl.org/dc/terms/"
    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let xml = xmlLiteral.description
    /// ``xml`` as a literal, for comparing libxml2's bytes without making a String.
    static let xmlLiteral: StaticString = "http://www.w3.org/XML/1998/namespace"
    static let media = "http://search.yahoo.com/mrss/"
    /// Media RSS as some publishers write it, without the final slash.
    static let mediaWithoutSlash = "http://search.yahoo.com/mrss"
    /// UserLand's namespaces for RSS 2.0 elements, seen in older feeds.
    static let userlandRSS = ["http://backend.userland.com/rss2", "http://backend.userland.com/rss"]
    /// Compared without regard to case: Apple's own feeds spell it `DTDs/Podcast`.
    static let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"
    static let syndication = "http://purl.org/rss/1.0/modules/syndication/"
}

/// The namespaces the builder acts on, resolved once per namespace URI so that
/// element dispatch compares small values, not URI strings.
enum KnownNamespace: UInt8 {
    case none, atom, atom03, rdf, rss10, rss090, userlandRSS, content, dublinCore, dublinCoreTerms
    case xhtml, xml, media, itunes, syndication, other

    init(uri: String?) {
        guard let uri else {
            self = .none
            return
        }
        switch uri {
        case Namespace.atom: self = .atom
        case Namespace.atom03: self = .atom03
        case Namespace.rdf: self = .rdf
        case Namespace.rss10: self = .rss10
        case Namespace.rss090: self = .rss090
        case Namespace.content: self = .content
        case Namespace.dublinCore: self = .dublinCore
        case Namespace.dublinCoreTerms: self = .dublinCoreTerms
        case Namespace.xhtml: self = .xhtml
        case Namespace.xml: self = .xml
        case Namespace.media, Namespace.mediaWithoutSlash: self = .media
        case Namespace.syndication: self = .syndication
        case _ where Namespace.userlandRSS.contains(uri): self = .userlandRSS
        // Apple's own feeds spell the iTunes namespace `DTDs/Podcast`.
        case _ where uri.lowercased() == Namespace.itunes: self = .itunes
        default: self = .other
        }
    }
}

/// Turns the SAX events of one document into a ``Feed``: the per-format document
/// knowledge (which element means what in RSS, RDF and Atom) lives here; policy
/// (infoCode, sanitizing, dates in the site's zone) does not.
final class FeedDocumentBuilder: XMLEventHandler {
    /// The format, once the root element has been seen; nil before, or for a non-feed root.
    private(set) var format: FeedFormat?
    /// The root element's name when it is not a feed root (for the error message).
    private(set) var foreignRoot: String?
    /// The root element's name as written (`rss`, `rdf:RDF`), once seen.
    private(set) var rootName: String?

    private var title: String?
    /// `dc:title` of the channel, used when it has no `title`.
    private var fallbackTitle: String?
    private var link: String?
    /// The declared language (`<language>` or the root's `xml:lang`).
    private(set) var language: String?
    private var ttl: String?
    private var feedID: String?
    private var updatePeriod: String?
    private var updateFrequency: String?
    private(set) var entries: [RawEntry] = []

    /// The URL the document was fetched from, the base of relative links and ids
    /// where no `xml:base` is in scope.
    private let documentURL: String?
    /// The root element's namespace when it is not one the builder knows (Atom
    /// written with a made-up namespace): its children are read as Atom.
    private var rootNamespace = KnownNamespace.none

    init(documentURL: String? = nil) {
        self.documentURL = documentURL
    }

    private var depth = 0
    private var current: RawEntry?
    private var entryDepth = 0
    private var bases: [(depth: Int, base: String)] = []
    /// The enclosing elements' names at each depth (the last is the current
    /// element), for context checks.
    private var path: [ElementName] = []

    // The capture: text being collected for one field, up to the end of the element
    // that opened it. Kept as plain stored properties, not an optional struct, so
    // that each character event is one check and one append; `captureBytes` is one
    // buffer reused by every capture of the document.

    /// A field is being captured.
    private var capturing = false
    private var captureField = Field.feedLink
    /// The depth of the element whose text is captured.
    private var captureDepth = 0
    private var captureMode = CaptureMode.text
    private var captureBytes = ByteBuffer()
    /// The captured text is base64 (Atom 0.3 `mode="base64"`, an Atom 1.0 type
    /// that is neither text nor XML): it is decoded when the element ends.
    private var captureBase64 = false
    /// For XHTML content: the wrapping `<div>` has been skipped at this depth.
    private var skippedWrapperDepth: Int?
    /// When set, only text at this depth or deeper counts (an author's `<name>`).
    private var onlyInsideDepth: Int?

    /// `text`: characters only; `html`: characters are HTML source, stray child
    /// elements are serialized; `xhtml`: child elements are the markup (a wrapping
    /// `div` is dropped); `xhtmlBody`: like xhtml, the element itself is the wrapper.
    private enum CaptureMode { case text, html, xhtml, xhtmlBody }

    /// The fields the builder collects text for.
    private enum Field {
        case feedTitle(kind: TextKind), feedLink, feedLanguage, feedTTL, feedID
        case title(kind: TextKind), link, id, published, updated, author, authorName, authorEmail
        case summary(kind: TextKind), content(kind: TextKind), category, source
        case keywords, updatePeriod, updateFrequency
        /// Read only where the core element is missing: `dc:title`, `media:title`,
        /// `dc:author`, an Atom-style `<id>` in an RSS item.
        case feedTitleFallback, titleFallback, authorFallback, idFallback
    }

    /// An entry as collected: the fields that go to the ``FeedEntry`` as they are,
    /// and the raw text of those that are finished by ``feed(encoding:dates:)``
    /// (dates not yet parsed, author parts not yet joined).
    struct RawEntry {
        /// The entry being built. Its `summary` is the first summary-like element
        /// (`description`, `summary`, `itunes:summary`, `media:description`; an empty
        /// one counts), or a later non-empty one, no deeper in the entry, once the
        /// entry has content; its
        /// `secondarySummary` a second summary-like element that came before any
        /// content element (other readers show it as the content).
        var entry = FeedEntry()
        var published: String?
        var updated: String?
        var authorName: String?
        var authorEmail: String?
        var guidIsPermaLink = false
        /// `dc:title` or `media:title`, for an entry without a `title`.
        var fallbackTitle: String?
        /// `dc:author`, for an entry without any other author.
        var fallbackAuthor: String?
        /// An `<id>` written into an RSS item, for an entry without a `guid`.
        var fallbackID: String?
        /// A content element, or a secondary summary, has been seen.
        var hasContent = false
        /// The depth of the element that gave `entry.summary`: a later summary-like
        /// element replaces it only from that level or a shallower one, so that the
        /// caption of a `media:group` never replaces the item's own description.
        var summaryDepth = Int.max
    }

    // MARK: Events

    var wantsToStop: Bool { foreignRoot != nil }

    /// Set after the parse when libxml2 met bytes that are not UTF-8.
    var sawEncodingError = false
    /// Set after the parse when libxml2 met markup it could not read as written.
    var sawMarkupError = false
    /// Set after the parse when libxml2 stopped at markup after the root's end.
    var sawContentAfterRoot = false

    /// The name of the current element's parent, if it has one.
    private var parent: ElementName? {
        path.count >= 2 ? path[path.count - 2] : nil
    }

    func startElement(_ tag: XMLStartTag) {
        depth += 1
        path.append(tag.element)
        if tag.attributeCount > 0, let base = tag.attribute("base", in: .xml) {
            bases.append((depth, resolve(base) ?? base))
        }
        if capturing {
            appendStartTag(tag)
            return
        }
        if depth == 1 {
            detectFormat(tag)
            return
        }
        guard let format else { return }
        if startExtensionElement(tag) { return }
        switch format {
        case .rss, .rdf: startRSSElement(tag)
        case .atom, .atom03: startAtomElement(tag)
        case .cdf: startCDFElement(tag)
        case .json, .jsonAPI, .html: break
        }
    }

    /// Elements of the common extension namespaces, which mean the same in every
    /// format. Returns true when the element was handled.
    private func startExtensionElement(_ tag: XMLStartTag) -> Bool {
        let namespace = tag.namespace
        guard namespace != .none else { return false }
        if current == nil {
            switch (namespace, tag.element) {
            case (.syndication, .updatePeriod): begin(.updatePeriod)
            case (.syndication, .updateFrequency): begin(.updateFrequency)
            case (.dublinCore, .title) where parent == .channel || depth == 2: begin(.feedTitleFallback)
            case (.atom, .link) where format == .rss || format == .rdf:
                if link == nil, isAlternate(tag), let href = tag.attribute("href") {
                    link = resolve(href) ?? href
                }
            default: return false
            }
            return true
        }
        // Media RSS groups its elements; read them at any depth inside the entry.
        if namespace == .media {
            switch tag.element {
            case .description:
                // Only an item's own media:description is a summary; one that
                // describes a single media object (nested in it) is not.
                if depth == entryDepth + 1 || parent == .group { begin(.summary(kind: .text)) }
            case .keywords: begin(.keywords)
            case .category: begin(.category)
            case .title:
                if depth == entryDepth + 1 || parent == .group { begin(.titleFallback) }
            case .content, .thumbnail:
                if let url = tag.attribute("url") {
                    let item = FeedMedia(
                        url: resolve(url) ?? url, type: tag.attribute("type"),
                        medium: tag.element == .thumbnail ? "thumbnail" : tag.attribute("medium"))
                    current?.entry.media.append(item)
                }
            default: break
            }
            return true
        }
        if namespace == .itunes, tag.element == .category {
            // Nested categories (`Technology` > `Gadgets`) each name a term.
            if let text = tag.attribute("text"), !text.isEmpty { current?.entry.categories.append(text) }
            return true
        }
        if namespace == .rdf, tag.element == .value, path.contains(.items) {
            // The content module's `content:items`: each item's `rdf:value` is a body.
            begin(.content(kind: .html), mode: .html)
            return true
        }
        guard depth == entryDepth + 1 else { return false }
        switch (namespace, tag.element) {
        case (.content, .encoded): begin(.content(kind: .html), mode: .html)
        case (.dublinCore, .creator): begin(.author)
        case (.dublinCore, .title): begin(.titleFallback)
        case (.dublinCore, .author): begin(.authorFallback)
        case (.dublinCore, .date): begin(.updated)
        case (.dublinCore, .subject): begin(.category)
        case (.dublinCore, .source), (.dublinCore, .publisher): begin(.source)
        case (.dublinCoreTerms, .issued), (.dublinCoreTerms, .created): begin(.published)
        case (.dublinCoreTerms, .modified): begin(.updated)
        case (.xhtml, .body): begin(.content(kind: .html), mode: .xhtmlBody)
        case (.itunes, .summary): begin(.summary(kind: .text))
        case (.itunes, .author): begin(.author)
        case (.itunes, .keywords): begin(.keywords)
        case (.dublinCore, .description): begin(.summary(kind: .text))
        // Atom elements borrowed by RSS items.
        case (.atom, .updated) where format == .rss || format == .rdf: begin(.updated)
        case (.atom, .published) where format == .rss || format == .rdf: begin(.published)
        case (.atom, .link) where format == .rss || format == .rdf:
            if current?.entry.link == nil, isAlternate(tag), let href = tag.attribute("href") {
                current?.entry.link = resolve(href) ?? href
            }
        default: return false
        }
        return true
    }

    func endElement(_ tag: XMLEndTag) {
        defer {
            if let last = bases.last, last.depth == depth { bases.removeLast() }
            depth -= 1
            if !path.isEmpty { path.removeLast() }
        }
        if capturing {
            if captureDepth == depth {
                capturing = false
                commit()
            } else {
                appendEndTag(tag)
            }
            return
        }
        if current != nil, depth == entryDepth, let entry = current.take() {
            entries.append(entry)
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard capturing else { return }
        if let only = onlyInsideDepth, depth < only { return }
        if captureMode == .xhtml || captureMode == .xhtmlBody {
            HTMLText.appendEscapedText(bytes, to: &captureBytes)
        } else {
            captureBytes.append(bytes)
        }
    }

    /// Called after the last chunk. An entry cut off by the end of a truncated
    /// document is kept with the fields that were complete, and marked incomplete
    /// so that it is shown by `parse` but never published.
    func finish() {
        if var entry = current.take() {
            entry.entry.isComplete = false
            entries.append(entry)
        }
    }

    /// The collected feed, with dates parsed by `dates`. The entries are handed
    /// over: the builder holds none afterwards.
    func feed(encoding: String, dates: FeedDateParser) -> Feed? {
        guard let format else { return nil }
        var feedEntries: [FeedEntry] = []
        feedEntries.reserveCapacity(entries.count)
        entries.withUnsafeMutableBufferPointer { raws in
            for index in raws.indices {
                complete(&raws[index], format: format, dates: dates)
                // Moved out (swapped with an empty entry), never copied.
                var entry = FeedEntry()
                swap(&entry, &raws[index].entry)
                feedEntries.append(entry)
            }
        }
        entries.removeAll()
        return Feed(
            format: format, title: title ?? fallbackTitle, link: link ?? (format == .atom || format == .atom03 ? feedID : nil),
            language: language,
            ttlMinutes: ttl.flatMap { Int($0.trimmingASCIIWhitespace()) },
            updatePeriod: updatePeriod.flatMap(UpdatePeriod.init(rawValue:)),
            updateFrequency: updateFrequency.flatMap { Int($0.trimmingASCIIWhitespace()) },
            entries: feedEntries, encoding: encoding)
    }

    /// Finishes an entry's fields in place: dates parsed, author joined, link and
    /// summary fallbacks.
    private func complete(_ raw: inout RawEntry, format: FeedFormat, dates: FeedDateParser) {
        if raw.entry.author == nil, let name = raw.authorName {
            raw.entry.author = raw.authorEmail.map { "\(name) (\($0))" } ?? name
        } else if raw.entry.author == nil, let email = raw.authorEmail {
            raw.entry.author = email
        }
        if raw.entry.author == nil { raw.entry.author = raw.fallbackAuthor }
        if raw.entry.title == nil { raw.entry.title = raw.fallbackTitle }
        if raw.entry.id == nil { raw.entry.id = raw.fallbackID }
        // Without a link, an Atom id or an RSS permalink guid stands in for it.
        if raw.entry.link == nil, let id = raw.entry.id, format == .atom || format == .atom03 || raw.guidIsPermaLink {
            raw.entry.link = id
        }
        raw.entry.published = raw.published.flatMap(dates.parse)
        raw.entry.updated = raw.updated.flatMap(dates.parse)
        // The summary as feed readers show it, else the content.
        if raw.entry.summary == nil { raw.entry.summary = raw.entry.content }
    }

    // MARK: Formats

    private func detectFormat(_ tag: XMLStartTag) {
        rootName = tag.qualified
        switch (tag.element, tag.namespace) {
        case (.rss, _): format = .rss
        case (.RDF, .rdf): format = .rdf
        case (.feed, .atom03): format = .atom03
        case (.feed, .other):
            // A made-up namespace: Atom 0.3 if it says so.
            format = tag.attribute("version") == "0.3" ? .atom03 : .atom
            rootNamespace = .other
        case (.feed, _): format = .atom
        case (.cdfChannel, _), (.channel, _):
            format = .cdf
            // CDF's own base for the channel's relative HREFs.
            if let base = tag.attribute("BASE") ?? tag.attribute("base") { bases.append((depth, resolve(base) ?? base)) }
            if let href = tag.attribute("HREF") ?? tag.attribute("href") { link = resolve(href) ?? href }
        default: foreignRoot = tag.qualified
        }
        if let lang = tag.attribute("lang", in: .xml) {
            language = lang
        }
    }

    private func isRSSName(_ tag: XMLStartTag) -> Bool {
        switch tag.namespace {
        case .none, .rss10, .rss090, .userlandRSS: return true
        default: return false
        }
    }

    private func startRSSElement(_ tag: XMLStartTag) {
        if current == nil {
            if isRSSName(tag), tag.element == .item {
                current = RawEntry(entry: FeedEntry(id: tag.attribute("about", in: .rdf), baseURL: currentBase))
                entryDepth = depth
                return
            }
            // Channel fields: children of <channel> (RSS 2.0 and RDF alike).
            guard isRSSName(tag), parent == .channel else { return }
            switch tag.element {
            case .title: begin(.feedTitle(kind: .text))
            case .link:
                // `<link href="…"/>`, written the Atom way: the attribute is the link.
                if link == nil, let href = tag.attribute("href") {
                    link = resolve(href) ?? href
                } else {
                    begin(.feedLink)
                }
            case .language: begin(.feedLanguage)
            case .ttl: begin(.feedTTL)
            default: break
            }
            return
        }
        if tag.element == .category, isRSSName(tag) {
            // Some feeds wrap their categories in a <categories> element.
            begin(.category)
            return
        }
        if tag.element == .item, isRSSName(tag), depth == entryDepth + 1, let outer = current.take() {
            // An item inside an item: a lenient reader ends the outer one there
            // and reads the inner one as an entry of its own.
            entries.append(outer)
            current = RawEntry(entry: FeedEntry(id: tag.attribute("about", in: .rdf), baseURL: currentBase))
            entryDepth = depth
            return
        }
        guard depth == entryDepth + 1, isRSSName(tag) else { return }
        switch tag.element {
        // Markup written raw inside a title is kept as markup, so that a raw
        // <script> in it goes with its code when the title becomes text.
        case .title: begin(.title(kind: .html), mode: .html)
        case .link:
            if current?.entry.link == nil, let href = tag.attribute("href") {
                current?.entry.link = resolve(href) ?? href
            } else {
                begin(.link)
            }
        case .guid:
            current?.guidIsPermaLink = tag.attribute("isPermaLink")?.lowercased() != "false"
            begin(.id)
        case .pubDate: begin(.published)
        case .modified: begin(.updated)
        case .description: begin(.summary(kind: .html), mode: .html)
        // Atom's names written into an RSS item without Atom's namespace, as some
        // generators (podcast tools) do: read, the core RSS elements first.
        case .published: begin(.published)
        case .updated: begin(.updated)
        case .summary: begin(.summary(kind: .html), mode: .html)
        case .id: begin(.idFallback)
        case .author: begin(.author)
        case .source: begin(.source)
        // Bodies written as XHTML (`<body>` without its namespace) and as
        // escaped HTML (`<fullitem>`).
        case .body: begin(.content(kind: .html), mode: .xhtmlBody)
        case .fullitem: begin(.content(kind: .html), mode: .html)
        default: break
        }
    }

    /// Channel Definition Format: `<CHANNEL HREF><TITLE/><ABSTRACT/><ITEM HREF
    /// LASTMOD><TITLE/><ABSTRACT/></ITEM></CHANNEL>`.
    private func startCDFElement(_ tag: XMLStartTag) {
        switch tag.element {
        case .cdfItem, .item:
            guard current == nil else { return }
            var entry = RawEntry(entry: FeedEntry(baseURL: currentBase))
            if let href = tag.attribute("HREF") ?? tag.attribute("href") { entry.entry.link = resolve(href) ?? href }
            entry.updated = tag.attribute("LASTMOD") ?? tag.attribute("lastmod")
            current = entry
            entryDepth = depth
        case .cdfTitle, .title:
            if current == nil {
                if depth == 2 { begin(.feedTitle(kind: .text)) }
            } else if depth == entryDepth + 1 {
                begin(.title(kind: .text))
            }
        case .abstract:
            if current != nil, depth == entryDepth + 1 { begin(.summary(kind: .text)) }
        default:
            break
        }
    }

    private func isAtomName(_ tag: XMLStartTag) -> Bool {
        tag.namespace == .atom || tag.namespace == .atom03 || tag.namespace == .none
            || (rootNamespace == .other && tag.namespace == .other)
    }

    private func startAtomElement(_ tag: XMLStartTag) {
        guard isAtomName(tag) else { return }
        if current == nil {
            // An RSS `<item>` written straight into an Atom feed, as templates that mix
            // the two do, is read as the entry it stands for, not dropped.
            if tag.element == .entry || (tag.element == .item && depth == 2) {
                current = RawEntry(entry: FeedEntry(baseURL: currentBase))
                entryDepth = depth
                return
            }
            guard depth == 2 else { return }
            switch tag.element {
            case .title:
                let text = atomText(tag)
                begin(.feedTitle(kind: text.kind), mode: text.mode, base64: text.base64)
            case .id: begin(.feedID)
            case .link:
                // As in other readers, the last alternate link wins.
                if isAlternate(tag), let href = tag.attribute("href") {
                    link = resolve(href) ?? href
                }
            default: break
            }
            return
        }
        if tag.element == .entry, depth == entryDepth + 1, let outer = current.take() {
            // An entry inside an entry: as for RSS items, each is an entry.
            entries.append(outer)
            current = RawEntry(entry: FeedEntry(baseURL: currentBase))
            entryDepth = depth
            return
        }
        let parent = self.parent
        if depth == entryDepth + 2, parent == .author {
            switch tag.element {
            case .name: begin(.authorName)
            case .email: begin(.authorEmail)
            default: break
            }
            return
        }
        if depth == entryDepth + 2, parent == .source, tag.element == .title {
            begin(.source)
            return
        }
        guard depth == entryDepth + 1 else { return }
        switch tag.element {
        case .title:
            let text = atomText(tag)
            begin(.title(kind: text.kind), mode: text.mode, base64: text.base64)
        case .id: begin(.id)
        case .published, .issued: begin(.published)
        case .updated, .modified: begin(.updated)
        case .summary:
            let text = atomText(tag)
            begin(.summary(kind: text.kind), mode: text.mode, base64: text.base64)
        case .content:
            if let base = bases.last, base.depth == depth { current?.entry.baseURL = base.base }
            let text = atomText(tag)
            begin(.content(kind: text.kind), mode: text.mode, base64: text.base64)
        case .link:
            if isAlternate(tag) {
                if let href = tag.attribute("href") {
                    current?.entry.link = resolve(href) ?? href
                } else if current?.entry.link == nil {
                    // `<link>http://…</link>`, written the RSS way: the text is the link.
                    begin(.link)
                }
            }
        case .category:
            if let term = tag.attribute("term"), !term.isEmpty {
                current?.entry.categories.append(term)
            } else {
                // Not Atom, but seen: the term written as the element's text.
                begin(.category)
            }
        default: break
        }
    }

    /// How an Atom text construct is read, from its `type` (and Atom 0.3's `mode`),
    /// each attribute looked up once: the text's kind, and how it is captured.
    private func atomText(_ tag: XMLStartTag) -> (kind: TextKind, mode: CaptureMode, base64: Bool) {
        let type = tag.attribute("type")?.lowercased()
        let modeAttribute = tag.attribute("mode")?.lowercased()
        // RFC 4287 §4.1.3.3: content of a MIME type that is neither XML nor text
        // is base64; Atom 0.3 says so with mode="base64".
        let isBinaryType: Bool
        switch type {
        case nil, "text", "html", "xhtml", "text/plain", "text/html", "application/xhtml+xml": isBinaryType = false
        case let type?: isBinaryType = Self.isBinaryMediaType(type.utf8)
        }
        let base64 = modeAttribute == "base64" || (format == .atom && modeAttribute == nil && isBinaryType)
        let kind: TextKind
        if format == .atom03, modeAttribute == "escaped" {
            kind = .html
        } else {
            let kindType = type ?? "text"
            kind = kindType == "text" || kindType == "text/plain" || isBinaryType ? .text : .html
        }
        if base64 { return (kind, .text, true) }
        let mode: CaptureMode
        if type == "xhtml" || type == "application/xhtml+xml" || modeAttribute == "xml" {
            mode = .xhtml
        } else {
            // HTML content is meant to be escaped, but raw markup is common: keep it.
            mode = type == "html" || type == "text/html" ? .html : .text
        }
        return (kind, mode, false)
    }

    /// A MIME type (`type/subtype`) that is neither text nor XML, on the bytes.
    private static func isBinaryMediaType(_ type: String.UTF8View) -> Bool {
        guard let slash = type.firstIndex(of: UInt8(ascii: "/")) else { return false }
        if type[..<slash].elementsEqual("text".utf8) { return false }
        let subtype = type[type.index(after: slash)...]
        return !subtype.elementsEqual("xml".utf8) && !subtype.reversed().starts(with: "lmx+".utf8)
    }

    private func isAlternate(_ tag: XMLStartTag) -> Bool {
        let rel = tag.attribute("rel") ?? "alternate"
        return rel == "alternate"
    }

    // MARK: Capturing text

    private func begin(_ field: Field, mode: CaptureMode = .text, base64: Bool = false) {
        capturing = true
        captureField = field
        captureDepth = depth
        captureMode = mode
        captureBase64 = base64
        captureBytes.removeAll()
        skippedWrapperDepth = nil
        onlyInsideDepth = nil
    }

    private func appendStartTag(_ tag: XMLStartTag) {
        if case .author = captureField, tag.element == .name, onlyInsideDepth == nil {
            // An RSS author written the Atom way (<author><name>…</name><title>…):
            // the name alone is the author.
            captureBytes.removeAll()
            onlyInsideDepth = depth
            return
        }
        guard captureMode != .text else { return }
        if captureMode == .xhtml, skippedWrapperDepth == nil, tag.element == .div, depth == captureDepth + 1,
           captureBytes.withBytes({ $0.allSatisfy(isASCIIWhitespace) }) {
            skippedWrapperDepth = depth
            captureBytes.removeAll()
            return
        }
        tag.appendMarkup(to: &captureBytes)
    }

    private func appendEndTag(_ tag: XMLEndTag) {
        if onlyInsideDepth == depth {
            // The author's <name> has ended: nothing after it counts.
            onlyInsideDepth = Int.max
            return
        }
        guard captureMode != .text else { return }
        if skippedWrapperDepth == depth { return }
        // The element that ends is the last one in the path (libxml2 reports the
        // name of the element it closes, even for a mismatched end tag).
        if path.last?.isVoid ?? false { return }
        captureBytes.append("</")
        captureBytes.append(tag.localBytes)
        captureBytes.append(UInt8(ascii: ">"))
    }

    /// Stores the captured text in its field. The bytes are trimmed in place and
    /// mended (control characters, double encoding) only when they need it, then
    /// become the field's String, or a FeedText's own array, with one copy.
    private func commit() {
        let field = captureField
        let mode = captureMode
        if captureBase64, let decoded = captureBytes.withBytes(Base64.decoded) {
            captureBytes.removeAll()
            decoded.withUnsafeBufferPointer { captureBytes.append($0) }
        }
        // Summaries and contents stay UTF-8 bytes (FeedText), in an array of their own.
        switch field {
        case .summary(let kind):
            let text = FeedText(utf8: capturedBytes(), kind: isMarkup(mode) ? .html : kind)
            if current?.entry.summary == nil {
                current?.entry.summary = text
                current?.summaryDepth = captureDepth
            } else if current?.hasContent == false {
                current?.entry.secondarySummary = text
                current?.hasContent = true
            } else if !text.utf8.isEmpty, captureDepth <= current?.summaryDepth ?? Int.max {
                current?.entry.summary = text
                current?.summaryDepth = captureDepth
            }
            return
        case .content(let kind):
            current?.hasContent = true
            if current?.entry.content == nil {
                let utf8 = capturedBytes()
                if !utf8.isEmpty { current?.entry.content = FeedText(utf8: utf8, kind: isMarkup(mode) ? .html : kind) }
            }
            return
        default:
            break
        }
        // The other fields are short: each becomes a String straight from the buffer.
        let value = capturedText()
        switch field {
        case .feedTitle(let kind):
            // The first title wins: a second channel (two feeds written one
            // after the other) does not rename the feed.
            if title == nil { title = value.map { titleText($0, kind: kind, mode: mode) } }
        case .feedLink:
            if link == nil, let value { link = resolve(value) ?? value }
        case .feedLanguage: language = value
        case .feedTTL: ttl = value
        case .feedID: feedID = value
        case .title(let kind):
            current?.entry.title = value.map { titleText($0, kind: kind, mode: mode) }
        case .link:
            if let value { current?.entry.link = resolve(value) ?? value }
        case .id: current?.entry.id = value.map { resolve(id: $0) }
        case .feedTitleFallback: fallbackTitle = value.map(HTMLText.collapseWhitespace)
        case .titleFallback:
            if current?.fallbackTitle == nil { current?.fallbackTitle = value.map(HTMLText.collapseWhitespace) }
        case .authorFallback: current?.fallbackAuthor = value
        case .idFallback:
            if current?.fallbackID == nil { current?.fallbackID = value.map { resolve(id: $0) } }
        // When a document repeats a date or author (pubDate and dcterms:issued, say),
        // the last one wins, as in other feed readers.
        case .published: if let value { current?.published = value }
        case .updated: if let value { current?.updated = value }
        case .author: if let value { current?.entry.author = value }
        case .authorName: current?.authorName = value
        case .authorEmail: current?.authorEmail = value
        case .summary, .content: break
        case .updatePeriod: updatePeriod = value
        case .updateFrequency: updateFrequency = value
        case .category:
            if let value { current?.entry.categories.append(HTMLText.collapseWhitespace(value)) }
        case .keywords:
            // Media RSS and iTunes keywords: a comma-separated list.
            for keyword in (value ?? "").split(separator: ",") {
                let term = HTMLText.collapseWhitespace(String(keyword))
                if !term.isEmpty { current?.entry.categories.append(term) }
            }
        case .source:
            if current?.entry.source == nil, let value { current?.entry.source = HTMLText.collapseWhitespace(value) }
        }
    }

    /// The captured bytes without surrounding ASCII whitespace, mended (control
    /// characters restored, double encoding undone) where they need it, as an
    /// array of their own: a FeedText's storage.
    private func capturedBytes() -> [UInt8] {
        captureBytes.withBytes { buffer in
            guard let trimmed = Self.trimmed(buffer) else { return [] }
            return Self.mended(trimmed) ?? Array(trimmed)
        }
    }

    /// The captured text, trimmed and mended like ``capturedBytes()``, as a String
    /// made once from the bytes; nil when nothing but whitespace was captured.
    private func capturedText() -> String? {
        captureBytes.withBytes { buffer in
            guard let trimmed = Self.trimmed(buffer) else { return nil }
            if let mended = Self.mended(trimmed) { return String(decoding: mended, as: UTF8.self) }
            return String(decoding: trimmed, as: UTF8.self)
        }
    }

    /// `buffer` without leading and trailing ASCII whitespace; nil when nothing is left.
    private static func trimmed(_ buffer: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let first = buffer.firstIndex(where: { !isASCIIWhitespace($0) }),
              let last = buffer.lastIndex(where: { !isASCIIWhitespace($0) })
        else { return nil }
        return UnsafeBufferPointer(rebasing: buffer[first...last])
    }

    /// The bytes with control characters restored and double encoding undone, or
    /// nil when neither changes anything (the common case).
    private static func mended(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let restored = XMLRepair.restoredControls(bytes) else { return DoubleEncoding.repairedUTF8(bytes) }
        return restored.withUnsafeBufferPointer { DoubleEncoding.repairedUTF8($0) } ?? restored
    }

    private func isMarkup(_ mode: CaptureMode) -> Bool {
        mode == .xhtml || mode == .xhtmlBody
    }

    /// Titles are plain text: markup is stripped and entities decoded for HTML
    /// titles; whitespace is always collapsed.
    private func titleText(_ value: String, kind: TextKind, mode: CaptureMode) -> String {
        if kind == .html || isMarkup(mode) { return HTMLText.plainText(fromHTML: value) }
        return HTMLText.collapseWhitespace(value)
    }

    // MARK: URLs

    private var currentBase: String? { bases.last?.base }

    /// Resolves `reference` against the `xml:base` in scope, else against the
    /// document's URL; nil when nothing changes.
    private func resolve(_ reference: String) -> String? {
        guard let base = currentBase ?? documentURL, !URLText.isAbsolute(reference) else { return nil }
        return URLText.resolve(reference, against: base)
    }

    /// An id written as a relative URL path (`/story/1`, `./1`, `../1`) resolved
    /// like a link. Any other id (`12345`, `t3_42tizy`, a URN) is a name, not a
    /// reference, and stays as written: it keys deduplication.
    private func resolve(id: String) -> String {
        // Most ids start with a letter or a digit: one byte says no.
        guard let first = id.utf8.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "."),
              id.hasPrefix("/") || id.hasPrefix("./") || id.hasPrefix("../")
        else { return id }
        return resolve(id) ?? id
    }
}

/// Repairs two publishing mistakes that feed readers undo, in every field:
/// text that was UTF-8, read by someone as Latin-1 and encoded as UTF-8 again
/// ("cafÃ©" for "café"), and windows-1252 punctuation stored as C1 control
/// characters (U+0093 for a left double quotation mark).
enum DoubleEncoding {
    /// The text of `utf8`, repaired when every character is at most U+00FF, at
    /// least one is not ASCII, and the characters taken as bytes are valid UTF-8;
    /// otherwise with C1 controls mapped to their windows-1252 characters.
    static func repaired(_ utf8: [UInt8]) -> String {
        utf8.withUnsafeBufferPointer { buffer in
            repairedUTF8(buffer).map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: buffer, as: UTF8.self)
        }
    }

    /// ``repaired(_:)`` as UTF-8 bytes, or nil when there is nothing to repair
    /// (the common case), so that the caller keeps the bytes it has.
    static func repairedUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // Only lead bytes 0xC2 and 0xC3 encode U+0080–U+00FF: text without them
        // (ASCII, Chinese, ...) has nothing to repair. memchr makes that check cheap.
        guard let base = utf8.baseAddress,
              memchr(base, 0xC2, utf8.count) != nil || memchr(base, 0xC3, utf8.count) != nil
        else { return nil }
        guard !reaches(0xC4, utf8) else { return mappingC1Controls(utf8) }
        // Every character is at most U+00FF when the bytes are ASCII and two-byte
        // sequences C2/C3 + continuation; anything else (a stray continuation byte,
        // an overlong C0/C1 lead, a cut sequence) would decode to U+FFFD, which is
        // above U+00FF: then there is nothing to repair.
        var latin: [UInt8] = []
        latin.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x80 {
                latin.append(byte)
                index += 1
                continue
            }
            guard byte == 0xC2 || byte == 0xC3, index + 1 < utf8.count, utf8[index + 1] & 0xC0 == 0x80 else {
                return nil
            }
            latin.append((byte & 0x1F) << 6 | (utf8[index + 1] & 0x3F))
            index += 2
        }
        guard TextEncoding.isValidUTF8(latin[...]) else { return mappingC1Controls(utf8) }
        return latin
    }

    /// C1 controls (U+0080–U+009F, encoded C2 80–C2 9F) as the windows-1252
    /// characters of the same byte values; the five bytes that windows-1252 leaves
    /// undefined stay as they are. Works on the bytes; returns nil when the input
    /// has no C1 control.
    private static func mappingC1Controls(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // The first C2 80–C2 9F: memchr finds each 0xC2 that has a byte after it.
        guard let base = utf8.baseAddress else { return nil }
        var index = 0
        var hasC1 = false
        while index + 1 < utf8.count, let hit = memchr(base + index, 0xC2, utf8.count - 1 - index) {
            index = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
            if utf8[index + 1] >= 0x80, utf8[index + 1] <= 0x9F {
                hasC1 = true
                break
            }
            index += 1
        }
        guard hasC1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count + 16)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<index]))
        while index < utf8.count {
            let byte = utf8[index]
            if byte == 0xC2, index + 1 < utf8.count, (0x80...0x9F).contains(utf8[index + 1]),
               let mapped = windows1252[Int(utf8[index + 1] - 0x80)].flatMap(Unicode.Scalar.init) {
                output.append(contentsOf: String(Character(mapped)).utf8)
                index += 2
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// Whether some byte is `threshold` or more: the maximum of each block of 64
    /// bytes, a loop without early exit that the compiler vectorizes.
    private static func reaches(_ threshold: UInt8, _ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        while start < utf8.count {
            let end = min(start + 64, utf8.count)
            var highest: UInt8 = 0
            for index in start..<end { highest = max(highest, utf8[index]) }
            if highest >= threshold { return true }
            start = end
        }
        return false
    }

    private static let windows1252: [UInt32?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil,
        0x017D, nil, nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, nil, 0x017E, 0x0178,
    ]
}

/// URL helpers shared by the parser and later stages.
public enum URLText {
    /// Whether `reference` starts with a scheme (`http:`, `mailto:`, ...).
    public static func isAbsolute(_ reference: String) -> Bool {
        var sawLetter = false
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                sawLetter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if !sawLetter { return false }
            case UInt8(ascii: ":"):
                return sawLetter
            default:
                return false
            }
        }
        return false
    }

    /// `reference` resolved against `base` (RFC 3986), or nil when either does not parse.
    public static func resolve(_ reference: String, against base: String) -> String? {
        // An empty reference is the base itself (RFC 3986 §5.2).
        if reference.isEmpty { return URL(string: base)?.absoluteString }
        guard let baseURL = URL(string: base),
              let resolved = URL(string: reference, relativeTo: baseURL)
        else { return nil }
        return resolved.absoluteString
    }
}
