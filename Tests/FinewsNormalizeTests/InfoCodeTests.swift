import FinewsNormalize
import FinewsParse
import Testing

@Suite("infoCode rules")
struct InfoCodeTests {
    @Test("Rule 1: the infoCode query parameter, any case, validated", arguments: [
        ("http://x/a.html?infoCode=NW202203022293518924", "NW202203022293518924"),
        ("http://x/a.html?a=1&INFOCODE=abc_DEF-1#frag", "abc_DEF-1"),
        ("http://x/a.html?infocode=", nil),
        ("http://x/a.html?infocode=has%20space", nil),
        ("http://x/a.html?info=NW1", nil),
        ("http://x/a.html?&&InFoCoDe=X1&infocode=X2", "X1"),
        ("http://x/a.html?infocode=bad!&infoCode=X3", "X3"),
        ("http://x/a.html?infoCodes=X4", nil),
        ("http://x/a.html#?infoCode=X5", "X5"),
        ("http://x/a.html?q#infoCode=X6", nil),
        ("http://新闻.example/a.html?标题=新&infoCode=X7", "X7"),
        ("http://x/a.html?infoCode=X8\u{301}", nil),
    ] as [(String, String?)])
    func queryParameter(url: String, expected: String?) {
        #expect(InfoCode.fromQueryParameter(in: url)?.value == expected)
    }

    @Test("Rule 1 applies to the guid too, and wins over everything else")
    func guidParameter() {
        let entry = FeedEntry(id: "http://x/?infoCode=G1", link: "http://x/story")
        #expect(InfoCodeAssigner(feedName: "f").assign([entry]) == [InfoCode("G1")])
    }

    @Test("Rule 2: a per-feed pattern's capture group")
    func pattern() {
        let entry = FeedEntry(link: "http://news.example/article/20220302/12345.html")
        let codes = InfoCodeAssigner(feedName: "f", pattern: #"article/\d+/(\d+)\.html"#).assign([entry])
        #expect(codes == [InfoCode("12345")])
    }

    @Test("Rule 3: ids are scoped by feed unless they are URLs or URNs")
    func scopedIds() {
        let local = FeedEntry(id: "42")
        let global = FeedEntry(id: "urn:uuid:1234")
        #expect(InfoCodeAssigner(feedName: "a").assign([local]) != InfoCodeAssigner(feedName: "b").assign([local]))
        #expect(InfoCodeAssigner(feedName: "a").assign([global]) == InfoCodeAssigner(feedName: "b").assign([global]))
        let code = InfoCodeAssigner(feedName: "a").assign([local])[0].value
        #expect(code.count == 16)
        #expect(code.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test("Rule 3: links are normalized before hashing")
    func normalizedLinks() {
        #expect(InfoCodeAssigner.normalizedLink("HTTP://Example.COM/Path?a=1&utm_source=x#top") == "http://example.com/Path?a=1")
        let a = FeedEntry(link: "http://example.com/p?utm_medium=rss")
        let b = FeedEntry(link: "http://EXAMPLE.com/p#comments")
        #expect(InfoCodeAssigner(feedName: "x").assign([a]) == InfoCodeAssigner(feedName: "y").assign([b]))
    }

    @Test("A repeated id in one document is disambiguated by link; a true repeat collapses")
    func repeatedIds() {
        let entries = [
            FeedEntry(id: "same", link: "http://x/1"),
            FeedEntry(id: "same", link: "http://x/2"),
            FeedEntry(id: "same", link: "http://x/1"),
        ]
        let codes = InfoCodeAssigner(feedName: "f").assign(entries)
        #expect(codes[0] != codes[1])
        #expect(codes[2] == codes[0])
    }

    @Test("Entries with neither id nor link hash feed, title and date")
    func fallback() {
        let a = FeedEntry(title: "T")
        let b = FeedEntry(title: "U")
        #expect(InfoCodeAssigner(feedName: "f").assign([a]) != InfoCodeAssigner(feedName: "f").assign([b]))
    }
}
