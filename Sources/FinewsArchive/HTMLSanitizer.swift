import Foundation
import FinewsParse

/// Keeps feed HTML safe to publish: an allow-list of elements and attributes,
/// scripts and styles removed with their content, unsafe URLs dropped, 1×1
/// tracking images removed, and relative URLs resolved against a base.
///
/// The sanitizer edits only what it must: a tag that passes unchanged is copied
/// byte for byte, so clean HTML comes out exactly as it went in.
public struct HTMLSanitizer: Sendable {
    /// Creates a sanitizer with the built-in allow-list.
    public init() {}

    /// The sanitized fragment; relative URLs are resolved against `baseURL` when given.
    public func sanitize(_ html: String, baseURL: String? = nil) -> String {
        let bytes = Array(html.utf8)
        guard bytes.contains(UInt8(ascii: "<")) else { return html }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "<"), index + 1 < bytes.count else {
                output.append(byte)
                index += 1
                continue
            }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                // Comments, doctypes and processing instructions are dropped.
                index = skipMarkupDeclaration(bytes, from: index)
                continue
            }
            guard let tag = HTMLTag.parse(bytes, at: index) else {
                // A tag cut off by the end of the text (a truncated summary) is
                // dropped, as browsers drop it.
                if HTMLTag.startsTag(bytes, at: index), !bytes[index...].contains(UInt8(ascii: ">")) { break }
                output.append(contentsOf: "&lt;".utf8)
                index += 1
                continue
            }
            if tag.isTruncated { break }
            let name = tag.name
            if Self.droppedWithContent.contains(name) {
                if tag.isEnd || tag.selfClosing {
                    index = tag.end
                } else if let after = skipElement(named: name, in: bytes, from: tag.end) {
                    index = after
                } else {
                    // Never closed: script-like elements take the rest with them;
                    // for the others only the stray tag goes.
                    if Self.unsafeToTheEnd.contains(name) { break }
                    index = tag.end
                }
                continue
            }
            guard Self.allowedElements.contains(name) else {
                index = tag.end
                continue
            }
            if tag.isEnd {
                output.append(contentsOf: bytes[index..<tag.end])
                index = tag.end
                continue
            }
            if name == "img", isTrackingPixel(tag) {
                index = tag.end
                continue
            }
            let (attributes, changed) = cleanAttributes(tag, baseURL: baseURL)
            if changed {
                output.append(contentsOf: "<\(name)".utf8)
                for (attribute, value) in attributes {
                    output.append(contentsOf: " \(attribute)=\"\(HTMLText.escape(value))\"".utf8)
                }
                output.append(contentsOf: (tag.selfClosing ? " />" : ">").utf8)
            } else {
                output.append(contentsOf: bytes[index..<tag.end])
            }
            index = tag.end
        }
        return String(decoding: output, as: UTF8.self)
    }

    private func cleanAttributes(_ tag: HTMLTag, baseURL: String?) -> (attributes: [(String, String)], changed: Bool) {
        var kept: [(String, String)] = []
        var changed = false
        let allowed = Self.allowedAttributes[tag.name] ?? []
        for (name, value) in tag.attributes {
            guard Self.globalAttributes.contains(name) || allowed.contains(name) else {
                changed = true
                continue
            }
            if Self.urlAttributes.contains(name) {
                let decoded = HTMLText.decodeEntities(value)
                guard isSafeURL(decoded, inImage: tag.name == "img" || tag.name == "source") else {
                    changed = true
                    continue
                }
                if let baseURL, !URLText.isAbsolute(decoded), !decoded.hasPrefix("#"),
                   let resolved = URLText.resolve(decoded, against: baseURL), resolved != decoded {
                    kept.append((name, resolved))
                    changed = true
                    continue
                }
                kept.append((name, decoded))
                continue
            }
            kept.append((name, HTMLText.decodeEntities(value)))
        }
        return (kept, changed)
    }

    private func isSafeURL(_ url: String, inImage: Bool) -> Bool {
        // Browsers ignore control characters and whitespace inside a scheme.
        let compact = String(url.unicodeScalars.filter { $0.value > 0x20 }).lowercased()
        guard URLText.isAbsolute(compact), let colon = compact.firstIndex(of: ":") else { return true }
        let scheme = compact[..<colon]
        if scheme == "data" { return inImage && compact.hasPrefix("data:image/") && !compact.hasPrefix("data:image/svg") }
        return Self.allowedSchemes.contains(String(scheme))
    }

    private func isTrackingPixel(_ tag: HTMLTag) -> Bool {
        let width = tag.attributes.first(where: { $0.0 == "width" }).map { UnicodeWhitespace.trimmed($0.1, newlines: false) }
        let height = tag.attributes.first(where: { $0.0 == "height" }).map { UnicodeWhitespace.trimmed($0.1, newlines: false) }
        let tiny: Set<String?> = ["0", "1", "0px", "1px"]
        return tiny.contains(width) && tiny.contains(height)
    }

    private func skipMarkupDeclaration(_ bytes: [UInt8], from start: Int) -> Int {
        if bytes[start...].starts(with: Array("<!--".utf8)) {
            var index = start + 4
            while index + 2 < bytes.count {
                if bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-"),
                   bytes[index + 2] == UInt8(ascii: ">") {
                    return index + 3
                }
                index += 1
            }
            return bytes.count
        }
        return (bytes[start...].firstIndex(of: UInt8(ascii: ">")) ?? (bytes.count - 1)) + 1
    }

    /// The index just after `</name>` (case-insensitive), or nil when it never comes.
    private func skipElement(named name: String, in bytes: [UInt8], from start: Int) -> Int? {
        let closing = Array("</\(name)".utf8)
        var index = start
        while index + closing.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "<"),
               zip(bytes[index..<index + closing.count], closing).allSatisfy({ lowerASCII($0) == $1 }) {
                return (bytes[(index + closing.count)...].firstIndex(of: UInt8(ascii: ">")) ?? (bytes.count - 1)) + 1
            }
            index += 1
        }
        return nil
    }

    static let droppedWithContent: Set<String> = [
        "script", "style", "template", "iframe", "object", "embed", "applet", "noembed", "noframes",
        "frameset", "frame", "textarea", "select", "button", "svg", "math", "head", "title", "xmp", "plaintext",
    ]

    /// Elements whose content is code: when one is never closed, everything after
    /// its start tag is dropped.
    static let unsafeToTheEnd: Set<String> = [
        "script", "style", "template", "iframe", "object", "embed", "applet", "svg", "math", "xmp", "plaintext",
    ]

    static let allowedElements: Set<String> = [
        "a", "abbr", "acronym", "address", "article", "aside", "audio", "b", "bdi", "bdo", "big", "blockquote", "br",
        "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins",
        "kbd", "li", "main", "mark", "nav", "ol", "p", "picture", "pre", "q", "s", "samp",
        "section", "small", "source", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
    ]

    static let globalAttributes: Set<String> = ["class", "title", "lang", "dir", "align"]

    static let allowedAttributes: [String: Set<String>] = [
        "a": ["href", "name", "rel", "target"],
        "img": ["src", "alt", "width", "height", "srcset", "sizes", "loading"],
        "audio": ["src", "controls", "loop", "preload"],
        "video": ["src", "controls", "loop", "preload", "poster", "width", "height"],
        "source": ["src", "srcset", "type", "media", "sizes"],
        "track": ["src", "kind", "label", "srclang"],
        "td": ["colspan", "rowspan", "valign", "width"],
        "th": ["colspan", "rowspan", "valign", "width", "scope"],
        "col": ["span", "width"],
        "colgroup": ["span", "width"],
        "table": ["border", "cellpadding", "cellspacing", "width", "summary"],
        "ol": ["start", "type", "reversed"],
        "li": ["value"],
        "blockquote": ["cite"],
        "q": ["cite"],
        "del": ["cite", "datetime"],
        "ins": ["cite", "datetime"],
        "time": ["datetime"],
        "font": ["color", "size", "face"],
        "abbr": ["title"],
    ]

    static let urlAttributes: Set<String> = ["href", "src", "poster", "cite"]

    static let allowedSchemes: Set<String> = ["http", "https", "mailto", "ftp", "tel", "magnet", "news", "irc", "ircs"]
}

