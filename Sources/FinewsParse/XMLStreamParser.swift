import CLibXML2
import Glibc

/// The local names of the elements the builder acts on, resolved once per name
/// that libxml2 interns, so that dispatch compares small values and never builds a
/// String. Every other name is ``other``. Names are matched exactly (case matters).
enum ElementName: UInt8 {
    case other
    // Roots and containers.
    case rss, RDF, feed, channel, item, entry, group
    // Fields.
    case title, link, guid, pubDate, modified, description, author, source, category, language, ttl
    case id, published, issued, updated, summary, content, name, email, keywords, thumbnail
    case encoded, creator, date, subject, publisher, created, body, updatePeriod, updateFrequency
    case div
    // Less common fields: RSS `fullitem`, the content module's `items`/`value`,
    // iTunes `category`'s text, and CDF (`CHANNEL`, `ITEM`, `TITLE`, `ABSTRACT`).
    case fullitem, items, value, abstract, cdfChannel, cdfItem, cdfTitle
    case enclosure, image
    // The other HTML void elements (`link` and `source` are above).
    case area, base, br, col, embed, hr, img, input, meta, track, wbr

    init(_ local: String) {
        // Exactly as written first; then without regard to case, as lenient
        // readers match (`<Title>`, `<LINK>`, `<PubDate>`).
        self = Self.byName[local] ?? Self.byLowercasedName[local.lowercased()] ?? .other
    }

    private static let byLowercasedName: [String: ElementName] = {
        // Names spelled in lowercase win (`title` over CDF's `TITLE`).
        var table: [String: ElementName] = [:]
        for (name, element) in byName where name == name.lowercased() { table[name] = element }
        for (name, element) in byName where table[name.lowercased()] == nil { table[name.lowercased()] = element }
        return table
    }()

    private static let byName: [String: ElementName] = [
        "rss": .rss, "RDF": .RDF, "feed": .feed, "channel": .channel, "item": .item, "entry": .entry,
        "group": .group, "title": .title, "link": .link, "guid": .guid, "pubDate": .pubDate,
        "modified": .modified, "description": .description, "author": .author, "source": .source,
        "category": .category, "language": .language, "ttl": .ttl, "id": .id, "published": .published,
        "issued": .issued, "updated": .updated, "summary": .summary, "content": .content, "name": .name,
        "email": .email, "keywords": .keywords, "thumbnail": .thumbnail, "encoded": .encoded,
        "creator": .creator, "date": .date, "subject": .subject, "publisher": .publisher,
        "created": .created, "body": .body, "updatePeriod": .updatePeriod,
        "updateFrequency": .updateFrequency, "div": .div, "fullitem": .fullitem, "items": .items,
        "value": .value, "abstract": .abstract, "ABSTRACT": .abstract, "CHANNEL": .cdfChannel,
        "ITEM": .cdfItem, "TITLE": .cdfTitle, "enclosure": .enclosure, "image": .image, "area": .area, "base": .base, "br": .br,
        "col": .col, "embed": .embed, "hr": .hr, "img": .img, "input": .input, "meta": .meta,
        "track": .track, "wbr": .wbr,
    ]

    /// HTML elements that have no end tag: none is written when markup is serialized.
    var isVoid: Bool {
        switch self {
        case .area, .base, .br, .col, .embed, .hr, .img, .input, .link, .meta, .source, .track, .wbr: true
        default: false
        }
    }
}

/// A start tag as libxml2 reports it, valid only during the `startElement` call.
///
/// Nothing is copied up front: the name is already resolved to ``ElementName`` and
/// ``KnownNamespace``, and an attribute value becomes a String only when the
/// builder asks for it by name (most elements' attributes are never read).
struct XMLStartTag {
    /// The local name, resolved.
    let element: ElementName
    /// The element's namespace, resolved.
    let namespace: KnownNamespace
    fileprivate let localName: UnsafePointer<UInt8>
    fileprivate let prefix: UnsafePointer<UInt8>?
    /// libxml2's attribute array: five pointers per attribute (local name, prefix,
    /// URI, value start, value end); `attributeCount` of them.
    fileprivate let attributes: UnsafePointer<UnsafePointer<xmlChar>?>?
    let attributeCount: Int

    /// The local part of the name.
    var local: String { String(cString: localName) }

