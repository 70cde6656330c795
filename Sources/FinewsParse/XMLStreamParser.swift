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

    /// The name as written in the document (`prefix:local`).
    var qualified: String { prefix.map { "\($0):\(local)" } ?? local }
}

/// One attribute of a start tag, its value already decoded by libxml2.
struct XMLAttribute {
    var name: XMLName
    var value: String
}

/// Receives the events of ``XMLStreamParser``. Called on the parsing thread only.
protocol XMLEventHandler: AnyObject {
    func startElement(_ name: XMLName, attributes: [XMLAttribute])
    func endElement(_ name: XMLName)
    func characters(_ bytes: UnsafeBufferPointer<UInt8>)
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

    /// Creates a parser that reports to `handler`; nil if libxml2 cannot allocate one.
    init?(handler: any XMLEventHandler) {
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
        let chunkSize = 1 << 16
        var offset = 0
        repeat {
            let count = min(chunkSize, bytes.count - offset)
            let final = isLast && offset + count == bytes.count
            let pointer = bytes.baseAddress.map { UnsafeRawPointer($0 + offset).assumingMemoryBound(to: CChar.self) }
            _ = xmlParseChunk(context, pointer, Int32(count), final ? 1 : 0)
            offset += count
            if context.pointee.disableSAX != 0 { break }
        } while offset < bytes.count
    }

    private static let initializeLibrary: Void = {
        xmlInitParser()
    }()
}

/// The object the C callbacks reach through their `void *` context.
private final class HandlerBox {
    unowned let handler: any XMLEventHandler
    var errorCount = 0
    /// The parser this box belongs to (owned by ``XMLStreamParser``).
    var parserContext: xmlParserCtxtPtr?
    /// Entities handed to libxml2 for HTML names, owned here and freed with the parser.
    private var entities: [String: xmlEntityPtr] = [:]

    init(handler: any XMLEventHandler) {
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

@inline(__always)
private func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
}

private func streamStartElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let box = box(context), let localName else { return }
    let name = XMLName(local: String(cString: localName), namespace: string(uri), prefix: string(prefix))
    var decoded: [XMLAttribute] = []
    if let attributes, attributeCount > 0 {
        decoded.reserveCapacity(Int(attributeCount))
        for index in 0..<Int(attributeCount) {
            // Five pointers per attribute: localname, prefix, URI, value start, value end.
            let base = index * 5
            guard let attributeName = attributes[base], let start = attributes[base + 3],
                  let end = attributes[base + 4], end >= start
            else { continue }
            var value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
            // Without entity substitution, libxml2 hands attribute values over with
            // character references (`&#38;`) still in them.
            if value.utf8.contains(UInt8(ascii: "&")) { value = HTMLText.decodeEntities(value) }
            decoded.append(XMLAttribute(
                name: XMLName(
                    local: String(cString: attributeName),
                    namespace: string(attributes[base + 2]),
                    prefix: string(attributes[base + 1])),
                value: value))
        }
    }
    box.handler.startElement(name, attributes: decoded)
}

private func streamEndElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?
) {
    guard let box = box(context), let localName else { return }
    box.handler.endElement(XMLName(local: String(cString: localName), namespace: string(uri), prefix: string(prefix)))
}

private func streamCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    guard let box = box(context), let characters, length > 0 else { return }
    box.handler.characters(UnsafeBufferPointer(start: characters, count: Int(length)))
}

private func streamGetEntity(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) -> xmlEntityPtr? {
    guard let box = box(context), let name else { return nil }
    return box.entity(named: String(cString: name))
}

private func streamStructuredError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    // The SAX context here is the parser's user data: our HandlerBox.
    guard let box = box(context) else { return }
    box.errorCount += 1
    // libxml2 stops expanding entity references (even `&amp;`) once a document is
    // known to be malformed, which would silently eat characters from every later
    // entry of a broken feed. The error is counted above; the parser goes on as if
    // the document were well-formed so recovery keeps all text.
    box.parserContext?.pointee.wellFormed = 1
}
