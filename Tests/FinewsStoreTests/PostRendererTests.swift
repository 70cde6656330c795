@testable import FinewsStore
import FinewsNormalize
import FinewsParse
import Foundation
import Testing

@Suite("Post rendering")
struct PostRendererTests {
    let renderer = PostRenderer(baseURL: "//site.example/", timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func post(title: String = "T", body: String = "<p>b</p>", link: String? = "http://x/1?infoCode=A1") -> Post {
        Post(infoCode: InfoCode("A1")!, title: title, date: Date(timeIntervalSince1970: 1_646_179_725),
             category: "cat", tag: "标签", body: body, link: link)
    }

    @Test("The post template, with no newline at the end")
    func template() {
        let text = renderer.render(post())
        #expect(text == """
            ---
            layout: post
            title: "T"
            date: 2022-03-02 08:08:45 +0800
            categories: cat
            tags: 标签
            ---
            <p>b</p>

            <http://x/1?infoCode=A1>

            [返回标签](//site.example/category/cat.html)｜[返回首页](//site.example/)
            """)
        #expect(renderer.relativePath(for: post()) == "_posts/2022-03-02-A1.md")
    }

    @Test("Dates and file names follow the site's zone")
    func zones() {
        let utc = PostRenderer(baseURL: "", timeZone: TimeZone(identifier: "America/New_York")!)
        #expect(utc.dateString(Date(timeIntervalSince1970: 1_646_179_725)) == "2022-03-01 19:08:45 -0500")
        #expect(utc.relativePath(for: post()) == "_posts/2022-03-01-A1.md")
    }

    @Test("Titles are YAML double-quoted with escapes", arguments: [
        ("say \"hi\"", #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("tab\there", #""tab\there""#),
        ("bell\u{07}", #""bell\x07""#),
        ("line\u{2028}sep", #""line\Lsep""#),
        ("para\u{2029}", #""para\P""#),
        ("\u{85}\u{A0}\u{9F}\u{7F}\u{0}", #""\N\_\x9F\x7F\0""#),
        ("\u{FEFF}标题\u{FFFE}\u{FFEF}", #""标题\uFFFE\#u{FFEF}""#),
        ("é中\u{1F600}", #""é中\#u{1F600}""#),
    ])
    func yamlTitles(title: String, expected: String) {
        #expect(YAML.doubleQuoted(title) == expected)
    }

    @Test("Plain YAML scalars only when they read back as the same string", arguments: [
        ("taheribao", "taheribao"),
        ("漯河日报新闻", "漯河日报新闻"),
        ("yes", "\"yes\""),
        ("2022", "\"2022\""),
        ("a: b", "\"a: b\""),
        ("-x", "\"-x\""),
        ("", "\"\""),
    ])
    func yamlScalars(text: String, expected: String) {
        #expect(YAML.scalar(text) == expected)
    }

    @Test("Liquid delimiters in the body are neutralized; single braces stay")
    func liquid() {
        let text = renderer.render(post(body: "<p>{{ site.x }} {% include a %} {x}</p>"))
        #expect(text.contains("<p>&#123;{ site.x }} &#123;% include a %} {x}</p>"))
    }

    @Test("A post without a link has no link line")
    func noLink() {
        #expect(!renderer.render(post(link: nil)).contains("\n\n<"))
    }
}

@Suite("Normalizer and publishing safety")
struct PublishingSafetyTests {
    @Test("Control characters a feed carries never reach a post")
    func controlCharacters() {
        let normalizer = Normalizer(settings: .init(category: "c", tag: "t"))
        let entry = FeedEntry(title: "a\u{08}b", content: FeedText("<p>x\u{0B}y\u{1F}</p>", kind: .html))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let post = normalizer.post(for: entry, infoCode: InfoCode("X")!, firstSeen: now, now: now)
        #expect(post.title == "ab")
        #expect(post.body == "<p>xy</p>")
    }
}

@Suite("Markdown guard")
struct MarkdownGuardTests {
    @Test("Bodies of block elements pass unchanged; anything else is wrapped in a div", arguments: [
        ("<p>a *b*</p>\n <p>c</p>", false),
        ("<div><p>x</p></div><hr><ul><li>y</li></ul>", false),
        ("Top text *stars*", true),
        ("<b>bold</b> and _under_", true),
        ("<p>a</p> tail", true),
        ("", false),
    ])
    func wrapping(html: String, wraps: Bool) {
        #expect(MarkdownGuard.needsWrapper(html) == wraps)
        #expect(MarkdownGuard.guarded(html) == (wraps ? "<div>\n" + html + "\n</div>" : html))
    }

    @Test("Footer link text escapes Markdown", arguments: [
        ("a*b_c[d]`e", #"a\*b\_c\[d\]\`e"#),
        ("新闻 feed0001", "新闻 feed0001"),
        ("新闻<b>", #"新闻\<b\>"#),
        // A mark with a combining accent is another character; U+1FEF is the grave accent.
        ("*\u{301}x", "*\u{301}x"),
        ("a\u{1FEF}", "a\\\u{1FEF}"),
    ])
    func footer(text: String, expected: String) {
        #expect(PostRenderer.markdownLinkText(text) == expected)
    }

    @Test("The bytes to write are the rendered text's")
    func renderedBytes() {
        let renderer = PostRenderer(baseURL: "//site.example/", timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let post = Post(
            infoCode: InfoCode("A1")!, title: "标题 \"q\"", date: Date(timeIntervalSince1970: 1_646_179_725),
            category: "cat", tag: "新闻 *x*", body: "text {{ x }} <b>b</b>", link: " http://x/<1> ")
        #expect(renderer.renderedBytes(post) == Array(renderer.render(post).utf8))
        #expect(renderer.render(post).hasSuffix("""
            ---
            <div>
            text &#123;{ x }} <b>b</b>
            </div>

            <%20http://x/%3C1%3E%20>

            [返回新闻 \\*x\\*](//site.example/category/cat.html)｜[返回首页](//site.example/)
            """))
    }
}