    /// Whether the element carries everything in its attributes, so that it ends
    /// where it starts, whether or not the document closes it: an RSS
    /// `<enclosure url=…>`, an Atom `<link href=…>`, `itunes:image`,
    /// `media:thumbnail`. Publishers often leave these open (`>` for `/>`), which
    /// would make the fields after them their children.
    var endsAtOnce: Bool {
        switch (element, namespace) {
        case (.enclosure, .none), (.image, .itunes), (.thumbnail, .media): true
        // With an href: `<link rel="alternate">http://…</link>`, written the RSS
        // way, keeps its text.
        case (.link, .atom), (.link, .atom03): attributeCount > 0 && attribute("href") != nil
        default: false
        }
    }

    /// The name as written in the document (`prefix:local`).
    var qualified: String { prefix.map { "\(String(cString: $0)):\(local)" } ?? local }

    /// The decoded value of the attribute `local` in `namespace` (``KnownNamespace/none``
    /// for an unprefixed attribute), or nil when the tag has none.
    func attribute(_ local: StaticString, in namespace: KnownNamespace = .none) -> String? {
        guard let attributes, attributeCount > 0 else { return nil }
        for index in 0..<attributeCount {
            let base = index * 5
            guard let name = attributes[base], Self.equals(name, local),
                  Self.matches(attributes[base + 2], namespace)
            else { continue }
            return Self.value(attributes[base + 3], attributes[base + 4]).map(Self.decoded)
        }
        return nil
    }

    /// Appends the tag as HTML source (`<local name="value" ...>`), values decoded
    /// by libxml2 and the builder, then escaped again.
    func appendMarkup(to output: inout ByteBuffer) {
        output.append(UInt8(ascii: "<"))
        output.append(UnsafeBufferPointer(start: localName, count: strlen(localName)))
        if let attributes {
            for index in 0..<attributeCount {
                let base = index * 5
                guard let name = attributes[base], let value = Self.value(attributes[base + 3], attributes[base + 4])
                else { continue }
                output.append(0x20)
                if let prefix = attributes[base + 1] {
                    output.append(UnsafeBufferPointer(start: prefix, count: strlen(prefix)))
                    output.append(UInt8(ascii: ":"))
                }
                output.append(UnsafeBufferPointer(start: name, count: strlen(name)))
                output.append("=\"")
                if value.contains(UInt8(ascii: "&")) {
                    var decoded = Self.decoded(value)
                    decoded.withUTF8 { HTMLText.appendEscaped($0, to: &output) }
                } else {
                    HTMLText.appendEscaped(value, to: &output)
                }
                output.append(UInt8(ascii: "\""))
            }
        }
        output.append(UInt8(ascii: ">"))
    }

    private static func value(_ start: UnsafePointer<xmlChar>?, _ end: UnsafePointer<xmlChar>?) -> UnsafeBufferPointer<UInt8>? {
        guard let start, let end, end >= start else { return nil }
        return UnsafeBufferPointer(start: start, count: end - start)
    }

    /// Without entity substitution, libxml2 hands attribute values over with
    /// character references (`&#38;`) still in them.
    private static func decoded(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let value = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(UInt8(ascii: "&")) ? HTMLText.decodeEntities(value) : value
    }

    /// Whether the NUL-terminated `name` is exactly `literal`.
    @inline(__always)
    private static func equals(_ name: UnsafePointer<xmlChar>, _ literal: StaticString) -> Bool {
        // Byte by byte: `name` may be shorter than the literal, and is never read past its NUL.
        let bytes = literal.utf8Start
        for index in 0..<literal.utf8CodeUnitCount where name[index] != bytes[index] { return false }
        return name[literal.utf8CodeUnitCount] == 0
    }

    /// Whether an attribute's namespace URI (nil for none) is `namespace`.
    private static func matches(_ uri: UnsafePointer<xmlChar>?, _ namespace: KnownNamespace) -> Bool {
        guard let uri else { return namespace == .none }
        // The two namespaces attributes are looked up in have one URI each: compare
        // the bytes, without making a String.
        switch namespace {
        case .none: return false
        case .xml: return equals(uri, Namespace.xmlLiteral)
        case .rdf: return equals(uri, Namespace.rdfLiteral)
        default: return KnownNamespace(uri: String(cString: uri)) == namespace
        }
    }
}

/// The name of an element that ends, read only when the handler asks for it:
/// most end tags need nothing but the depth change.
struct XMLEndTag {
    fileprivate let localName: UnsafePointer<UInt8>

    /// The local part of the name, as UTF-8 bytes (valid during the call).
    var localBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: localName, count: strlen(localName)) }
}

