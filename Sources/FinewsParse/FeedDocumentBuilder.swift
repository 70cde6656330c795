import Foundation
import Glibc

/// Namespace URIs the builder recognises.
enum Namespace {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"
    static let dublinCoreTerms = "http://purl.org/dc/terms/"
    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let xml = "http://www.w3.org/XML/1998/namespace"
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

    private var title: String?
    private var link: String?
    /// The declared language (`<language>` or the root's `xml:lang`).
    private(set) var language: String?
    private var ttl: String?
    private var feedID: String?
    private var updatePeriod: String?
    private var updateFrequency: String?
    private(set) var entries: [RawEntry] = []

    private var depth = 0
    private var current: RawEntry?
    private var entryDepth = 0
    private var bases: [(depth: Int, base: String)] = []
    private var capture: Capture?
    /// The enclosing element names (local part) at each depth, for context checks.
    private var path: [String] = []

    /// Text being collected for one field, up to the end of the element that opened it.
    private struct Capture {
        var field: Field
        var depth: Int
        var mode: Mode
        var bytes: [UInt8] = []
        /// For XHTML content: the wrapping `<div>` has been skipped at this depth.
        var skippedWrapperDepth: Int?
        /// When set, only text at this depth or deeper counts (an author's `<name>`).
        var onlyInsideDepth: Int?

        /// `text`: characters only; `html`: characters are HTML source, stray child
        /// elements are serialized; `xhtml`: child elements are the markup (a wrapping
        /// `div` is dropped); `xhtmlBody`: like xhtml, the element itself is the wrapper.
        enum Mode { case text, html, xhtml, xhtmlBody }
    }

    /// The fields the builder collects text for.
    private enum Field {
        case feedTitle(kind: TextKind), feedLink, feedLanguage, feedTTL, feedID
        case title(kind: TextKind), link, id, published, updated, author, authorName, authorEmail
        case summary(kind: TextKind), content(kind: TextKind), category, source
        case keywords, updatePeriod, updateFrequency
    }

    /// An entry as collected: text still raw, dates not yet parsed.
    struct RawEntry {
        var id: String?
        var title: String?
        var link: String?
        var published: String?
        var updated: String?
        var author: String?
        var authorName: String?
        var authorEmail: String?
        var content: FeedText?
        var categories: [String] = []
        var source: String?
        var baseURL: String?
        var media: [FeedMedia] = []
        var guidIsPermaLink = false
        var isComplete = true
        /// The summary: the first summary-like element (`description`, `summary`,
        /// `itunes:summary`, `media:description`; an empty one counts), or a later
        /// one once the entry has content.
        var summary: FeedText?
        /// A second summary-like element that came before any content element:
        /// other readers show it as the content.
        var secondarySummary: FeedText?
        /// A content element, or a secondary summary, has been seen.
        var hasContent = false
    }

    // MARK: Events

    var wantsToStop: Bool { foreignRoot != nil }

    /// Set after the parse when libxml2 met bytes that are not UTF-8.
    var sawEncodingError = false

    func startElement(_ name: XMLName, attributes: [XMLAttribute]) {
        depth += 1
        path.append(name.local)
        if let base = attributes.first(where: { $0.name.local == "base" && $0.name.known == .xml })?.value {
            bases.append((depth, resolve(base) ?? base))
        }
        if capture != nil {
            appendStartTag(name, attributes: attributes)
            return
        }
        if depth == 1 {
            detectFormat(name, attributes: attributes)
            return
        }
        guard let format else { return }
        if startExtensionElement(name, attributes: attributes) { return }
        switch format {
        case .rss, .rdf: startRSSElement(name, attributes: attributes)
        case .atom, .atom03: startAtomElement(name, attributes: attributes)
        case .json: break
        }
    }

