import Foundation
import Testing

/// One story, one post, across identifiers: a story is known by its infoCode and by
/// its link and global id, from whichever feed it first came.
@Suite("Story aliases: one post per story across feeds and identifiers, end to end")
struct StoryAliasTests {
    private static func rss1(_ items: [(link: String, title: String, text: String)]) -> String {
        let list = items.map { "<rdf:li rdf:resource=\"\($0.link)\"/>" }.joined()
        let body = items.map { item in
            """
            <item rdf:about="\(item.link)"><title>\(item.title)</title><link>\(item.link)</link>
            <dc:date>2022-03-02T08:08:45+08:00</dc:date><description>\(item.text)</description></item>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel rdf:about="https://wire.example/rss"><title>Wire</title><link>https://wire.example/</link>
            <description>d</description><items><rdf:Seq>\(list)</rdf:Seq></items></channel>
            \(body)
            </rdf:RDF>
            """
    }

    private static func rss2(
        title: String = "Daily", link: String = "https://daily.example/",
        _ items: [(guid: String?, link: String, title: String, text: String)]
    ) -> String {
        let body = items.map { item in
            let guid = item.guid.map { "<guid isPermaLink=\"false\">\($0)</guid>" } ?? ""
            return """
                <item><title>\(item.title)</title><link>\(item.link)</link>\(guid)
                <pubDate>Wed, 02 Mar 2022 08:08:45 +0800</pubDate><description>\(item.text)</description></item>
                """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>\(title)</title><link>\(link)</link>
            \(body)
            </channel></rss>
            """
    }

    private static func atom(_ entries: [(id: String, link: String, title: String, text: String)]) -> String {
        let body = entries.map { entry in
            """
            <entry><id>\(entry.id)</id><title>\(entry.title)</title><link href="\(entry.link)"/>
            <updated>2022-03-02T08:08:45+08:00</updated><summary>\(entry.text)</summary></entry>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title><id>urn:feed:atom</id>
            <updated>2022-03-02T08:08:45+08:00</updated>
            \(body)
            </feed>
            """
    }

    private func posts(_ site: SeedSite) -> [String] {
        site.publishedFiles().filter { $0.hasPrefix("_posts/") }
    }

    @Test("An RDF item named by its link and an RSS 2.0 item with a urn:uuid guid and the same link are one post")
    func rdfAndGuid() async throws {
        let site = try SeedSite()
        try site.write("wire.rdf", Self.rss1([
            ("https://news.example/2022/03/02/budget.html", "Budget approved", "The council approved the budget."),
            ("https://news.example/2022/03/02/parks.html", "More parks", "Residents asked for parks."),
        ]))
        try site.write("daily.xml", Self.rss2([
            ("urn:uuid:6f1c2a4e-0000-4000-8000-000000000001", "http://news.example/2022/03/02/budget.html?utm_source=rss",
             "Budget approved", "The council approved the budget."),
            ("urn:uuid:6f1c2a4e-0000-4000-8000-000000000002", "https://news.example/2022/03/02/schools.html",
             "New schools", "Two schools open."),
        ]))
        try site.writeConfig("a.conf", feeds: [("wire", "wire.rdf"), ("daily", "daily.xml")])
        let run = try await runFinews(["refresh", "--config", "a.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("3 new posts, 0 updated; 1 duplicate skipped"), "\(run.stdout)")
        #expect(posts(site).count == 3, "\(posts(site))")
        let again = try await runFinews(["refresh", "--config", "a.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated"), "\(again.stdout)")
        #expect(posts(site).count == 3)
    }

    @Test("A story first written from one feed is a duplicate in a later cycle from another feed under another id")
    func laterCycleOtherFeed() async throws {
        let site = try SeedSite()
        try site.write("daily.xml", Self.rss2([
            ("urn:uuid:aaaa-1", "https://news.example/story/1.html", "Story one", "Text one."),
        ]))
        try site.writeConfig("one.conf", feeds: [("daily", "daily.xml")])
        let first = try await runFinews(["refresh", "--config", "one.conf"], in: site.folder)
        #expect(first.stdout.contains("1 new post"), "\(first.stdout)")
        // An Atom feed whose entry has its own id but the same link.
        try site.write("atom.xml", Self.atom([
            ("tag:atom.example,2022:77", "https://news.example/story/1.html#comments", "Story one", "Text one."),
            ("tag:atom.example,2022:78", "https://news.example/story/2.html", "Story two", "Text two."),
        ]))
        try site.writeConfig("two.conf", feeds: [("daily", "daily.xml"), ("atom", "atom.xml")])
        let second = try await runFinews(["refresh", "--config", "two.conf"], in: site.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("1 new post, 0 updated"), "\(second.stdout)")
        #expect(posts(site).count == 2, "\(posts(site))")
        // The other feed's copy changes; the post stays the one its own feed wrote.
        let written = try site.read("out/\(posts(site)[0])")
        try site.write("atom.xml", Self.atom([
            ("tag:atom.example,2022:77", "https://news.example/story/1.html", "Story one", "Text one, edited."),
            ("tag:atom.example,2022:78", "https://news.example/story/2.html", "Story two", "Text two."),
        ]))
        let third = try await runFinews(["refresh", "--config", "two.conf"], in: site.folder)
        #expect(third.stdout.contains("0 new posts, 0 updated"), "\(third.stdout)")
        #expect(try site.read("out/\(posts(site)[0])") == written)
    }

    @Test("A feed that moves to other ids (RSS 1.0 to RSS 2.0 guids) updates its posts in place through their links")
    func updateThroughAlias() async throws {
        let site = try SeedSite()
        try site.write("wire.rdf", Self.rss1([
            ("https://news.example/2022/03/02/budget.html", "Budget approved", "First version."),
        ]))
        try site.writeConfig("wire.conf", feeds: [("wire", "wire.rdf")])
        _ = try await runFinews(["refresh", "--config", "wire.conf"], in: site.folder)
        let before = posts(site)
        #expect(before.count == 1)
        // The publisher moves to RSS 2.0 with urn:uuid guids; the story comes back corrected.
        try site.write("wire.xml", Self.rss2([
            ("urn:uuid:bbbb-1", "https://news.example/2022/03/02/budget.html", "Budget approved", "Corrected version."),
        ]))
        try site.writeConfig("moved.conf", feeds: [("wire", "wire.xml")])
        let run = try await runFinews(["refresh", "--config", "moved.conf"], in: site.folder)
        #expect(run.stdout.contains("0 new posts, 1 updated"), "\(run.stdout)")
        #expect(posts(site) == before)
        let text = String(decoding: try site.read("out/\(before[0])"), as: UTF8.self)
        #expect(text.contains("Corrected version."))
    }

    @Test("Items that all link to the feed's home page each get their own post")
    func homePageLinks() async throws {
        let site = try SeedSite()
        try site.write("home.xml", Self.rss2(title: "Bulletin", link: "https://bulletin.example/", [
            ("b-1", "https://bulletin.example/", "Notice one", "First notice."),
            ("b-2", "https://bulletin.example/", "Notice two", "Second notice."),
            ("b-3", "https://bulletin.example/", "Notice three", "Third notice."),
        ]))
        // Another feed whose item also links to that home page is not the same story.
        try site.write("other.xml", Self.rss2(title: "Other", link: "https://other.example/", [
            ("o-1", "https://bulletin.example/", "Other notice", "Unrelated."),
        ]))
        try site.writeConfig("home.conf", feeds: [("home", "home.xml"), ("other", "other.xml")])
        let run = try await runFinews(["refresh", "--config", "home.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("4 new posts"), "\(run.stdout)")
        #expect(posts(site).count == 4)
    }

    @Test("Relative links resolve against the URL the feed was fetched from")
    func relativeLinks() async throws {
        let site = try SeedSite()
        let server = FeedServer()
        server.set("/news/rss.xml") {
            $0.document = Self.rss2(link: "/", [
                ("urn:uuid:dddd-1", "../story/1.html", "Relative", "A story linked relatively."),
            ])
        }
        try await server.run { base in
            try site.writeConfig("r.conf", feeds: [("rel", "\(base)/news/rss.xml")])
            let run = try await runFinews(["refresh", "--config", "r.conf"], in: site.folder)
            #expect(run.stdout.contains("1 new post"), "\(run.stdout) \(run.stderr)")
            let post = try #require(posts(site).first)
            let text = String(decoding: try site.read("out/\(post)"), as: UTF8.self)
            #expect(text.contains("<\(base)/story/1.html>"), "\(text)")
        }
    }

    @Test("Entries of one document sharing a link are told apart by their guid")
    func sharedLinkInDocument() async throws {
        let site = try SeedSite()
        try site.write("shared.xml", Self.rss2([
            ("urn:uuid:cccc-1", "https://news.example/live.html", "Update 1", "One."),
            ("urn:uuid:cccc-2", "https://news.example/live.html", "Update 2", "Two."),
        ]))
        try site.write("single.xml", Self.rss2(title: "Single", link: "https://single.example/", [
            (nil, "https://news.example/live.html", "Live", "Live page."),
        ]))
        try site.writeConfig("s.conf", feeds: [("shared", "shared.xml"), ("single", "single.xml")])
        let run = try await runFinews(["refresh", "--config", "s.conf"], in: site.folder)
        #expect(run.stdout.contains("3 new posts"), "\(run.stdout)")
    }
}