/// The events ``XMLStreamParser`` reports, called on the parsing thread only.
/// (``FeedDocumentBuilder`` is the one handler; the parser calls it directly.)
protocol XMLEventHandler: AnyObject {
    func startElement(_ tag: XMLStartTag)
    func endElement(_ tag: XMLEndTag)
    func characters(_ bytes: UnsafeBufferPointer<UInt8>)
    /// True once the handler has seen enough (a root element that is no feed's):
    /// the parser stops instead of reading the rest.
    var wantsToStop: Bool { get }
}

/// Owns one libxml2 SAX2 push-parser context and feeds it UTF-8 bytes.
///
/// Options: recover from broken markup, never touch the network, never load a DTD
/// or substitute external entities, keep libxml2's entity-expansion limits, and
/// ignore the encoding declaration (the bytes are UTF-8 by the time they arrive).
/// libxml2's own error printing is switched off; errors are only counted.
final class XMLStreamParser {
    private let context: xmlParserCtxtPtr
    private let handlerBox: HandlerBox

    /// Number of well-formedness errors libxml2 reported and recovered from.
    var errorCount: Int { handlerBox.errorCount }

    /// libxml2 found bytes that are not UTF-8 (it then reads the rest as Latin-1).
    var sawEncodingError: Bool { handlerBox.sawEncodingError }

    /// libxml2 met broken markup (a `<` that starts no tag, a tag that is never
    /// finished, an end tag that closes another element): the caller may parse
    /// again after the thorough repair pass (``XMLRepair/escapingStrayMarkup(_:)``).
    var sawMarkupError: Bool { handlerBox.sawMarkupError }

    /// libxml2 found markup after the root element had ended (two feeds written
    /// one after the other, items after `</rss>`), and stopped there.
    var sawContentAfterRoot: Bool { handlerBox.sawContentAfterRoot }

    /// Creates a parser that reports to `handler`; nil if libxml2 cannot allocate one.
    init?(handler: FeedDocumentBuilder) {
        Self.initializeLibrary
        let box = HandlerBox(handler: handler)
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = streamStartElement
        sax.endElementNs = streamEndElement
        sax.characters = streamCharacters
        sax.cdataBlock = streamCharacters
        sax.serror = streamStructuredError
        sax.getEntity = streamGetEntity
        guard let context = xmlCreatePushParserCtxt(&sax, Unmanaged.passUnretained(box).toOpaque(), nil, 0, nil)
        else { return nil }
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_COMPACT.rawValue)
        xmlCtxtUseOptions(context, options)
        box.parserContext = context
        self.context = context
        self.handlerBox = box
    }

    deinit {
        xmlFreeParserCtxt(context)
        handlerBox.freeEntities()
    }

    /// Parses `bytes` (UTF-8) in bounded chunks; `isLast` ends the document.
    func parse(_ bytes: UnsafeBufferPointer<UInt8>, isLast: Bool) {
        let chunkSize = 1 << 18
        var offset = 0
        repeat {
            let count = min(chunkSize, bytes.count - offset)
            let final = isLast && offset + count == bytes.count
            let pointer = bytes.baseAddress.map { UnsafeRawPointer($0 + offset).assumingMemoryBound(to: CChar.self) }
            _ = xmlParseChunk(context, pointer, Int32(count), final ? 1 : 0)
            offset += count
            if handlerBox.withHandler({ $0.wantsToStop }) {
                xmlStopParser(context)
                break
            }
            if context.pointee.disableSAX != 0 { break }
        } while offset < bytes.count
    }

    private static let initializeLibrary: Void = {
        xmlInitParser()
    }()
}

/// The object the C callbacks reach through their `void *` context.
private final class HandlerBox {
    /// The handler, concrete so that calls from the C callbacks are direct. It is
    /// held unretained because its owner keeps it alive for the whole parse (it
    /// holds both the handler and the parser); each event reaches it through
    /// ``withHandler(_:)``, without a reference-count round trip.
    private let unmanagedHandler: Unmanaged<FeedDocumentBuilder>

    @inline(__always)
    func withHandler<Result>(_ body: (FeedDocumentBuilder) -> Result) -> Result {
        unmanagedHandler._withUnsafeGuaranteedRef(body)
    }

    var errorCount = 0
    var sawEncodingError = false
    var sawMarkupError = false
    var sawContentAfterRoot = false

