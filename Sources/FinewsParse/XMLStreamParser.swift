import CLibXML2
import Glibc

/// A qualified element or attribute name as the SAX callbacks report it.
struct XMLName {
    /// The local part (`encoded` in `content:encoded`).
    var local: String
    /// The namespace URI, or nil when the name is in no namespace.
    var namespace: String?
    /// The prefix as written, kept so that foreign markup can be serialized again.
    var prefix: String?
    /// ``namespace`` resolved to one of the namespaces the builder knows.
    var known: KnownNamespace

    /// The name as written in the document (`prefix:local`).
    var qualified: String { prefix.map { "\($0):\(local)" } ?? local }
}

/// The name of an element that ends, read only when the handler asks for it:
/// most end tags need nothing but the depth change.
struct XMLEndTag {
    fileprivate let localName: UnsafePointer<UInt8>

    /// The local part of the name.
    var local: String { String(cString: localName) }
}

/// One attribute of a start tag, its value already decoded by libxml2.
struct XMLAttribute {
    var name: XMLName
    var value: String
}

/// The events ``XMLStreamParser`` reports, called on the parsing thread only.
/// (``FeedDocumentBuilder`` is the one handler; the parser calls it directly.)
protocol XMLEventHandler: AnyObject {
    func startElement(_ name: XMLName, attributes: [XMLAttribute])
    func endElement(_ name: XMLEndTag)
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
            if handlerBox.handler.wantsToStop {
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
    /// `unowned(unsafe)` because its owner keeps it alive for the whole parse (it
    /// holds both the handler and the parser), and the check would cost a
    /// reference-count round trip on every event.
    unowned(unsafe) let handler: FeedDocumentBuilder
    var errorCount = 0
    var sawEncodingError = false
    /// The parser this box belongs to (owned by ``XMLStreamParser``).
    var parserContext: xmlParserCtxtPtr?
    /// Names and namespace URIs seen so far, by the address of libxml2's interned
    /// copy: libxml2 keeps one copy of each per parser, so each becomes a Swift
    /// string once, not once per element. A small direct-mapped table answers
    /// almost every look-up without hashing; the dictionary holds the rest.
    private var recentNames = [(key: UnsafeRawPointer?, name: String)](repeating: (nil, ""), count: 256)
    private var names: [UnsafeRawPointer: String] = [:]
    private var recentNamespaces = [(key: UnsafeRawPointer?, uri: String, known: KnownNamespace)](
        repeating: (nil, "", .none), count: 64)
    private var namespaces: [UnsafeRawPointer: (uri: String, known: KnownNamespace)] = [:]

    @inline(__always)
    private static func slot(_ key: UnsafeRawPointer, _ count: Int) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: key) >> 3) & (count - 1)
    }

    /// The namespace URI and its resolution, once per interned URI.
    @inline(__always)
    func namespace(_ pointer: UnsafePointer<xmlChar>?) -> (uri: String?, known: KnownNamespace) {
        guard let pointer else { return (nil, .none) }
        let key = UnsafeRawPointer(pointer)
        let index = Self.slot(key, recentNamespaces.count)
        if recentNamespaces[index].key == key { return (recentNamespaces[index].uri, recentNamespaces[index].known) }
        let resolved: (uri: String, known: KnownNamespace)
        if let known = namespaces[key] {
            resolved = known
        } else {
            let uri = String(cString: pointer)
            resolved = (uri, KnownNamespace(uri: uri))
            namespaces[key] = resolved
        }
        recentNamespaces[index] = (key, resolved.uri, resolved.known)
        return resolved
    }

    @inline(__always)
    func name(_ pointer: UnsafePointer<xmlChar>) -> String {
        let key = UnsafeRawPointer(pointer)
        let index = Self.slot(key, recentNames.count)
        if recentNames[index].key == key { return recentNames[index].name }
        let text: String
        if let known = names[key] {
            text = known
        } else {
            text = String(cString: pointer)
            names[key] = text
        }
        recentNames[index] = (key, text)
        return text
    }

    @inline(__always)
    func name(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        pointer.map { name($0) }
    }

    /// Entities handed to libxml2 for HTML names, owned here and freed with the parser.
    private var entities: [String: xmlEntityPtr] = [:]

    init(handler: FeedDocumentBuilder) {
        self.handler = handler
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
        let namespace = box.namespace(uri)
        let name = XMLName(
            local: box.name(localName), namespace: namespace.uri, prefix: box.name(prefix), known: namespace.known)
        var decoded: [XMLAttribute] = []
        if let attributes, attributeCount > 0 {
            decoded.reserveCapacity(Int(attributeCount))
            for index in 0..<Int(attributeCount) {
                // Five pointers per attribute: localname, prefix, URI, value start, value end.
                let base = index * 5
                guard let attributeName = attributes[base], let start = attributes[base + 3],
                      let end = attributes[base + 4], end >= start
                else { continue }
                let valueBytes = UnsafeBufferPointer(start: start, count: end - start)
                var value = String(decoding: valueBytes, as: UTF8.self)
                // Without entity substitution, libxml2 hands attribute values over with
                // character references (`&#38;`) still in them.
                if valueBytes.contains(UInt8(ascii: "&")) { value = HTMLText.decodeEntities(value) }
                let attributeNamespace = box.namespace(attributes[base + 2])
                decoded.append(XMLAttribute(
                    name: XMLName(
                        local: box.name(attributeName), namespace: attributeNamespace.uri,
                        prefix: box.name(attributes[base + 1]), known: attributeNamespace.known),
                    value: value))
            }
        }
        box.handler.startElement(name, attributes: decoded)
    }
}

private func streamEndElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?
) {
    guard let context, let localName else { return }
    // The box is kept alive by its parser for the whole parse: no retain needed.
    Unmanaged<HandlerBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        box.handler.endElement(XMLEndTag(localName: localName))
    }
}

private func streamCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    guard let context, let characters, length > 0 else { return }
    Unmanaged<HandlerBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        box.handler.characters(UnsafeBufferPointer(start: characters, count: Int(length)))
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
    if let code = error?.pointee.code,
       code == Int32(XML_ERR_INVALID_CHAR.rawValue) || code == Int32(XML_ERR_INVALID_ENCODING.rawValue) {
        box.sawEncodingError = true
    }
    // libxml2 stops expanding entity references (even `&amp;`) once a document is
    // known to be malformed, which would silently eat characters from every later
    // entry of a broken feed. The error is counted above; the parser goes on as if
    // the document were well-formed so recovery keeps all text.
    box.parserContext?.pointee.wellFormed = 1
}
