/// Removes the full-width indentation Chinese publishers put at paragraph starts.
///
/// Chinese text is traditionally indented by two ideographic spaces (U+3000),
/// and CMSs write them into the text: `<p>　　记者从…</p>`, or `&nbsp;` runs, or
/// `<br>　　` in pages without paragraphs. In a post the theme's CSS lays out
/// paragraphs, and the spaces only push the text off its margin, so a run of
/// them at the start of a line is removed: after the start of the text, and after
/// a tag that starts a line (`<p>`, `<div>`, `<br>`, `<li>`, ... opening or closing).
/// Inline tags (`<span>`, `<strong>`) at a line start are looked through. Spaces
/// inside the text stay, and so does everything in `<pre>`, `<script>`, `<style>`
/// and `<textarea>`.
enum Indentation {
    /// `html` with the indentation at line starts removed.
    static func removed(from html: String) -> String {
        var scanner = MarkupScanner(bytes: Array(html.utf8))
        let bytes = scanner.bytes
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var atLineStart = true
        var preDepth = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), let tag = scanner.tag(at: index) {
                output.append(contentsOf: bytes[index..<tag.end])
                index = tag.end
                guard let name = tag.name else { continue }
                if rawTextTags.contains(name), !tag.isClosing {
                    // Copy the element's text untouched, up to its end tag.
                    let rawEnd = scanner.endOfRawText(named: name, from: index)
                    output.append(contentsOf: bytes[index..<rawEnd])
                    index = rawEnd
                    continue
                }
                if name == "pre" { preDepth = max(0, preDepth + (tag.isClosing ? -1 : 1)) }
                if lineStartingTags.contains(name) {
                    atLineStart = true
                } else if contentTags.contains(name) {
                    atLineStart = false
                }
                continue
            }
            if atLineStart, preDepth == 0 {
                let width = indentationWidth(in: bytes, at: index)
                if width > 0 {
                    index += width
                    continue
                }
                atLineStart = false
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Tags (opening or closing) after which a new line of text starts.
    static let lineStartingTags: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol",
        "p", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]

    /// Elements that are content themselves: the line has started once one is seen.
    static let contentTags: Set<String> = [
        "img", "video", "audio", "iframe", "object", "embed", "svg", "canvas", "input", "math", "picture",
    ]

    /// Elements whose content is not markup: it is copied as it is.
    static let rawTextTags: Set<String> = ["script", "style", "textarea"]

    /// The byte length of the indentation character at `index`: U+3000, U+2002,
    /// U+2003, U+00A0 (raw, or written as a named or numeric character reference),
    /// or ASCII whitespace; 0 when there is none.
    static func indentationWidth(in bytes: [UInt8], at index: Int) -> Int {
        let byte = bytes[index]
        if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C { return 1 }
        if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 { return 2 }
        if byte == 0xE3, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x80 { return 3 }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
           bytes[index + 2] == 0x82 || bytes[index + 2] == 0x83 {
            return 3
        }
        if byte == UInt8(ascii: "&") { return referenceWidth(in: bytes, at: index) }
        return 0
    }

    /// The length of a character reference at `index` when it names a space used for
    /// indentation (`&nbsp;`, `&emsp;`, `&ensp;`, `&#12288;`, `&#x3000;`, ...), else 0.
    private static func referenceWidth(in bytes: [UInt8], at index: Int) -> Int {
        let limit = min(bytes.count, index + 12)
        guard let semicolon = bytes[index..<limit].firstIndex(of: UInt8(ascii: ";")) else { return 0 }
        let name = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
        let codePoint: UInt32?
        switch name {
        case "nbsp": codePoint = 0xA0
        case "emsp": codePoint = 0x2003
        case "ensp": codePoint = 0x2002
        default:
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                codePoint = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                codePoint = UInt32(name.dropFirst(), radix: 10)
            } else {
                codePoint = nil
            }
        }
        guard let codePoint, [0x20, 0xA0, 0x2002, 0x2003, 0x3000].contains(codePoint) else { return 0 }
        return semicolon + 1 - index
    }

}

