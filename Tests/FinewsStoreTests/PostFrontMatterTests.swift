@testable import FinewsStore
import FinewsNormalize
import FinewsParse
import Foundation
import Testing
import Yams

@Suite("Post front matter options ([post])")
struct PostFrontMatterTests {
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    let allFields = PostRenderer.Options.Field.allCases

    func post(body: String = "<p>正文第一段。</p><p>Second <b>paragraph</b>.</p>", link: String? = "http://x/1?infoCode=A1") -> Post {
        Post(infoCode: InfoCode("A1")!, title: "T", date: Date(timeIntervalSince1970: 1_646_179_725),
             category: "cat", tag: "标签", body: body, link: link)
    }

    /// The front matter's lines between the `---` markers.
    func head(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.components(separatedBy: "\n---\n")[0].split(separator: "\n").dropFirst().map(String.init)
    }

    @Test("Without options the post is the reference post; with them, only the front matter grows")
    func defaultIsReference() {
        let plain = PostRenderer(baseURL: "//site.example", timeZone: zone)
        let extras = PostRenderer.Extras(author: "someone", media: [FeedMedia(url: "http://i/1.jpg", medium: "image")])
        #expect(plain.renderedBytes(post(), extras: extras) == plain.renderedBytes(post()))
        let rich = PostRenderer(baseURL: "//site.example", timeZone: zone, options: .init(frontMatter: allFields))
        let richText = String(decoding: rich.renderedBytes(post(), extras: extras), as: UTF8.self)
        let plainText = plain.render(post())
        #expect(richText.components(separatedBy: "\n---\n")[1] == plainText.components(separatedBy: "\n---\n")[1])
    }

    @Test("Fields come after the reference ones, in the configured order; absent values are left out")
    func order() {
        let renderer = PostRenderer(baseURL: "", timeZone: zone, options: .init(frontMatter: [
            .infocode, .image, .author, .originalURL, .lastModifiedAt, .description,
        ]))
        let lines = head(renderer.renderedBytes(post(), extras: .init(author: "  Jane\n Doe ")))
        #expect(lines == [
            "layout: post", "title: \"T\"", "date: 2022-03-02 08:08:45 +0800", "categories: cat", "tags: 标签",
            "infocode: A1", "author: \"Jane Doe\"", "original_url: \"http://x/1?infoCode=A1\"",
            "description: \"正文第一段。Second paragraph.\"",
        ])
        #expect(PostRenderer.description(ofHTML: "<p>One.</p><p>Two <a href=\"x\">link</a>, ok</p>") == "One. Two link, ok")
        #expect(PostRenderer.description(ofHTML: "<p>中文 English 混排</p>\n<p>下一段</p>") == "中文 English 混排下一段")
        let modified = head(renderer.renderedBytes(post(body: "<p>x</p>", link: nil), extras: .init(
            media: [FeedMedia(url: "http://i/v.mp4", type: "video/mp4"), FeedMedia(url: "http://i/t.jpg", medium: "thumbnail")],
            lastModified: Date(timeIntervalSince1970: 1_646_200_000))))
        #expect(modified == [
            "layout: post", "title: \"T\"", "date: 2022-03-02 08:08:45 +0800", "categories: cat", "tags: 标签",
            "infocode: A1", "image: \"http://i/t.jpg\"", "last_modified_at: 2022-03-02 13:46:40 +0800",
            "description: \"x\"",
        ])
    }

    @Test("description: the first 150 characters of the text, markup and entities gone, whitespace collapsed")
    func description() {
        let long = "<p>" + String(repeating: "长", count: 140) + "</p>\n\n<p>a&amp;b   c " + String(repeating: "z", count: 40) + "</p>"
        let text = PostRenderer.description(ofHTML: long)
        #expect(text.count == 150)
        #expect(text.hasPrefix(String(repeating: "长", count: 140) + "a&b c zz"))
        #expect(PostRenderer.description(ofHTML: "<p>short</p>") == "short")
    }

    @Test("image: the body's first absolute image, else an attached image")
    func image() {
        #expect(PostRenderer.firstImage(inHTML: #"<p>x<IMG alt="a" SRC="https://h/a.png?x=1&amp;y=2"><img src="https://h/b.png"></p>"#)
            == "https://h/a.png?x=1&y=2")
        #expect(PostRenderer.firstImage(inHTML: "<img src='//cdn/c.jpg'>") == "//cdn/c.jpg")
        #expect(PostRenderer.firstImage(inHTML: #"<img src="data:image/gif;base64,R0lGOD"><p>none</p>"#) == nil)
        #expect(PostRenderer.firstImage(inHTML: "<p>no image</p>") == nil)
        #expect(PostRenderer.firstImage(in: [FeedMedia(url: "http://a/a.mp3", type: "audio/mpeg"),
                                             FeedMedia(url: "http://a/b.jpg", type: "image/jpeg")]) == "http://a/b.jpg")
        #expect(PostRenderer.firstImage(in: [FeedMedia(url: "http://a/a.mp3", medium: "audio")]) == nil)
    }

    @Test("Hostile authors, links and texts read back from a real YAML parser as themselves", arguments: hostileStrings)
    func hostile(_ text: String) throws {
        let renderer = PostRenderer(baseURL: "", timeZone: zone, options: .init(frontMatter: allFields))
        let bytes = renderer.renderedBytes(post(body: "<p>\(HTMLText.escape(text))</p>", link: "http://x/?q=" + text),
                                           extras: .init(author: text, media: [FeedMedia(url: text, medium: "image")]))
        let front = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n---\n")[0].dropFirst(4)
        let yaml = try #require(try Yams.load(yaml: String(front)) as? [String: Any])
        // libyaml drops a byte-order mark even when escaped (see YAML.doubleQuoted).
        let readable = text.replacingOccurrences(of: "\u{FEFF}", with: "")
        let author = HTMLText.collapseWhitespace(readable.filter { !($0.asciiValue.map { $0 < 0x20 && $0 != 9 && $0 != 10 && $0 != 13 } ?? false) })
        if !author.isEmpty { #expect(yaml["author"] as? String == author) }
        #expect(yaml["original_url"] as? String == "http://x/?q=" + readable)
        #expect(yaml["infocode"] as? String == "A1")
        #expect((yaml["description"] as? String)?.count ?? 0 <= PostRenderer.descriptionLength)
    }

    @Test("rfc3339 dates carry the zone's offset with a colon", arguments: [
        ("Asia/Shanghai", "2022-03-02T08:08:45+08:00"), ("America/New_York", "2022-03-01T19:08:45-05:00"),
        ("Asia/Kolkata", "2022-03-02T05:38:45+05:30"), ("UTC", "2022-03-02T00:08:45+00:00"),
    ])
    func rfc3339(zone: String, expected: String) throws {
        let renderer = PostRenderer(baseURL: "", timeZone: try #require(TimeZone(identifier: zone)),
                                    options: .init(dateFormat: .rfc3339))
        #expect(renderer.dateString(Date(timeIntervalSince1970: 1_646_179_725)) == expected)
        #expect(head(renderer.renderedBytes(post()))[2] == "date: \(expected)")
        // The file name keeps its day.
        #expect(renderer.relativePath(for: post()).hasPrefix("_posts/" + expected.prefix(10)))
    }
}