    /// The elements open as the document's end tags say, by their interned local
    /// names (`openNames[0..<openCount]`). libxml2 answers an end tag that does
    /// not match the open element by closing that element and keeping the one
    /// the tag named open, which shifts every later element of the document one
    /// level down (the entries after a stray `<b>` in a title become part of it).
    /// Ends are delivered as a browser reads them instead: an end tag closes the
    /// element it names and those opened inside it; one that names no open
    /// element closes nothing.
    ///
    /// Until the first mismatch, libxml2's own stack is the document's, and this
    /// one is not kept (``tracking`` is false): well-formed documents pay nothing
    /// for it. The first mismatch copies libxml2's stack, less the elements that
    /// ended at once (``phantoms``).
    private(set) var tracking = false
    /// Elements that ended where they started (``XMLStartTag/endsAtOnce``) while
    /// libxml2 still has them open, before tracking: the libxml2 depth of their
    /// parent and their name, so that their own end event is swallowed.
    private var phantoms: [(depth: Int32, name: UnsafePointer<xmlChar>)] = []
    /// `phantoms.count`, read on every end event without touching the array.
    private var phantomCount = 0
    private var openNames: UnsafeMutablePointer<UnsafePointer<xmlChar>>
    private var openCapacity = 64
    private(set) var openCount = 0
    /// The name written in the end tag libxml2 is about to report as another
    /// element's end (set by its mismatch error, which comes first).
    private var writtenEndName: [UInt8]?

    @inline(__always)
    func pushOpen(_ name: UnsafePointer<xmlChar>) {
        if openCount == openCapacity {
            let grown = UnsafeMutablePointer<UnsafePointer<xmlChar>>.allocate(capacity: openCapacity * 2)
            grown.moveInitialize(from: openNames, count: openCount)
            openNames.deallocate()
            openNames = grown
            openCapacity *= 2
        }
        (openNames + openCount).initialize(to: name)
        openCount += 1
        if writtenEndName != nil { writtenEndName = nil }
    }

    /// How many open elements the end event for libxml2's `name` closes: 1 when
    /// the document's end tag matches the innermost open element (the usual
    /// case), more when it names an outer one, 0 when it names none.
    @inline(__always)
    func closingCount(forEndOf name: UnsafePointer<xmlChar>) -> Int {
        guard let written = writtenEndName else {
            guard openCount > 0 else { return 0 }
            if openNames[openCount - 1] == name || strcmp(openNames[openCount - 1], name) == 0 { return 1 }
            return closingCount(named: Array(UnsafeBufferPointer(start: name, count: strlen(name))))
        }
        writtenEndName = nil
        return closingCount(named: written)
    }