/// A tag, comment or declaration in HTML.
private struct Tag {
    /// The index just past the closing `>`.
    var end: Int
    /// The element's lowercased name; nil for comments and declarations.
    var name: String?
    var isClosing: Bool
}

/// Finds the tags in HTML that may be broken (it comes from JSON answers as
/// publishers wrote it), in time linear in its length: searches that fail to the
/// end of the text are remembered, and a quoted attribute value is looked through
/// only for a short distance.
private struct MarkupScanner {
    let bytes: [UInt8]
    /// The first `>` at or after `greaterSearchStart`, or nil when there is none.
    private var nextGreater: Int?
    private var greaterSearchStart = -1
    /// Set once a search for `-->` failed: no comment ends after this index.
    private var commentsUnterminatedFrom: Int?

    /// How far a `>` inside a quoted attribute value is looked past.
    private static let quotedValueWindow = 256

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The markup starting at the `<` at `start`; nil when it starts no tag (as in
    /// `a < b`) or never ends.
    mutating func tag(at start: Int) -> Tag? {
        guard start + 1 < bytes.count, let greater = firstGreater(from: start) else { return nil }
        let next = bytes[start + 1]
        if next == UInt8(ascii: "!"), bytes[(start + 1)...].starts(with: Array("!--".utf8)) {
            guard let close = commentEnd(from: start + 4) else { return nil }
            return Tag(end: close, name: nil, isClosing: false)
        }
        if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
            return Tag(end: greater + 1, name: nil, isClosing: false)
        }
        let isClosing = next == UInt8(ascii: "/")
        let nameStart = isClosing ? start + 2 : start + 1
        guard nameStart < bytes.count, isASCIILetter(bytes[nameStart]) else { return nil }
        var nameEnd = nameStart
        while nameEnd < bytes.count, isASCIILetter(bytes[nameEnd]) || (bytes[nameEnd] >= 0x30 && bytes[nameEnd] <= 0x39) {
            nameEnd += 1
        }
        let name = String(decoding: bytes[nameStart..<nameEnd].map(asciiLowercased), as: UTF8.self)
        return Tag(end: tagEnd(from: nameEnd, firstGreater: greater) + 1, name: name, isClosing: isClosing)
    }

    /// The `>` that ends a tag: the first one outside quoted attribute values when
    /// it is near, else the first one.
    private func tagEnd(from start: Int, firstGreater: Int) -> Int {
        let limit = min(bytes.count, firstGreater + Self.quotedValueWindow)
        var quote: UInt8?
        var index = start
        while index < limit {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index
            }
            index += 1
        }
        return firstGreater
    }

    /// The first `>` at or after `start`. Calls come with growing `start`s, so the
    /// last answer is reused until the scan has passed it.
    private mutating func firstGreater(from start: Int) -> Int? {
        if greaterSearchStart >= 0, greaterSearchStart <= start {
            guard let cached = nextGreater else { return nil }
            if cached >= start { return cached }
        }
        greaterSearchStart = start
        nextGreater = bytes[start...].firstIndex(of: UInt8(ascii: ">"))
        return nextGreater
    }

    /// The index just past the `-->` that ends a comment, searching from `start`.
    private mutating func commentEnd(from start: Int) -> Int? {
        if let unterminated = commentsUnterminatedFrom, start >= unterminated { return nil }
        let terminator = Array("-->".utf8)
        var index = start
        while index + terminator.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "-"), bytes[index..<index + terminator.count].elementsEqual(terminator) {
                return index + terminator.count
            }
            index += 1
        }
        commentsUnterminatedFrom = start
        return nil
    }

    /// Where the raw text of a `<script>`, `<style>` or `<textarea>` ends: at its
    /// end tag (matched without regard to case), or at the end of the HTML.
    func endOfRawText(named name: String, from start: Int) -> Int {
        let closing = Array("</\(name)".utf8)
        var index = start
        while index + closing.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "<"),
               zip(bytes[index..<index + closing.count], closing).allSatisfy({ asciiLowercased($0) == $1 }) {
                return index
            }
            index += 1
        }
        return bytes.count
    }
}

private func isASCIILetter(_ byte: UInt8) -> Bool {
    (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
}

private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
}
