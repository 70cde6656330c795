import CLibXML2
import FinewsParse

/// An HTML page parsed by libxml2's HTML parser: the one owner of the document.
///
/// It frees the document when it goes away. Node pointers are used only inside its
/// methods (here and in its readability extension); what leaves it is Swift
/// strings. libxml2 documents may be used from one thread at a time, so it is
/// not `Sendable`.
///
/// The parser recovers from any markup and keeps whitespace as written. It stops
/// at libxml2's nesting limit (256 elements deep), so no tree below is deeper than
/// that; the walks over the tree use explicit stacks all the same.
final class HTMLDocument {
    /// The parsed document, owned by this object.
    let document: htmlDocPtr

    /// Parses UTF-8 HTML.
    /// - Throws: ``ExtractionError`` (`.unparsable`) when libxml2 builds no
    ///   document (it needs at least some markup or text).
    init(utf8: [UInt8]) throws(ExtractionError) {
        _ = Self.initializeLibrary
        var utf8 = utf8
        // libxml2 2.9 stops parsing at a NUL inside a tag; browsers ignore NULs in
        // markup, and in UTF-8 a zero byte is nothing but NUL.
        if utf8.contains(0) { utf8.removeAll { $0 == 0 } }
        let options = HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue
            // The bytes are UTF-8 already: a `<meta charset=gbk>` must not switch the decoder.
            | HTML_PARSE_IGNORE_ENC.rawValue
        let parsed = utf8.withUnsafeBytes { bytes -> htmlDocPtr? in
            guard let base = bytes.baseAddress else { return nil }
            return htmlReadMemory(
                base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil, "UTF-8", Int32(bitPattern: options))
        }
        guard let parsed else {
            throw ExtractionError(.unparsable, "the answer could not be parsed as HTML (libxml2 built no document from it)")
        }
        document = parsed
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// libxml2 must be initialized once, from one thread, before it is used by several.
    private static let initializeLibrary: Void = {
        xmlInitParser()
    }()

    // MARK: XPath

    /// The result of an XPath rule as HTML: the inner HTML of the matched elements
    /// in document order, or the escaped text of a string, number or boolean result.
    ///
    /// A matched node inside another matched node is skipped (its HTML is already
    /// in its ancestor's), so `//div[contains(@class,'content')]` does not repeat
    /// the article when both a wrapper and an inner block match.
    /// - Throws: ``ExtractionError`` when the expression is invalid (`.invalidRule`),
    ///   fails to evaluate, or matches nothing or only empty nodes (`.noMatch`).
    func html(matching expression: String) throws(ExtractionError) -> String {
        try Self.withXPathContext(document: document) { context throws(ExtractionError) -> String in
            let compiled = try Self.compile(expression, in: context)
            defer { xmlXPathFreeCompExpr(compiled) }
            guard let result = finews_xpath_eval_quietly(compiled, context) else {
                throw ExtractionError(
                    .invalidRule, "the XPath \(expression) could not be evaluated: \(Self.lastError(of: context))")
            }
            defer { xmlXPathFreeObject(result) }
            let html: String
            switch result.pointee.type {
            case XPATH_NODESET:
                html = nodeSetHTML(result.pointee.nodesetval)
            case XPATH_STRING:
                html = result.pointee.stringval.map { HTMLText.escape(String(cString: $0)) } ?? ""
            case XPATH_NUMBER:
                html = Self.formatted(result.pointee.floatval)
            case XPATH_BOOLEAN:
                html = result.pointee.boolval != 0 ? "true" : "false"
            default:
                throw ExtractionError(.invalidRule, "the XPath \(expression) gives a kind of result finews cannot use; select elements or text")
            }
            guard html.utf8.contains(where: { !PageDecoding.isASCIIWhitespace($0) }) else {
                throw ExtractionError(
                    .noMatch,
                    "the XPath \(expression) matched nothing; try another with `finews parse --fulltext URL --fulltext-xpath XPATH`")
            }
            return html
        }
    }

    /// What is wrong with an XPath expression, checked without a document; nil when it compiles.
    static func problem(withXPath expression: String) -> String? {
        do {
            try withXPathContext(document: nil) { context throws(ExtractionError) in
                xmlXPathFreeCompExpr(try compile(expression, in: context))
            }
            return nil
        } catch {
            return error.message
        }
    }

    /// The HTML of a node set: elements and documents give their inner HTML, text
    /// and attribute nodes their escaped text, in document order.
    private func nodeSetHTML(_ set: xmlNodeSetPtr?) -> String {
        guard let set, set.pointee.nodeNr > 0, let table = set.pointee.nodeTab else { return "" }
        xmlXPathNodeSetSort(set)
        var matched = Set<xmlNodePtr>()
        var html = ""
        for index in 0..<Int(set.pointee.nodeNr) {
            guard let node = table[index] else { continue }
            switch node.pointee.type {
            case XML_ELEMENT_NODE, XML_DOCUMENT_NODE, XML_HTML_DOCUMENT_NODE:
                let nested = Self.hasAncestor(node, in: matched)
                matched.insert(node)
                if !nested { html += innerHTML(of: node) }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if Self.hasAncestor(node, in: matched) { continue }
                html += HTMLText.escape(Self.content(of: node))
            case XML_ATTRIBUTE_NODE:
                html += HTMLText.escape(Self.text(ofChildren: node))
            default:
                // Comments, processing instructions and namespace nodes (whose
                // structure is not an xmlNode's) carry no article text.
                continue
            }
        }
        return html
    }

    private static func hasAncestor(_ node: xmlNodePtr, in matched: Set<xmlNodePtr>) -> Bool {
        guard !matched.isEmpty else { return false }
        var ancestor = node.pointee.parent
        while let current = ancestor {
            if matched.contains(current) { return true }
            ancestor = current.pointee.parent
        }
        return false
    }

    /// A number as XPath's `string()` writes it: integers without a fraction.
    private static func formatted(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    // MARK: XPath contexts

    /// Runs `body` with an XPath context whose errors are recorded in the context
    /// (its `lastError`) instead of being printed by libxml2's generic handler.
    static func withXPathContext<Result>(
        document: htmlDocPtr?, _ body: (xmlXPathContextPtr) throws(ExtractionError) -> Result
    ) throws(ExtractionError) -> Result {
        guard let context = xmlXPathNewContext(document) else {
            throw ExtractionError(.unparsable, "libxml2 could not create an XPath context (out of memory?)")
        }
        defer { xmlXPathFreeContext(context) }
        // A per-context handler: libxml2's XPath code calls it instead of writing to
        // stderr, and no global state changes. The error itself stays in lastError.
        // (The few messages that bypass it are silenced by the shim's *_quietly wrappers.)
        context.pointee.error = { _, _ in }
        return try body(context)
    }

    /// Compiles `expression`; the caller frees the result.
    /// - Throws: ``ExtractionError`` (`.invalidRule`) with libxml2's reason and position.
    static func compile(_ expression: String, in context: xmlXPathContextPtr) throws(ExtractionError) -> xmlXPathCompExprPtr {
        guard expression.contains(where: { !$0.isWhitespace }) else {
            throw ExtractionError(.invalidRule, "the XPath is empty; write an expression such as //div[@id='content']")
        }
        guard let compiled = finews_xpath_compile_quietly(context, expression) else {
            throw ExtractionError(.invalidRule, "the XPath \(expression) is not valid: \(lastError(of: context))")
        }
        return compiled
    }

    /// libxml2's description of the last XPath error in `context`, with the
    /// place in the expression where it was found.
    private static func lastError(of context: xmlXPathContextPtr) -> String {
        let error = context.pointee.lastError
        var reason = error.message.map { String(cString: $0) } ?? XPathErrors.reason(forCode: error.code)
        while reason.last?.isWhitespace == true { reason.removeLast() }
        guard let expression = error.str1.map({ Array(String(cString: $0).utf8) }), error.int1 >= 0 else { return reason }
        let offset = Int(error.int1)
        guard offset < expression.count else { return "\(reason) (at the end of the expression)" }
        let character = String(decoding: expression.prefix(offset), as: UTF8.self).count + 1
        return "\(reason) (at character \(character))"
    }

    // MARK: Serializing and reading nodes

    /// The HTML of `node`'s children, serialized by libxml2's HTML serializer
    /// without added formatting (non-ASCII characters are written as they are).
    func innerHTML(of node: xmlNodePtr) -> String {
        guard let output = xmlAllocOutputBuffer(nil) else { return "" }
        defer { xmlOutputBufferClose(output) }
        var child = node.pointee.children
        while let current = child {
            htmlNodeDumpFormatOutput(output, document, current, nil, 0)
            child = current.pointee.next
        }
        guard let content = xmlOutputBufferGetContent(output) else { return "" }
        let size = Int(xmlOutputBufferGetSize(output))
        return String(decoding: UnsafeBufferPointer(start: content, count: size), as: UTF8.self)
    }

    /// The text a text or CDATA node holds.
    static func content(of node: xmlNodePtr) -> String {
        node.pointee.content.map { String(cString: $0) } ?? ""
    }

    /// The text of an attribute node (its value is held in text children).
    static func text(ofChildren node: xmlNodePtr) -> String {
        var text = ""
        var child = node.pointee.children
        while let current = child {
            text += content(of: current)
            child = current.pointee.next
        }
        return text
    }

    /// The lowercased name of an element (libxml2's HTML parser lowercases them already).
    static func name(of node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
    }

    /// The value of the attribute `name` of an element, read from libxml2's
    /// attribute list without copying it into libxml2-allocated memory.
    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        var property = node.pointee.properties
        while let current = property {
            if let propertyName = current.pointee.name, String(cString: propertyName).lowercased() == name {
                var value = ""
                var child = current.pointee.children
                while let text = child {
                    value += content(of: text)
                    child = text.pointee.next
                }
                return value
            }
            property = current.pointee.next
        }
        return nil
    }
}

@available(*, unavailable)
extension HTMLDocument: Sendable {}