    private func closingCount(named written: [UInt8]) -> Int {
        var index = openCount - 1
        while index >= 0 {
            let open = openNames[index]
            let matches = strlen(open) == written.count && written.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { memcmp(open, $0, written.count) == 0 } ?? true
            }
            if matches {
                return openCount - index
            }
            index -= 1
        }
        return 0
    }

    @inline(__always)
    func popOpen() {
        if openCount > 0 { openCount -= 1 }
    }

    /// Records the end tag a mismatch error names (libxml2 passes the open
    /// element's name, then the written one), and starts tracking the open
    /// elements from libxml2's stack if it has not yet.
    func recordWrittenEndName(_ name: UnsafePointer<CChar>?) {
        if !tracking, let context = parserContext {
            tracking = true
            let count = Int(context.pointee.nameNr)
            let skipped = Set(phantoms.map { Int($0.depth) })
            phantoms.removeAll()
            phantomCount = 0
            if let names = context.pointee.nameTab {
                for index in 0..<count where !skipped.contains(index) {
                    if let open = names[index] { pushOpen(open) }
                }
            }
        }
        guard let name else { return }
        writtenEndName = Array(UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name)))
    }

    /// Whether end events need more than passing on: the open elements are
    /// tracked, or an element that ended at once may still end in libxml2.
    var needsEndMatching: Bool { tracking || phantomCount > 0 }

    /// An element that carries everything in its attributes ends where it starts;
    /// its own end tag, if the document writes one, then closes nothing.
    @inline(never)
    func endAtOnce(_ name: UnsafePointer<xmlChar>) {
        withHandler { $0.endElement(XMLEndTag(localName: name)) }
        if tracking { popOpen() } else { notePhantom(name) }
    }

    /// The end event for libxml2's `name`, when ``needsEndMatching``: swallowed
    /// for an element that already ended at once; otherwise the elements the
    /// document's end tag closes (see ``openNames``) end.
    @inline(never)
    func endMatching(_ name: UnsafePointer<xmlChar>) {
        guard tracking else {
            if !swallowsPhantomEnd(name) { withHandler { $0.endElement(XMLEndTag(localName: name)) } }
            return
        }
        let count = closingCount(forEndOf: name)
        for _ in 0..<count {
            withHandler { $0.endElement(XMLEndTag(localName: name)) }
            popOpen()
        }
    }

    /// Before tracking: notes an element that ended at once, which libxml2 keeps
    /// open until its `/>` or end tag.
    func notePhantom(_ name: UnsafePointer<xmlChar>) {
        phantoms.append((parserContext?.pointee.nameNr ?? 0, name))
        phantomCount += 1
    }

    /// Before tracking: whether the end event for `name` is that of an element
    /// that already ended at once (its `/>`, at its parent's depth, or its end
    /// tag, one deeper); it is then forgotten.
    private func swallowsPhantomEnd(_ name: UnsafePointer<xmlChar>) -> Bool {
        guard let last = phantoms.last, last.name == name, let context = parserContext else { return false }
        let depth = context.pointee.nameNr
        guard depth == last.depth || depth == last.depth + 1 else { return false }
        phantoms.removeLast()
        phantomCount -= 1
        return true
    }
    /// The parser this box belongs to (owned by ``XMLStreamParser``).
    var parserContext: xmlParserCtxtPtr?
    /// Element names and namespace URIs seen so far, resolved, by the address of
    /// libxml2's interned copy: libxml2 keeps one copy of each per parser, so each
    /// is resolved once, not once per element. A small direct-mapped table (fixed
    /// size, allocated with the box) answers almost every look-up without hashing
    /// or reference counting; the dictionaries hold the rest.
    private static let recentCount = 256
    private let recentNames: UnsafeMutablePointer<(key: UnsafeRawPointer?, name: ElementName)>
    private let recentNamespaces: UnsafeMutablePointer<(key: UnsafeRawPointer?, known: KnownNamespace)>
    private var names: [UnsafeRawPointer: ElementName] = [:]
    private var namespaces: [UnsafeRawPointer: KnownNamespace] = [:]

    @inline(__always)
    private static func slot(_ key: UnsafeRawPointer) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: key) >> 3) & (recentCount - 1)
    }

    /// The namespace URI's resolution, once per interned URI.
    @inline(__always)
    func namespace(_ pointer: UnsafePointer<xmlChar>?) -> KnownNamespace {
        guard let pointer else { return .none }
        let key = UnsafeRawPointer(pointer)
        let slot = recentNamespaces + Self.slot(key)
        if slot.pointee.key == key { return slot.pointee.known }
        let known: KnownNamespace
        if let cached = namespaces[key] {
            known = cached
        } else {
            known = KnownNamespace(uri: String(cString: pointer))
            namespaces[key] = known
        }
        slot.pointee = (key, known)
        return known
    }

    /// The element name's resolution, once per interned name.
    @inline(__always)
    func name(_ pointer: UnsafePointer<xmlChar>) -> ElementName {
        let key = UnsafeRawPointer(pointer)
        let slot = recentNames + Self.slot(key)
        if slot.pointee.key == key { return slot.pointee.name }
        let name: ElementName
        if let cached = names[key] {
            name = cached
        } else {
            name = ElementName(String(cString: pointer))
            names[key] = name
        }
        slot.pointee = (key, name)
        return name
    }

    /// Entities handed to libxml2 for HTML names, owned here and freed with the parser.
    private var entities: [String: xmlEntityPtr] = [:]

    init(handler: FeedDocumentBuilder) {
        unmanagedHandler = .passUnretained(handler)
        recentNames = .allocate(capacity: Self.recentCount)
        recentNames.initialize(repeating: (nil, .other), count: Self.recentCount)
        recentNamespaces = .allocate(capacity: Self.recentCount)
        recentNamespaces.initialize(repeating: (nil, .none), count: Self.recentCount)
        openNames = .allocate(capacity: openCapacity)
    }

    deinit {
        recentNames.deallocate()
        recentNamespaces.deallocate()
        openNames.deallocate()
    }

    /// An entity for an HTML named reference such as `nbsp`, or nil for unknown names.
    ///
    /// The entity is marked as predefined, so libxml2 reports its text as
    /// characters and never parses or expands it further. Entities the document
    /// declares itself are never looked up (finews registers no DTD handlers), so
    /// external entities are never loaded and entity bombs expand to nothing.
    func entity(named name: String) -> xmlEntityPtr? {
        if let cached = entities[name] { return cached }
        guard entities.count < 4096 else { return nil }
        // A name HTML does not define (or one the document declares itself) reads
        // as nothing, as a browser shows an entity it cannot resolve.
        let value = NamedCharacterReferences.value(of: name) ?? ""
        let entity = xmlEntityPtr.allocate(capacity: 1)
        entity.initialize(to: xmlEntity())
        entity.pointee.type = XML_ENTITY_DECL
        entity.pointee.etype = XML_INTERNAL_PREDEFINED_ENTITY
        entity.pointee.name = UnsafePointer(Self.copyCString(name))
        entity.pointee.content = Self.copyCString(value)
        entity.pointee.length = Int32(value.utf8.count)
        entities[name] = entity
        return entity
    }

    /// A NUL-terminated copy of `text` from `malloc`, as libxml2 strings are.
    private static func copyCString(_ text: String) -> UnsafeMutablePointer<xmlChar>? {
        guard let copy = strdup(text) else { return nil }
        return UnsafeMutableRawPointer(copy).assumingMemoryBound(to: xmlChar.self)
    }

    /// libxml2 stops expanding entity references (even `&amp;`) once a document is
    /// known to be malformed, which would silently eat characters from every later
    /// entry of a broken feed. It marks the document so *after* reporting an
    /// error, so the mark is cleared at every event that follows one: the parser
    /// goes on as if the document were well-formed and recovery keeps all text.
    @inline(__always)
    func keepExpandingReferences() {
        if errorCount > 0 { parserContext?.pointee.wellFormed = 1 }
    }

    func freeEntities() {
        for entity in entities.values {
            free(UnsafeMutableRawPointer(mutating: entity.pointee.name))
            free(entity.pointee.content)
            entity.deallocate()
        }
        entities.removeAll()
    }
}

