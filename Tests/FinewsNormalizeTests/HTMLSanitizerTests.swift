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

    @Test("A dangerous element goes; the text after it stays", arguments: [
        ("safe<embed src=\"http://example.com/\"> description", "safe description"),
        ("safe<object classid=\"clsid:x\"> <b>description</b>", "safe <b>description</b>"),
        ("safe<iframe src=\"http://example.com/\"> description", "safe description"),
        ("safe<applet code=\"x\"> description", "safe description"),
        ("safe<template> description", "safe description"),
        ("a<object data=\"x\">fallback</object>b", "ab"),
        ("a<script>evil()", "a"),
        ("a<style>p{}", "a"),
    ])
    func textAfterDangerousElement(html: String, expected: String) {
        #expect(sanitizer.sanitize(html) == expected)
    }

    @Test("A tag cut off at the end of the text goes; words after its attributes stay", arguments: [
        ("text <img src=\"http://x/a.jpg\" alt=\"a\"", "text "),
        ("text <img src=\"http://x/a.jpg\" and the rest", "text  and the rest"),
        ("text <img src=\"http://x/a.jpg and the rest", "text  and the rest"),
        ("text <img src=http://x/a.jpg and the rest", "text  and the rest"),
        ("a <span style=\"FONT-SIZE: 8pt; FONT-...</div>", "a "),
    ])
    func truncatedTag(html: String, expected: String) {
        #expect(sanitizer.sanitize(html) == expected)
    }

    @Test("Text inside SVG and MathML is kept; their elements and scripts are not", arguments: [
        ("<p>Before <svg><title>Tree</title><desc>by me</desc><circle r=\"1\"/></svg> after</p>",
         "<p>Before Treeby me after</p>"),
        ("<math><mi>a</mi><mo>+</mo><mi>b</mi></math>", "a+b"),
        ("<svg><script>evil()</script><text>ok</text></svg>", "ok"),
        ("<blink>unknown</blink> after", "unknown after"),
        ("<o:p>office</o:p> after", "office after"),
    ])
    func foreignContent(html: String, expected: String) {
        #expect(sanitizer.sanitize(html) == expected)
    }

    @Test("Text that a browser shows stays: form controls, and CDATA written inside HTML", arguments: [
        ("a <button>Click</button> b", "a Click b"),
        ("a <textarea>typed</textarea> b", "a typed b"),
        ("a <select><option>one</option></select> b", "a one b"),
        ("<![CDATA[Some <b>text</b>]]> more", "Some <b>text</b> more"),
        ("<![CDATA[never closed", "never closed"),
    ])
    func textShown(html: String, expected: String) {
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