@inline(__always)
private func lowerASCII(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
}

/// One tag as written: name (lowercased), attributes in order, and where it ends.
struct HTMLTag {
    var name: String
    var isEnd: Bool
    var selfClosing: Bool
    var attributes: [(String, String)]
    /// The index just after the closing `>`.
    var end: Int
    /// A quoted attribute value that never closes: as in a browser, the tag runs
    /// to the end of the text.
    var isTruncated = false

    /// Parses the tag starting at `start` (a `<`); nil when no tag starts there.
    static func parse(_ bytes: [UInt8], at start: Int) -> HTMLTag? {
        var index = start + 1
        var isEnd = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            isEnd = true
            index += 1
        }
        let nameStart = index
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart, isLetter(bytes[nameStart]) else { return nil }
        let name = String(decoding: bytes[nameStart..<index].map(lowerASCII), as: UTF8.self)
        var attributes: [(String, String)] = []
        var selfClosing = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") {
                return HTMLTag(name: name, isEnd: isEnd, selfClosing: selfClosing, attributes: attributes, end: index + 1)
            }
            if isASCIIWhitespace(byte) || byte == UInt8(ascii: "/") {
                selfClosing = byte == UInt8(ascii: "/")
                index += 1
                continue
            }
            selfClosing = false
            let attributeStart = index
            while index < bytes.count, !isASCIIWhitespaceByte(bytes[index]), bytes[index] != UInt8(ascii: "="),
                  bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "/") || index == attributeStart {
                index += 1
            }
            let attributeName = String(decoding: bytes[attributeStart..<index].map(lowerASCII), as: UTF8.self)
            while index < bytes.count, isASCIIWhitespaceByte(bytes[index]) { index += 1 }
            var value = ""
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.count, isASCIIWhitespaceByte(bytes[index]) { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    let valueStart = index + 1
                    guard let valueEnd = bytes[valueStart...].firstIndex(of: quote) else {
                        return HTMLTag(name: name, isEnd: isEnd, selfClosing: false, attributes: attributes,
                                       end: bytes.count, isTruncated: true)
                    }
                    value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                    index = valueEnd + 1
                } else {
                    let valueStart = index
                    while index < bytes.count, !isASCIIWhitespaceByte(bytes[index]), bytes[index] != UInt8(ascii: ">") {
                        index += 1
                    }
                    value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                }
            }
            if !attributeName.isEmpty { attributes.append((attributeName, value)) }
        }
        return nil
    }

    /// Whether a start or end tag begins at `start` (a `<` followed by a letter or `/`+letter).
    static func startsTag(_ bytes: [UInt8], at start: Int) -> Bool {
        var index = start + 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") { index += 1 }
        return index < bytes.count && isLetter(bytes[index])
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
    }
}

@inline(__always)
private func isASCIIWhitespaceByte(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C
}

@inline(__always)
private func isASCIIWhitespace(_ byte: UInt8) -> Bool { isASCIIWhitespaceByte(byte) }
