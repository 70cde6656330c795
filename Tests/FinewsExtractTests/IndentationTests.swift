@testable import FinewsExtract
import Testing

@Suite("Full-width indentation")
struct IndentationTests {
    @Test("Indentation at line starts goes; spaces inside the text stay", arguments: [
        ("<p>　　记者从</p>", "<p>记者从</p>"),
        ("　　首行", "首行"),
        ("<p>　　他说：“好。”　然后</p>", "<p>他说：“好。”　然后</p>"),
        ("<p>&nbsp;&nbsp;　　文</p>", "<p>文</p>"),
        ("<p>\u{A0}\u{A0} 　文</p>", "<p>文</p>"),
        ("<p>&#12288;&#x3000;&emsp;&#160;文</p>", "<p>文</p>"),
        ("<p><span>　　文</span></p>", "<p><span>文</span></p>"),
        ("<p><strong>　　甲</strong>　　乙</p>", "<p><strong>甲</strong>　　乙</p>"),
        ("　　首行<br>　　次行<br/>\n　　三行", "首行<br>次行<br/>三行"),
        ("<div>\n  <p>　　甲</p>\n  <p>　　乙</p>\n</div>", "<div><p>甲</p><p>乙</p></div>"),
        ("<td>　　格</td>", "<td>格</td>"),
        ("<P>　　大写</P>", "<P>大写</P>"),
        ("<p>甲</p>　　乙", "<p>甲</p>乙"),
    ])
    func removed(html: String, expected: String) {
        #expect(Indentation.removed(from: html) == expected)
    }

    @Test("Text that is not a line start, preformatted or raw is untouched", arguments: [
        "<pre>　　code\n　　more</pre>",
        "<p>甲</p><script>　　x = 1 < 2;</script>",
        "<style>\n　　p { }</style>",
        "<p><img src=\"a.png\">　　图</p>",
        "<p>1 < 2　　x</p>",
        "<p title=\"a> 　b\">文</p>",
        "<!-- 　　 -->文",
        "文&amp;　　",
        "<p>unterminated <a href=\"x",
        "<p>&nbsp文</p>",
    ])
    func untouched(html: String) {
        #expect(Indentation.removed(from: html) == html)
    }
}