    /// Elements of the common extension namespaces, which mean the same in every
    /// format. Returns true when the element was handled.
    private func startExtensionElement(_ name: XMLName, attributes: [XMLAttribute]) -> Bool {
        let namespace = name.known
        guard namespace != .none else { return false }
        if current == nil {
            switch (namespace, name.local) {
            case (.syndication, "updatePeriod"): begin(.updatePeriod)
            case (.syndication, "updateFrequency"): begin(.updateFrequency)
            case (.atom, "link") where format == .rss || format == .rdf:
                if link == nil, isAlternate(attributes), let href = attribute("href", attributes) {
                    link = resolve(href) ?? href
                }
            default: return false
            }
            return true
        }
        // Media RSS groups its elements; read them at any depth inside the entry.
        if namespace == .media {
            switch name.local {
            case "description":
                // Only an item's own media:description is a summary; one that
                // describes a single media object (nested in it) is not.
                if depth == entryDepth + 1 || path.dropLast().last == "group" { begin(.summary(kind: .text)) }
            case "keywords": begin(.keywords)
            case "category": begin(.category)
            case "content", "thumbnail":
                if let url = attribute("url", attributes) {
                    let item = FeedMedia(
                        url: resolve(url) ?? url, type: attribute("type", attributes),
                        medium: name.local == "thumbnail" ? "thumbnail" : attribute("medium", attributes))
                    current?.media.append(item)
                }
            default: break
            }
            return true
        }
        guard depth == entryDepth + 1 else { return false }
        switch (namespace, name.local) {
        case (.content, "encoded"): begin(.content(kind: .html), mode: .html)
        case (.dublinCore, "creator"): begin(.author)
        case (.dublinCore, "date"): begin(.updated)
        case (.dublinCore, "subject"): begin(.category)
        case (.dublinCore, "source"), (.dublinCore, "publisher"): begin(.source)
        case (.dublinCoreTerms, "issued"), (.dublinCoreTerms, "created"): begin(.published)
        case (.dublinCoreTerms, "modified"): begin(.updated)
        case (.xhtml, "body"): begin(.content(kind: .html), mode: .xhtmlBody)
        case (.itunes, "summary"): begin(.summary(kind: .text))
        case (.itunes, "author"): begin(.author)
        case (.itunes, "keywords"): begin(.keywords)
        case (.dublinCore, "description"): begin(.summary(kind: .text))
        // Atom elements borrowed by RSS items.
        case (.atom, "updated") where format == .rss || format == .rdf: begin(.updated)
        case (.atom, "published") where format == .rss || format == .rdf: begin(.published)
        case (.atom, "link") where format == .rss || format == .rdf:
            if current?.link == nil, isAlternate(attributes), let href = attribute("href", attributes) {
                current?.link = resolve(href) ?? href
            }
        default: return false
        }
        return true
    }

