import FinewsNormalize
import Testing

@Suite("HTML sanitizer")
struct HTMLSanitizerTests {
    let sanitizer = HTMLSanitizer()

    @Test("Clean HTML passes through byte for byte")
    func cleanPassesThrough() {
        let html = "<p class=\"em_media\">（文章来源）</p>\n <p>a <a href=\"http://x/\">link</a><br/><img src=\"http://x/i.png\" alt=\"\"></p>"
        #expect(sanitizer.sanitize(html) == html)
    }

    @Test("Unsafe markup is removed", arguments: [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ("<style>p{}</style><p>x</p>", "<p>x</p>"),
        ("<p onclick=\"evil()\">x</p>", "<p>x</p>"),
        ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href=\" JaVa\tScript:alert(1)\">x</a>", "<a>x</a>"),
        ("<img src=\"http://t/p.gif\" width=\"1\" height=\"1\">", ""),
        ("<iframe src=\"http://x\">inner</iframe>ok", "ok"),
        ("<blink>text</blink>", "text"),
        ("<!-- note --><p>x</p>", "<p>x</p>"),
    ])
    func unsafe(html: String, expected: String) {
        #expect(sanitizer.sanitize(html) == expected)
    }

    @Test("Relative URLs resolve against the base")
    func relative() {
        #expect(sanitizer.sanitize("<a href=\"/a?b=1&amp;c=2\">x</a>", baseURL: "http://ex.com/news/1.html")
            == "<a href=\"http://ex.com/a?b=1&amp;c=2\">x</a>")
        #expect(sanitizer.sanitize("<img src=\"i.png\">", baseURL: "http://ex.com/news/1.html")
            == "<img src=\"http://ex.com/news/i.png\">")
    }
}
