import CLibXML2
public import Foundation
import FinewsExtract

/// One feed listed in an OPML subscription list (an `outline` with an `xmlUrl`).
public struct OPMLOutline: Sendable, Hashable {
    /// One more feeds.conf key of the feed, such as `items` or `item.title`.
    public struct Setting: Sendable, Hashable {
        public var key: String
        public var value: String

        /// Creates a setting.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The `title` attribute, else the `text` one (OPML 2.0 requires `text`).
    public var title: String?
    /// The feed's URL (`xmlUrl`).
    public var url: String
    /// The feed name to use, instead of one made from the title (`finews add --name`).
    public var name: String?
    /// The tag to write, instead of the title (`finews add --tag`).
    public var tag: String?
    /// How a JSON API or HTML list source is read (`format`, `items`, `item.*`), from
    /// FreshRSS's `frss:` attributes; empty for feeds.
    public var settings: [Setting]

    /// Creates an outline.
    public init(title: String?, url: String, name: String? = nil, tag: String? = nil, settings: [Setting] = []) {
        self.title = title
        self.url = url
        self.name = name
        self.tag = tag
        self.settings = settings
    }
}

/// An OPML document that could not be read, or a configuration that could not be updated.
public struct OPMLError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case notOPML = "not-opml", io
        }
        fileprivate let value: Value

        /// The document is not OPML (or not XML at all).
        public static let notOPML = Code(value: .notOPML)
        /// A file could not be read or written.
        public static let io = Code(value: .io)

        public var description: String { value.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// What happened, naming the file.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Reading and writing OPML 2.0 subscription lists (http://opml.org/spec2.opml).
public enum OPML {
    /// The feeds listed in an OPML document, in document order, at any depth of
    /// nesting (folders are outlines without `xmlUrl`).
    ///
    /// Read with libxml2's SAX parser: no network, no DTD, no external entities;
    /// libxml2 decodes the encoding the document declares.
    /// - Throws: ``OPMLError`` `.notOPML` when the root element is not `opml`.
    public static func outlines(in bytes: [UInt8], source: String) throws(OPMLError) -> [OPMLOutline] {
        let collector = OutlineCollector()
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = opmlStartElement
        sax.serror = opmlError
        let context = Unmanaged.passRetained(collector)
        defer { context.release() }
        guard let parser = xmlCreatePushParserCtxt(&sax, context.toOpaque(), nil, 0, nil) else {
            throw OPMLError(.io, "\(source): cannot allocate an XML parser")
        }
        defer { xmlFreeParserCtxt(parser) }
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOERROR.rawValue)
        xmlCtxtUseOptions(parser, options)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = xmlParseChunk(parser, chars.baseAddress, Int32(chars.count), 1)
            }
        }
        guard collector.root == "opml" else {
            let what = collector.root.map { "its root element is <\($0)>" } ?? "it is not XML"
            throw OPMLError(.notOPML, "\(source): not an OPML file (\(what))")
        }
        return collector.outlines
    }

    /// The configured feeds as an OPML 2.0 document that other feed readers import:
    /// one `outline` per http(s) feed with `text` and `title` (the feed's tag),
    /// `type="rss"` and `xmlUrl`; a JSON API or HTML list source is a FreshRSS
    /// `JSON+DotNotation` or `HTML+XPath` outline with its `frss:` attributes. Local-file feeds cannot be shared and are left
    /// out; their names are returned as `skipped`.
    public static func export(_ config: Config, date: Date = Date()) -> (xml: String, skipped: [String]) {
        var skipped: [String] = []
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head>
                <title>finews feeds</title>
                <dateCreated>\(rfc822(date))</dateCreated>
              </head>
              <body>

            """
        for feed in config.feeds {
            let lower = feed.url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                skipped.append(feed.name)
                continue
            }
            // A tag made per entry ({source}新闻) is no title for the whole feed.
            let title = escape(feed.tagTemplate.plainText ?? feed.name)
            var type = "rss"
            var extra = ""
            if let list = feed.list {
                type = FreshRSS.outlineType(list.format)
                extra = " xmlns:frss=\"\(FreshRSS.namespace)\""
                for (attribute, value) in FreshRSS.attributes(for: list) {
                    extra += " frss:\(attribute)=\"\(escape(value))\""
                }
            }
            xml += "    <outline text=\"\(title)\" title=\"\(title)\" type=\"\(type)\" xmlUrl=\"\(escape(feed.url))\"\(extra)/>\n"
        }
        xml += "  </body>\n</opml>\n"
        return (xml, skipped)
    }

    /// `text` fit for an XML attribute value or element content.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                // Other control characters are not allowed in XML 1.0 at all.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// An RFC 822 date, as OPML's `dateCreated` wants: `Sat, 02 Mar 2024 10:00:00 GMT`.
    static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

/// Collects outlines from the SAX callbacks (one parse, one thread).
private final class OutlineCollector {
    var root: String?
    var outlines: [OPMLOutline] = []

    func start(_ name: String, attributes: [String: String]) {
        if root == nil { root = name }
        guard name == "outline" else { return }
        // Attribute names are case-sensitive in XML, but exporters write xmlUrl, xmlURL and xmlurl.
        let lowered = Dictionary(attributes.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let url = lowered["xmlurl"]?.trimmingCharacters(in: .whitespacesAndNewlines), !url.isEmpty else { return }
        let title = [lowered["title"], lowered["text"]].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .first { !$0.isEmpty }
        outlines.append(OPMLOutline(title: title, url: url, settings: FreshRSS.settings(type: lowered["type"], attributes: lowered)))
    }
}

@available(*, unavailable)
extension OutlineCollector: Sendable {}

private func opmlStartElement(
    _ context: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let context, let localName else { return }
    let collector = Unmanaged<OutlineCollector>.fromOpaque(context).takeUnretainedValue()
    var decoded: [String: String] = [:]
    if let attributes, attributeCount > 0 {
        for index in 0..<Int(attributeCount) {
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            let base = index * 5
            guard let name = attributes[base], let start = attributes[base + 3], let end = attributes[base + 4],
                  end >= start
            else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
            decoded[String(cString: name)] = XMLCharacterReferences.decode(value)
        }
    }
    collector.start(String(cString: localName), attributes: decoded)
}

private func opmlError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    // Recover mode reads what it can; a file that yields no <opml> root is reported then.
}

/// Character references in attribute values. Without entity substitution (which
/// would also expand external entities), libxml2 hands values over with `&#38;` and
/// `&amp;` still in them.
enum XMLCharacterReferences {
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let ampersand = rest.firstIndex(of: "&") {
            out += rest[..<ampersand]
            let afterAmpersand = rest.index(after: ampersand)
            guard let semicolon = rest[afterAmpersand...].prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = rest[afterAmpersand...]
                continue
            }
            let name = rest[afterAmpersand..<semicolon]
            if let replacement = replacement(for: name) {
                out += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                out += "&"
                rest = rest[afterAmpersand...]
            }
        }
        return out + rest
    }

    private static func replacement(for name: Substring) -> String? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }
}

/// FreshRSS's OPML extension (https://freshrss.org/opml): `HTML+XPath` and
/// `JSON+DotNotation` outlines whose `frss:` attributes say how stories are found,
/// so that a FreshRSS setup moves to feeds.conf (`format`, `items`, `item.*`) and back.
enum FreshRSS {
    static let namespace = "https://freshrss.org/opml"

    /// The attribute suffixes after `xPathItem` / `jsonItem`, for each field.
    static let fieldSuffixes: [(StoryListMapping.Field, String)] = [
        (.title, "Title"), (.content, "Content"), (.link, "Uri"), (.author, "Author"), (.date, "Timestamp"),
        (.category, "Categories"), (.id, "Uid"),
    ]

    static func outlineType(_ format: StoryListMapping.Format) -> String {
        format == .html ? "HTML+XPath" : "JSON+DotNotation"
    }

    /// The `frss:` attributes (without prefix) of a mapping. A link template has no
    /// FreshRSS form and is left out, as is `item.source`.
    static func attributes(for list: StoryListMapping) -> [(String, String)] {
        let prefix = list.format == .html ? "xPathItem" : "jsonItem"
        func convert(_ path: String) -> String { list.format == .json ? bracketNotation(path) : path }
        var attributes = [(prefix, convert(list.items))]
        for (field, suffix) in fieldSuffixes {
            guard let expression = list.fields[field] else { continue }
            if field == .link, expression.contains("{") { continue }
            attributes.append((prefix + suffix, convert(expression)))
        }
        return attributes
    }

    /// feeds.conf settings from an outline's `type` and its attributes (names
    /// lowercased, without prefix); none for an outline of another type.
    static func settings(type: String?, attributes: [String: String]) -> [OPMLOutline.Setting] {
        let prefix: String
        let format: StoryListMapping.Format
        switch type?.lowercased() {
        case "html+xpath", "xml+xpath": (prefix, format) = ("xpathitem", .html)
        case "json+dotnotation": (prefix, format) = ("jsonitem", .json)
        default: return []
        }
        func convert(_ path: String) -> String { format == .json ? dotNotation(path) : path }
        guard let items = attributes[prefix].map(trimmed), !items.isEmpty else { return [] }
        var settings = [OPMLOutline.Setting(key: "format", value: format.rawValue),
                        OPMLOutline.Setting(key: "items", value: convert(items))]
        for (field, suffix) in fieldSuffixes {
            guard let value = attributes[prefix + suffix.lowercased()].map(trimmed), !value.isEmpty else { continue }
            settings.append(OPMLOutline.Setting(key: "item.\(field.rawValue)", value: convert(value)))
        }
        return settings
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// FreshRSS's `list[2].title` as finews's `list.2.title`.
    static func dotNotation(_ path: String) -> String {
        var out = ""
        for character in path {
            switch character {
            case "[": out += "."
            case "]": continue
            default: out.append(character)
            }
        }
        return out
    }

    /// finews's `list.2.title` as FreshRSS's `list[2].title`.
    static func bracketNotation(_ path: String) -> String {
        var out = ""
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            if !component.isEmpty, component.allSatisfy(\.isNumber), !out.isEmpty {
                out += "[\(component)]"
            } else {
                out += (out.isEmpty ? "" : ".") + String(component)
            }
        }
        return out
    }
}