    func endElement(_ name: XMLEndTag) {
        defer {
            if let last = bases.last, last.depth == depth { bases.removeLast() }
            depth -= 1
            if !path.isEmpty { path.removeLast() }
        }
        if let active = capture {
            if active.depth == depth {
                capture = nil
                commit(active)
            } else {
                appendEndTag(name)
            }
            return
        }
        if current != nil, depth == entryDepth {
            if let entry = current { entries.append(entry) }
            current = nil
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard capture != nil else { return }
        if let only = capture?.onlyInsideDepth, depth < only { return }
        if capture?.mode == .xhtml || capture?.mode == .xhtmlBody {
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "&"): capture?.bytes.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): capture?.bytes.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): capture?.bytes.append(contentsOf: "&gt;".utf8)
                default: capture?.bytes.append(byte)
                }
            }
        } else {
            capture?.bytes.append(contentsOf: bytes)
        }
    }

    /// Called after the last chunk. An entry cut off by the end of a truncated
    /// document is kept with the fields that were complete, and marked incomplete
    /// so that it is shown by `parse` but never published.
    func finish() {
        if var entry = current {
            entry.isComplete = false
            entries.append(entry)
        }
        current = nil
    }

    /// The collected feed, with dates parsed by `dates`.
    func feed(encoding: String, dates: FeedDateParser) -> Feed? {
        guard let format else { return nil }
        let feedEntries = entries.map { raw -> FeedEntry in
            var author = raw.author
            if author == nil, let name = raw.authorName {
                author = raw.authorEmail.map { "\(name) (\($0))" } ?? name
            } else if author == nil, let email = raw.authorEmail {
                author = email
            }
            // Without a link, an Atom id or an RSS permalink guid stands in for it.
            var link = raw.link
            if link == nil, let id = raw.id, format == .atom || format == .atom03 || raw.guidIsPermaLink {
                link = id
            }
            return FeedEntry(
                id: raw.id, title: raw.title, link: link,
                published: raw.published.flatMap(dates.parse), updated: raw.updated.flatMap(dates.parse),
                author: author, summary: summary(of: raw), content: raw.content, categories: raw.categories,
                source: raw.source, baseURL: raw.baseURL, media: raw.media,
                secondarySummary: raw.secondarySummary,
                isComplete: raw.isComplete)
        }
        return Feed(
            format: format, title: title, link: link ?? (format == .atom || format == .atom03 ? feedID : nil),
            language: language,
            ttlMinutes: ttl.flatMap { Int($0.trimmingASCIIWhitespace()) },
            updatePeriod: updatePeriod.flatMap(UpdatePeriod.init(rawValue:)),
            updateFrequency: updateFrequency.flatMap { Int($0.trimmingASCIIWhitespace()) },
            entries: feedEntries, encoding: encoding)
    }

    /// The summary as feed readers show it (see ``RawEntry/summary``), else the content.
    private func summary(of raw: RawEntry) -> FeedText? {
        raw.summary ?? raw.content
    }

    // MARK: Formats

    private func detectFormat(_ name: XMLName, attributes: [XMLAttribute]) {
        switch (name.local, name.known) {
        case ("rss", _): format = .rss
        case ("RDF", .rdf): format = .rdf
        case ("feed", .atom03): format = .atom03
        case ("feed", _): format = .atom
        default: foreignRoot = name.qualified
        }
        if let lang = attributes.first(where: { $0.name.local == "lang" && $0.name.known == .xml }) {
            language = lang.value
        }
    }

    private func isRSSName(_ name: XMLName) -> Bool {
        switch name.known {
        case .none, .rss10, .rss090, .userlandRSS: return true
        default: return false
        }
    }

    private func startRSSElement(_ name: XMLName, attributes: [XMLAttribute]) {
        if current == nil {
            if isRSSName(name), name.local == "item" {
                var entry = RawEntry()
                entry.baseURL = currentBase
                if let about = attributes.first(where: { $0.name.local == "about" && $0.name.known == .rdf }) {
                    entry.id = about.value
                }
                current = entry
                entryDepth = depth
                return
            }
            // Channel fields: children of <channel> (RSS 2.0 and RDF alike).
            guard isRSSName(name), path.count >= 2, path[path.count - 2] == "channel" else { return }
            switch name.local {
            case "title": begin(.feedTitle(kind: .text))
            case "link": begin(.feedLink)
            case "language": begin(.feedLanguage)
            case "ttl": begin(.feedTTL)
            default: break
            }
            return
        }
        if name.local == "category", isRSSName(name) {
            // Some feeds wrap their categories in a <categories> element.
            begin(.category)
            return
        }
        guard depth == entryDepth + 1, isRSSName(name) else { return }
        switch name.local {
        case "title": begin(.title(kind: .html))
        case "link": begin(.link)
        case "guid":
            current?.guidIsPermaLink = attribute("isPermaLink", attributes)?.lowercased() != "false"
            begin(.id)
        case "pubDate": begin(.published)
        case "modified": begin(.updated)
        case "description": begin(.summary(kind: .html), mode: .html)
        case "author": begin(.author)
        case "source": begin(.source)
        default: break
        }
    }

    private func isAtomName(_ name: XMLName) -> Bool {
        name.known == .atom || name.known == .atom03 || name.known == .none
    }

    private func startAtomElement(_ name: XMLName, attributes: [XMLAttribute]) {
        guard isAtomName(name) else { return }
        if current == nil {
            if name.local == "entry" {
                var entry = RawEntry()
                entry.baseURL = currentBase
                current = entry
                entryDepth = depth
                return
            }
            guard depth == 2 else { return }
            switch name.local {
            case "title": begin(.feedTitle(kind: atomKind(attributes)), mode: atomMode(attributes))
            case "id": begin(.feedID)
            case "link":
                // As in other readers, the last alternate link wins.
                if isAlternate(attributes), let href = attribute("href", attributes) {
                    link = resolve(href) ?? href
                }
            default: break
            }
            return
        }
        let parent = path.count >= 2 ? path[path.count - 2] : ""
        if depth == entryDepth + 2, parent == "author" {
            switch name.local {
            case "name": begin(.authorName)
            case "email": begin(.authorEmail)
            default: break
            }
            return
        }
        if depth == entryDepth + 2, parent == "source", name.local == "title" {
            begin(.source)
            return
        }
        guard depth == entryDepth + 1 else { return }
        switch name.local {
        case "title": begin(.title(kind: atomKind(attributes)), mode: atomMode(attributes))
        case "id": begin(.id)
        case "published", "issued": begin(.published)
        case "updated", "modified": begin(.updated)
        case "summary": begin(.summary(kind: atomKind(attributes)), mode: atomMode(attributes))
        case "content":
            if let base = bases.last, base.depth == depth { current?.baseURL = base.base }
            begin(.content(kind: atomKind(attributes)), mode: atomMode(attributes))
        case "link":
            if isAlternate(attributes), let href = attribute("href", attributes) {
                current?.link = resolve(href) ?? href
            }
        case "category":
            if let term = attribute("term", attributes), !term.isEmpty {
                current?.categories.append(term)
            } else {
                // Not Atom, but seen: the term written as the element's text.
                begin(.category)
            }
        default: break
        }
    }

    private func atomKind(_ attributes: [XMLAttribute]) -> TextKind {
        let type = attribute("type", attributes)?.lowercased() ?? "text"
        if format == .atom03, attribute("mode", attributes)?.lowercased() == "escaped" { return .html }
        return type == "text" || type == "text/plain" ? .text : .html
    }

    private func atomMode(_ attributes: [XMLAttribute]) -> Capture.Mode {
        let type = attribute("type", attributes)?.lowercased() ?? ""
        if type == "xhtml" || type == "application/xhtml+xml" || attribute("mode", attributes)?.lowercased() == "xml" {
            return .xhtml
        }
        // HTML content is meant to be escaped, but raw markup is common: keep it.
        return type == "html" || type == "text/html" ? .html : .text
    }

    private func isAlternate(_ attributes: [XMLAttribute]) -> Bool {
        let rel = attribute("rel", attributes) ?? "alternate"
        return rel == "alternate"
    }

    private func attribute(_ local: String, _ attributes: [XMLAttribute]) -> String? {
        attributes.first(where: { $0.name.local == local && $0.name.known == .none })?.value
    }

    // MARK: Capturing text

    private func begin(_ field: Field, mode: Capture.Mode = .text) {
        capture = Capture(field: field, depth: depth, mode: mode)
        // Bodies arrive in pieces of a few hundred bytes: start with room for a typical one.
        if mode != .text { capture?.bytes.reserveCapacity(8192) }
    }

    private func appendStartTag(_ name: XMLName, attributes: [XMLAttribute]) {
        if case .author? = capture?.field, name.local == "name", capture?.onlyInsideDepth == nil {
            // An RSS author written the Atom way (<author><name>…</name><title>…):
            // the name alone is the author.
            capture?.bytes.removeAll()
            capture?.onlyInsideDepth = depth
            return
        }
        guard let mode = capture?.mode, mode != .text else { return }
        if mode == .xhtml, capture?.skippedWrapperDepth == nil, capture?.bytes.isEmpty ?? false
            || capture?.bytes.allSatisfy(isASCIIWhitespace) ?? false,
            name.local == "div", depth == (capture?.depth ?? 0) + 1 {
            capture?.skippedWrapperDepth = depth
            capture?.bytes.removeAll()
            return
        }
        var tag = "<" + name.local
        for attribute in attributes {
            tag += " " + attribute.name.qualified + "=\"" + HTMLText.escape(attribute.value) + "\""
        }
        tag += ">"
        capture?.bytes.append(contentsOf: tag.utf8)
    }

    private func appendEndTag(_ name: XMLEndTag) {
        if capture?.onlyInsideDepth == depth {
            // The author's <name> has ended: nothing after it counts.
            capture?.onlyInsideDepth = Int.max
            return
        }
        guard let mode = capture?.mode, mode != .text else { return }
        if capture?.skippedWrapperDepth == depth { return }
        let local = name.local
        if Self.voidElements.contains(local) { return }
        capture?.bytes.append(contentsOf: "</\(local)>".utf8)
    }

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    private func commit(_ capture: Capture) {
        // Trim on the bytes, so that each field becomes a String exactly once.
        var bytes = capture.bytes
        if let first = bytes.firstIndex(where: { !isASCIIWhitespace($0) }),
           let last = bytes.lastIndex(where: { !isASCIIWhitespace($0) }) {
            if first > 0 || last < bytes.count - 1 { bytes = Array(bytes[first...last]) }
        } else {
            bytes = []
        }
        // Summaries and contents stay UTF-8 bytes (FeedText); the other fields are short.
        let utf8 = bytes.isEmpty ? bytes : DoubleEncoding.repairedUTF8(XMLRepair.restoredControls(bytes))
        var value: String? {
            utf8.isEmpty ? nil : String(decoding: utf8, as: UTF8.self)
        }
        switch capture.field {
        case .feedTitle(let kind):
            title = value.map { titleText($0, kind: kind, mode: capture.mode) }
        case .feedLink:
            if link == nil, let value { link = resolve(value) ?? value }
        case .feedLanguage: language = value
        case .feedTTL: ttl = value
        case .feedID: feedID = value
        case .title(let kind):
            current?.title = value.map { titleText($0, kind: kind, mode: capture.mode) }
        case .link:
            if let value { current?.link = resolve(value) ?? value }
        case .id: current?.id = value
        // When a document repeats a date or author (pubDate and dcterms:issued, say),
        // the last one wins, as in other feed readers.
        case .published: if let value { current?.published = value }
        case .updated: if let value { current?.updated = value }
        case .author: if let value { current?.author = value }
        case .authorName: current?.authorName = value
        case .authorEmail: current?.authorEmail = value
        case .summary(let kind):
            let text = FeedText(utf8: utf8, kind: isMarkup(capture.mode) ? .html : kind)
            if current?.summary == nil {
                current?.summary = text
            } else if current?.hasContent == false {
                current?.secondarySummary = text
                current?.hasContent = true
            } else if !text.utf8.isEmpty {
                current?.summary = text
            }
        case .content(let kind):
            current?.hasContent = true
            if current?.content == nil, !utf8.isEmpty {
                current?.content = FeedText(utf8: utf8, kind: isMarkup(capture.mode) ? .html : kind)
            }
        case .updatePeriod: updatePeriod = value
        case .updateFrequency: updateFrequency = value
        case .category:
            if let value { current?.categories.append(HTMLText.collapseWhitespace(value)) }
        case .keywords:
            // Media RSS and iTunes keywords: a comma-separated list.
            for keyword in (value ?? "").split(separator: ",") {
                let term = HTMLText.collapseWhitespace(String(keyword))
                if !term.isEmpty { current?.categories.append(term) }
            }
        case .source:
            if current?.source == nil, let value { current?.source = HTMLText.collapseWhitespace(value) }
        }
    }

    private func isMarkup(_ mode: Capture.Mode) -> Bool {
        mode == .xhtml || mode == .xhtmlBody
    }

    /// Titles are plain text: markup is stripped and entities decoded for HTML
    /// titles; whitespace is always collapsed.
    private func titleText(_ value: String, kind: TextKind, mode: Capture.Mode) -> String {
        if kind == .html || isMarkup(mode) { return HTMLText.plainText(fromHTML: value) }
        return HTMLText.collapseWhitespace(value)
    }

    // MARK: URLs

    private var currentBase: String? { bases.last?.base }

    /// Resolves `reference` against the `xml:base` in scope; nil when nothing changes.
    private func resolve(_ reference: String) -> String? {
        guard let base = currentBase, !URLText.isAbsolute(reference) else { return nil }
        return URLText.resolve(reference, against: base)
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
        String(decoding: repairedUTF8(utf8), as: UTF8.self)
    }

    /// ``repaired(_:)`` as UTF-8 bytes: the input itself, uncopied, when there is
    /// nothing to repair (the common case).
    static func repairedUTF8(_ utf8: [UInt8]) -> [UInt8] {
        // Only lead bytes 0xC2 and 0xC3 encode U+0080–U+00FF: text without them
        // (ASCII, Chinese, ...) has nothing to repair. memchr makes that check cheap.
        let hasLatin = utf8.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return false }
            return memchr(base, 0xC2, raw.count) != nil || memchr(base, 0xC3, raw.count) != nil
        }
        guard hasLatin else { return utf8 }
        let onlyLatin = utf8.withUnsafeBufferPointer { buffer in !buffer.contains(where: { $0 >= 0xC4 }) }
        guard onlyLatin else { return mappingC1Controls(utf8) }
        var latin: [UInt8] = []
        latin.reserveCapacity(utf8.count)
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            guard scalar.value <= 0xFF else { return utf8 }
            latin.append(UInt8(scalar.value))
        }
        guard TextEncoding.isValidUTF8(latin[...]) else { return mappingC1Controls(utf8) }
        return latin
    }

    /// C1 controls (U+0080–U+009F, encoded C2 80–C2 9F) as the windows-1252
    /// characters of the same byte values; the five bytes that windows-1252 leaves
    /// undefined stay as they are. Works on the bytes; returns the input when it
    /// has no C1 control.
    private static func mappingC1Controls(_ utf8: [UInt8]) -> [UInt8] {
        let hasC1 = utf8.withUnsafeBufferPointer { buffer -> Bool in
            var index = 0
            while index + 1 < buffer.count {
                if buffer[index] == 0xC2, buffer[index + 1] >= 0x80, buffer[index + 1] <= 0x9F { return true }
                index += 1
            }
            return false
        }
        guard hasC1 else { return utf8 }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count + 16)
        var index = 0
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