@inline(__always)
private func box(_ context: UnsafeMutableRawPointer?) -> HandlerBox? {
    guard let context else { return nil }
    return Unmanaged<HandlerBox>.fromOpaque(context).takeUnretainedValue()
}


private func streamStartElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let context, let localName else { return }
    // The box is kept alive by its parser for the whole parse: no retain needed.
    Unmanaged<HandlerBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        let tag = XMLStartTag(
            element: box.name(localName), namespace: box.namespace(uri), localName: localName, prefix: prefix,
            attributes: UnsafePointer(attributes), attributeCount: attributes == nil ? 0 : max(0, Int(attributeCount)))
        if box.tracking { box.pushOpen(localName) }
        box.keepExpandingReferences()
        box.withHandler { $0.startElement(tag) }
        if tag.endsAtOnce { box.endAtOnce(localName) }
    }
}

private func streamEndElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?
) {
    guard let context, let localName else { return }
    // The box is kept alive by its parser for the whole parse: no retain needed.
    Unmanaged<HandlerBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        box.keepExpandingReferences()
        if box.needsEndMatching {
            box.endMatching(localName)
        } else {
            box.withHandler { $0.endElement(XMLEndTag(localName: localName)) }
        }
    }
}

private func streamCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    guard let context, let characters, length > 0 else { return }
    Unmanaged<HandlerBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        box.keepExpandingReferences()
        box.withHandler { $0.characters(UnsafeBufferPointer(start: characters, count: Int(length))) }
    }
}

private func streamGetEntity(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) -> xmlEntityPtr? {
    guard let box = box(context), let name else { return nil }
    return box.entity(named: String(cString: name))
}

private func streamStructuredError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    // The SAX context here is the parser's user data: our HandlerBox.
    guard let box = box(context) else { return }
    box.errorCount += 1
    if let code = error?.pointee.code {
        switch code {
        case Int32(XML_ERR_INVALID_CHAR.rawValue), Int32(XML_ERR_INVALID_ENCODING.rawValue):
            box.sawEncodingError = true
        case Int32(XML_ERR_TAG_NAME_MISMATCH.rawValue):
            box.sawMarkupError = true
            box.recordWrittenEndName(error?.pointee.str2)
        case Int32(XML_ERR_NAME_REQUIRED.rawValue), Int32(XML_ERR_LTSLASH_REQUIRED.rawValue),
             Int32(XML_ERR_MISPLACED_CDATA_END.rawValue):
            // A `<` that starts no tag (libxml2 halts the whole parse there), or
            // a `]]>` outside CDATA (libxml2 drops the text before it).
            box.sawMarkupError = true
        case Int32(XML_ERR_DOCUMENT_END.rawValue):
            box.sawMarkupError = true
            box.sawContentAfterRoot = true
        default:
            break
        }
    }
    box.keepExpandingReferences()
}
