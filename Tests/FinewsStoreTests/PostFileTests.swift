@testable import FinewsStore
import FinewsNormalize
import Foundation
import Testing

/// Reading a post file back (`finews repair`): what ``PostRenderer`` wrote comes
/// back as it was; files that are not posts are refused with a message naming them.
@Suite("Post files read back")
struct PostFileTests {
    private let renderer = PostRenderer(
        baseURL: "//finews.withounder.com", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
    private let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    private func post(
        title: String, category: String = "taheribao", tag: String = "漯河日报新闻", body: String = "<p>Text.</p>",
        link: String? = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924",
        date: Date = Date(timeIntervalSince1970: 1_646_179_725.75)
    ) throws -> Post {
        Post(infoCode: try #require(InfoCode("NW202203022293518924")), title: title, date: date, category: category,
             tag: tag, body: body, link: link)
    }

    private func readBack(_ post: Post, folder: String = "_posts") throws -> PostFile {
        let bytes = renderer.renderedBytes(post)
        let path = folder + "/" + (renderer.relativePath(for: post) as NSString).lastPathComponent
        return try PostFile.read(bytes, path: path, timeZone: zone)
    }

    @Test("Titles and tags with quotes, escapes and controls read back as written", arguments: [
        ("经济技术开发区深化体制机制改革促发展", "漯河日报新闻"),
        (#"He said "no" \ then left"#, #"tag "with" quotes"#),
        ("line\nbreak\ttab\r\u{0}nul\u{7F}del\u{85}nel\u{A0}nbsp\u{2028}ls\u{2029}ps", "21世纪经济报道新闻"),
        ("'single' quotes: and # hash", "yes"),
        ("emoji 🎉 and right-to-left עברית", "---"),
        ("{{ liquid }} {% tag %}", "Wind 资讯新闻"),
    ])
    func titles(title: String, tag: String) throws {
        let written = try post(title: title, tag: tag)
        let file = try readBack(written)
        #expect(file.title == title)
        #expect(file.tag == tag)
        #expect(file.category == "taheribao")
        #expect(file.infoCode.value == "NW202203022293518924")
        #expect(file.link == written.link)
        // The date to the second, as the file shows it: rendering it again gives the same bytes.
        #expect(file.date == Date(timeIntervalSince1970: 1_646_179_725))
        #expect(renderer.dateString(file.date) == "2022-03-02 08:08:45 +0800")
        #expect(file.contentHash == ContentHash.of(renderer.renderedBytes(written)))
    }

    @Test("Categories that need quotes, such as one that starts with a digit, read back")
    func quotedCategory() throws {
        let file = try readBack(try post(title: "t", category: "21shijijingjibaodao", tag: "21世纪经济报道新闻"))
        #expect(file.category == "21shijijingjibaodao")
        let page = renderer.renderCategoryPage(category: "36ke", tag: "36氪新闻")
        let fields = try #require(FrontMatter.split(page)?.0)
        #expect(fields["category"].flatMap(FrontMatter.scalar) == "36ke")
        #expect(fields["title"].flatMap(FrontMatter.scalar) == "36氪新闻")
    }

    @Test("An archived post keeps its folder; a post without a link, or whose body ends in a tag, has none")
    func archivedAndLinkless() throws {
        let archived = try readBack(try post(title: "old"), folder: "old_post")
        #expect(archived.path == "old_post/2022-03-02-NW202203022293518924.md")
        #expect(try readBack(try post(title: "no link", link: nil)).link == nil)
        #expect(try readBack(try post(title: "tag", body: "<p>a</p>\n\n<br>", link: nil)).link == nil)
        // Liquid's braces in a link are neutralized in the file and put back when read.
        let braces = "https://example.com/a/{{b}}"
        #expect(try readBack(try post(title: "braces", link: braces)).link == braces)
    }

    @Test("The old system's post (the reference layout) reads back")
    func referencePost() throws {
        let text = """
            ---
            layout: post
            title: "经济技术开发区深化体制机制改革促发展"
            date: 2022-03-02 08:08:45 +0800
            categories: taheribao
            tags: 漯河日报新闻
            ---
            <p>正文</p>

            <http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924>

            [返回漯河日报新闻](//finews.withounder.com/category/taheribao.html)｜[返回首页](//finews.withounder.com/)
            """
        let file = try PostFile.read(Array(text.utf8), path: "_posts/2022-03-02-NW202203022293518924.md", timeZone: zone)
        #expect(file.title == "经济技术开发区深化体制机制改革促发展")
        #expect(file.link == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924")
        #expect(StoryKeys.linkKey(try #require(file.link))
            == "link:finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924")
    }

    @Test("Hand-written front matter: single quotes, comments, a date without an offset (the site's zone)")
    func handWritten() throws {
        let text = "---\ntitle: 'it''s mine' # a comment\ndate: 2022-03-02 08:08:45\ncategories: mine # c\n---\nbody"
        let file = try PostFile.read(Array(text.utf8), path: "_posts/2022-03-02-mine.md", timeZone: zone)
        #expect(file.title == "it's mine")
        #expect(file.category == "mine")
        #expect(file.tag == nil)
        #expect(file.link == nil)
        #expect(file.date == Date(timeIntervalSince1970: 1_646_179_725))
    }

    @Test("Files that are not posts are refused, naming the file and the problem", arguments: [
        ("_posts/README.md", "# notes", "its name is not YYYY-MM-DD-<infoCode>.md"),
        ("_posts/2022-03-02-has space.md", "---\n---\n", "its name is not"),
        ("_posts/2022-3-2-short.md", "---\n---\n", "its name is not"),
        ("_posts/2022-03-02-nofront.md", "just text", "no front matter"),
        ("_posts/2022-03-02-unclosed.md", "---\ntitle: x\ndate: 2022-03-02 08:08:45 +0800\n", "no front matter"),
        ("_posts/2022-03-02-nodate.md", "---\ntitle: x\ncategories: a\n---\n", "has no date"),
        ("_posts/2022-03-02-baddate.md", "---\ndate: yesterday\ncategories: a\n---\n", "is not YYYY-MM-DD"),
        ("_posts/2022-03-02-list.md", "---\ndate: 2022-03-02 08:08:45 +0800\ncategories: [a, b]\n---\n",
         "is not one category"),
        ("_posts/2022-03-02-twowords.md", "---\ndate: 2022-03-02 08:08:45 +0800\ncategories: a b\n---\n",
         "is not one category"),
        ("_posts/2022-03-02-nocategory.md", "---\ndate: 2022-03-02 08:08:45 +0800\n---\n", "has no categories"),
    ])
    func notPosts(path: String, text: String, problem: String) {
        #expect {
            try PostFile.read(Array(text.utf8), path: path, timeZone: zone)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .notAPost && error.message.hasPrefix(path + ": ") && error.message.contains(problem)
        }
    }

    @Test("Bytes that are not UTF-8 are refused")
    func notUTF8() {
        #expect {
            try PostFile.read([0x2D, 0x2D, 0x2D, 0x0A, 0xFF, 0xFE], path: "_posts/2022-03-02-bin.md", timeZone: zone)
        } throws: { error in
            (error as? StoreError)?.code == .notAPost
        }
    }
}
