import FinewsNormalize
import Glibc

/// Keeps Markdown from being read into a post's HTML body.
///
/// Jekyll renders a post's body with kramdown, which leaves the content of a
/// block-level HTML element alone (`parse_block_html` is off by default, on
/// GitHub Pages too) but reads any text outside such an element as Markdown:
/// `*stars*` would become emphasis. A body whose top level is all block elements
/// (the usual `<p>…</p>` sequence) is left byte for byte; any other body is
/// wrapped in one `<div>`, so that kramdown passes all of it through.
enum MarkdownGuard {
    static func guarded(_ html: String) -> String {
        needsWrapper(html) ? "<div>\n" + html + "\n</div>" : html
    }

    /// Whether text or an inline element stands outside every block element.
    static func needsWrapper(_ html: String) -> Bool {
        var html = html
        return html.withUTF8(needsWrapper)
    }

    private static func needsWrapper(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var depth = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if depth > 0, byte != UInt8(ascii: "<") {
                // Inside a block only tags matter: jump to the next `<`.
                guard let next = memchr(base + index, Int32(UInt8(ascii: "<")), bytes.count - index) else { return false }
                index = UnsafePointer(next.assumingMemoryBound(to: UInt8.self)) - base
                continue
            }
            if byte == UInt8(ascii: "<"), let tag = HTMLTag.parse(bytes, at: index, keepingAttributes: false) {
                if blockElements.contains(tag.name) {
                    if tag.isEnd {
                        depth = max(0, depth - 1)
                    } else if !tag.selfClosing, !voidBlockElements.contains(tag.name) {
                        depth += 1
                    }
                } else if depth == 0 {
                    return true
                }
                index = tag.end
                continue
            }
            if depth == 0, !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) { return true }
            index += 1
        }
        return false
    }

    /// Elements kramdown treats as block-level HTML.
    private static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "video", "audio",
    ]

    private static let voidBlockElements: Set<String> = ["hr"]
}
