import FinewsParse
import Foundation
import Glibc

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
        var html = html
        // Clean HTML, the usual case, comes back as the same String: nothing is copied.
        let edited = html.withUTF8 { bytes in sanitized(bytes, baseURL: baseURL) }
        return edited.map { String(decoding: $0, as: UTF8.self) } ?? html
    }

    /// The sanitized bytes, or nil when they are the input unchanged.
    private func sanitized(_ bytes: UnsafeBufferPointer<UInt8>, baseURL: String?) -> [UInt8]? {
        guard let base = bytes.baseAddress, memchr(base, Int32(UInt8(ascii: "<")), bytes.count) != nil else { return nil }
        var edit = ByteEdit(bytes)
        var index = 0
        // Inside <svg> or <math>: their <title> is text to keep, not a page title.
        var foreignDepth = 0
        // Where the `]]>` of a CDATA section written inside the HTML is, once its
        // `<![CDATA[` has been dropped: the marker goes, the text between stays.
        var cdataEnd: Int?
        while index < bytes.count {
            // Text between tags is kept as it is: jump to the next `<`.
            let found = memchr(base + index, Int32(UInt8(ascii: "<")), bytes.count - index)
            let open = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? bytes.count
            if let end = cdataEnd, end < open {
                if end >= edit.position { edit.replace(end..<min(end + 3, bytes.count)) }
                cdataEnd = nil
            }
            guard found != nil else { break }
            index = open
            // A `<` that ends the text stays.
            guard index + 1 < bytes.count else { break }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "!"), bytes[index...].starts(with: "<![CDATA[".utf8) {
                // CDATA inside HTML (a feed that wrapped its text twice): the
                // text is the publisher's, only the markers go.
                edit.replace(index..<index + 9)
                cdataEnd = HTMLTag.find("]]>", in: bytes, from: index + 9)
                index += 9
                continue
            }
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                // Comments, doctypes and processing instructions are dropped.
                let end = skipMarkupDeclaration(bytes, from: index)
                edit.replace(index..<end)
                index = end
                continue
            }
            guard let tag = HTMLTag.parse(bytes, at: index) else {
                // A tag cut off (a truncated summary: `<img src="…` and no `>`)
                // goes, with the attributes written in it; the words after them
                // are text and stay.
                if HTMLTag.startsTag(bytes, at: index),
                   memchr(base + index, Int32(UInt8(ascii: ">")), bytes.count - index) == nil {
                    let end = HTMLTag.endOfCutTag(bytes, at: index)
                    edit.replace(index..<end)
                    index = end
                    continue
                }
                edit.replace(index..<index + 1, with: "&lt;")
                index += 1
                continue
            }
            if tag.isTruncated {
                // A quoted value that never closes: with a `>` further on, as in a
                // browser, the value runs to the end; without one the text was cut
                // inside the tag, and the words after the value are text.
                guard memchr(base + index, Int32(UInt8(ascii: ">")), bytes.count - index) == nil else {
                    edit.replace(index..<bytes.count)
                    break
                }
                let end = HTMLTag.endOfCutTag(bytes, at: index)
                edit.replace(index..<end)
                index = end
                continue
            }
            let name = tag.name
            if name == "svg" || name == "math" {
                if tag.isEnd {
                    foreignDepth = max(0, foreignDepth - 1)
                } else if !tag.selfClosing {
                    foreignDepth += 1
                }
            }
            var rule = Self.elementRules[name]
            if foreignDepth > 0, rule == .dropped { rule = nil }
            if rule == .dropped || rule == .droppedToTheEnd {
                var end = tag.end
                if !tag.isEnd, !tag.selfClosing {
                    if let after = skipElement(named: name, in: bytes, from: tag.end) {
                        end = after
                    } else if rule == .droppedToTheEnd {
                        // Never closed: script-like elements take the rest with them;
                        // for the others only the stray tag goes.
                        end = bytes.count
                    }
                }
                edit.replace(index..<end)
                index = end
                continue
            }
            guard rule == .allowed else {
                edit.replace(index..<tag.end)
                index = tag.end
                continue
            }
            if tag.isEnd {
                // Kept as written.
                index = tag.end
                continue
            }
            if name == "img", isTrackingPixel(tag) {
                edit.replace(index..<tag.end)
                index = tag.end
                continue
            }
            let (attributes, changed) = cleanAttributes(tag, baseURL: baseURL)
            if changed {
                var rebuilt = "<\(name)"
                for (attribute, value) in attributes {
                    rebuilt += " \(attribute)=\"\(HTMLText.escape(value))\""
                }
                rebuilt += tag.selfClosing ? " />" : ">"
                edit.replace(index..<tag.end, with: rebuilt)
            }
            index = tag.end
        }
        return edit.result()
    }

    private func cleanAttributes(_ tag: HTMLTag, baseURL: String?) -> (attributes: [(String, String)], changed: Bool) {
        guard !tag.attributes.isEmpty else { return ([], false) }
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

    private func skipMarkupDeclaration(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        if bytes[start...].starts(with: "<!--".utf8) {
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
    private func skipElement(named name: String, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
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

    /// What becomes of an element, by name: one lookup per tag. An element in
    /// none of the lists below is dropped, its content kept.
    private enum ElementRule {
        case allowed
        /// Dropped with its content.
        case dropped
        /// Dropped with its content, and when never closed with everything after it.
        case droppedToTheEnd
    }

    private static let elementRules: [String: ElementRule] = {
        var rules: [String: ElementRule] = [:]
        for name in allowedElements { rules[name] = .allowed }
        for name in droppedWithContent { rules[name] = unsafeToTheEnd.contains(name) ? .droppedToTheEnd : .dropped }
        return rules
    }()

    /// Elements that go with their content when closed; when one is never
    /// closed, only its start tag goes and the text after it stays. (`embed`
    /// has no content: it is dropped as an unknown element. The text inside
    /// `svg` and `math` is text; their elements are dropped as unknown ones.)
    /// Form controls (`button`, `textarea`, `select`) and `xmp` are not in the
    /// list: a browser shows their text, so the text stays and the tags go.
    static let droppedWithContent: Set<String> = [
        "script", "style", "template", "iframe", "object", "applet", "noembed", "noframes",
        "frameset", "frame", "head", "title",
    ]

    /// Elements whose content is code: when one is never closed, everything after
    /// its start tag is dropped.
    static let unsafeToTheEnd: Set<String> = ["script", "style"]

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

/// A copy of some bytes with ranges replaced, made only once a first range is:
/// bytes that need no change are never copied.
struct ByteEdit {
    private let input: UnsafeBufferPointer<UInt8>
    private var output: [UInt8] = []
    private var edited = false
    /// `input[..<done]` is in `output` or was replaced.
    private var done = 0

    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Replaces `range` (which starts at or after every range replaced before) with `replacement`.
    mutating func replace(_ range: Range<Int>, with replacement: String = "") {
        if !edited {
            edited = true
            output.reserveCapacity(input.count)
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[done..<range.lowerBound]))
        output.append(contentsOf: replacement.utf8)
        done = range.upperBound
    }

    /// The edited bytes, or nil when nothing was replaced.
    /// The index in the input up to which every byte is copied or replaced:
    /// a next replacement must start at or after it.
    var position: Int { done }

    mutating func result() -> [UInt8]? {
        guard edited else { return nil }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[done...]))
        return output
    }
}

/// One tag as written: name (lowercased), attributes in order, and where it ends.
package struct HTMLTag {
    package var name: String
    package var isEnd: Bool
    package var selfClosing: Bool
    var attributes: [(String, String)]
    /// The index just after the closing `>`.
    package var end: Int
    /// A quoted attribute value that never closes: as in a browser, the tag runs
    /// to the end of the text.
    var isTruncated = false

    /// Parses the tag starting at `start` (a `<`); nil when no tag starts there.
    /// Without `keepingAttributes` the tag is read the same way but its
    /// attributes are not collected.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, keepingAttributes: Bool = true) -> HTMLTag? {
        var index = start + 1
        var isEnd = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            isEnd = true
            index += 1
        }
        let nameStart = index
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart, isLetter(bytes[nameStart]) else { return nil }
        let name = lowercasedString(bytes, nameStart..<index)
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
            let attributeName = attributeStart..<index
            while index < bytes.count, isASCIIWhitespaceByte(bytes[index]) { index += 1 }
            var value = index..<index
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
                    value = valueStart..<valueEnd
                    index = valueEnd + 1
                } else {
                    let valueStart = index
                    while index < bytes.count, !isASCIIWhitespaceByte(bytes[index]), bytes[index] != UInt8(ascii: ">") {
                        index += 1
                    }
                    value = valueStart..<index
                }
            }
            if keepingAttributes, !attributeName.isEmpty {
                attributes.append((
                    lowercasedString(bytes, attributeName),
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self)))
            }
        }
        return nil
    }

    /// For a tag that never ends (no `>` follows, or a quoted value never
    /// closes), the index where its markup ends: after the name and each
    /// complete `name="value"` or `name=value`; an unclosed quoted value runs to
    /// the next whitespace. What follows (words with no `=`) is text.
    static func endOfCutTag(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        var index = start + 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") { index += 1 }
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        var end = index
        while true {
            var cursor = end
            while cursor < bytes.count, isASCIIWhitespaceByte(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") {
                cursor += 1
            }
            let nameStart = cursor
            while cursor < bytes.count, !isASCIIWhitespaceByte(bytes[cursor]), bytes[cursor] != UInt8(ascii: "="),
                  bytes[cursor] != UInt8(ascii: "<"), bytes[cursor] != UInt8(ascii: "\""),
                  bytes[cursor] != UInt8(ascii: "'") {
                cursor += 1
            }
            guard cursor > nameStart, cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { return end }
            cursor += 1
            guard cursor < bytes.count else { return bytes.count }
            let quote = bytes[cursor]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                if let close = bytes[(cursor + 1)...].firstIndex(of: quote) {
                    end = close + 1
                    continue
                }
                var stop = cursor + 1
                while stop < bytes.count, !isASCIIWhitespaceByte(bytes[stop]) { stop += 1 }
                return stop
            }
            while cursor < bytes.count, !isASCIIWhitespaceByte(bytes[cursor]), bytes[cursor] != UInt8(ascii: "<") {
                cursor += 1
            }
            end = cursor
        }
    }

    /// The index of `needle` at or after `start`, or nil.
    static func find(_ needle: StaticString, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard let base = bytes.baseAddress, count > 0 else { return nil }
        var index = start
        while index + count <= bytes.count {
            if memcmp(base + index, needle.utf8Start, count) == 0 { return index }
            index += 1
        }
        return nil
    }

    /// Whether a start or end tag begins at `start` (a `<` followed by a letter or `/`+letter).
    static func startsTag(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        var index = start + 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") { index += 1 }
        return index < bytes.count && isLetter(bytes[index])
    }

    /// The bytes in `range` as a String, ASCII letters lowercased.
    private static func lowercasedString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        // Names are usually written in lowercase already: then no copy is lowered.
        guard slice.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return String(decoding: slice, as: UTF8.self) }
        return String(decoding: slice.map(lowerASCII), as: UTF8.self)
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
