import FinewsNormalize
import FinewsParse
import Testing

@Suite("Story keys: the links and ids that name one story")
struct StoryKeysTests {
    private func keys(_ entries: [FeedEntry], feedLink: String? = nil, feedURL: String? = nil) -> [[String]] {
        StoryKeys.aliases(for: entries, feedLink: feedLink, feedURL: feedURL)
    }

    @Test("A link and a global id are keys; http and https are one link")
    func plainKeys() {
        let found = keys([
            FeedEntry(id: "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", link: "https://news.example/2022/03/a.html"),
            FeedEntry(id: "42", link: "http://news.example/2022/03/b.html"),
        ])
        #expect(found == [
            ["link:news.example/2022/03/a.html", "id:urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"],
            ["link:news.example/2022/03/b.html"],
        ])
    }

    @Test("A story the document lists twice keeps its keys, so its copies elsewhere are found in any order")
    func repeatedStory() {
        let entry = FeedEntry(id: "urn:example:NW1000008", link: "https://news.example/2022/03/nw1000008.html")
        let linkOnly = FeedEntry(link: "https://news.example/2022/03/nw1000009.html")
        let found = keys([entry, linkOnly, entry, linkOnly])
        let both = ["link:news.example/2022/03/nw1000008.html", "id:urn:example:NW1000008"]
        #expect(found == [both, ["link:news.example/2022/03/nw1000009.html"], both,
                          ["link:news.example/2022/03/nw1000009.html"]])
    }

    @Test("A link that entries with different ids share names none of them; their global ids do")
    func sharedLink() {
        let found = keys([
            FeedEntry(id: "1", link: "https://news.example/live/"),
            FeedEntry(id: "2", link: "https://news.example/live/"),
            FeedEntry(id: "tag:news.example,2022:3", link: "https://news.example/live/"),
            FeedEntry(link: "https://news.example/live/"),
        ])
        #expect(found == [[], [], ["id:tag:news.example,2022:3"], []])
    }

    @Test("A global id that entries with different links share names none of them")
    func sharedID() {
        let found = keys([
            FeedEntry(id: "urn:example:same", link: "https://news.example/a.html"),
            FeedEntry(id: "urn:example:same", link: "https://news.example/b.html"),
        ])
        #expect(found == [["link:news.example/a.html"], ["link:news.example/b.html"]])
    }

    @Test("Home pages and the feed's own link or URL are not keys")
    func excludedLinks() {
        let found = keys([
            FeedEntry(link: "https://news.example/"),
            FeedEntry(link: "https://news.example/index.html"),
            FeedEntry(link: "https://news.example/news/"),
            FeedEntry(link: "https://news.example/rss.xml"),
            FeedEntry(link: "https://news.example/?p=12"),
        ], feedLink: "https://news.example/news/", feedURL: "https://news.example/rss.xml")
        #expect(found == [[], [], [], [], ["link:news.example/?p=12"]])
    }
}
