import FinewsNormalize
import FinewsParse
import Testing

@Suite("Block and keep rules")
struct StoryFilterTests {
    private func rules(_ texts: [String]) throws -> [StoryRule] {
        try texts.map { text throws(StoryRule.ParseError) in try StoryRule(parsing: text) }
    }

    private let ad = FeedEntry(title: "推广：新品上市", link: "https://a.example/sponsored/1", author: "Press Release",
                               categories: ["商业"], source: "某公司")
    private let stocks = FeedEntry(title: "A股 收盘", link: "https://a.example/news/2", author: "记者",
                                   content: FeedText("<p>沪指涨</p>", kind: .html), categories: ["股市"], source: "证券时报")
    private let weather = FeedEntry(title: "明天有雨", link: "https://a.example/news/3")

    @Test("Each field is matched by its pattern, anywhere in the text", arguments: [
        ("title=(?i)广告|推广", [true, false, false]),
        ("link=/sponsored/", [true, false, false]),
        ("author=^Press Release$", [true, false, false]),
        ("content=沪指", [false, true, false]),
        ("source=证券", [false, true, false]),
        ("category=^股市$", [false, true, false]),
        ("title=(?i)a股", [false, true, false]),
    ])
    func fields(rule: String, expected: [Bool]) throws {
        let parsed = try StoryRule(parsing: rule)
        #expect([ad, stocks, weather].map(parsed.matches) == expected)
    }

    @Test("Block rules drop; with keep rules a story must match one; global rules come first")
    func order() throws {
        let global = StoryFilter(block: try rules(["title=推广"]), keep: try rules(["title=(?i)(A股|港股)"]))
        let feed = StoryFilter(block: try rules(["title=收盘"]), keep: try rules(["title=雨"]))
        let filter = StoryFilter(global: global, feed: feed)
        #expect(filter.rejection(of: ad) == "block title=推广")
        #expect(filter.rejection(of: stocks) == "block title=收盘", "a block rule wins over a matching keep rule")
        #expect(filter.rejection(of: weather) == nil, "kept by the feed's keep rule")
        let keepOnly = StoryFilter(block: [], keep: try rules(["title=(?i)(A股|港股)"]))
        #expect(keepOnly.rejection(of: weather) == "no keep rule matched")
        #expect(keepOnly.rejection(of: stocks) == nil)
        #expect(StoryFilter.none.rejection(of: ad) == nil)
    }

    @Test("A bad rule says what is wrong", arguments: [
        ("title", "not a rule"),
        ("titel=x", "did you mean 'title'"),
        ("title=(unclosed", "not a valid regular expression"),
        ("link=", "empty pattern"),
    ])
    func badRules(text: String, message: String) {
        #expect {
            _ = try StoryRule(parsing: text)
        } throws: { error in
            (error as? StoryRule.ParseError)?.message.contains(message) == true
        }
    }
}
