@testable import FinewsExtract
import FinewsParse
import Foundation
import Testing

@Suite("JSON API and HTML list sources")
struct StoryListReaderTests {
    private let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .current

    /// An answer shaped like the origin site's GetNewsList.
    private let newsList = """
        {"rc":1,"data":{"total":3,"list":[
          {"infoCode":"NW202403020001","title":"A股 三大指数 收涨","mediaName":"证券时报","showTime":"2024-03-02 10:15:00","digest":"沪指涨0.5%。"},
          {"infoCode":"NW202403020002","title":"港股 午评","showTime":1709345700000,"digest":"<p>恒指<b>涨</b>1%。</p>"},
          {"title":"没有代码的消息","showTime":1709345700,"mediaName":null}
        ]}}
        """

    private func read(_ json: String, _ fields: [StoryListMapping.Field: String], items: String = "data.list") throws -> Feed {
        try StoryListReader(mapping: .init(format: .json, items: items, fields: fields), defaultTimeZone: shanghai)
            .read(Array(json.utf8), charset: nil, pageURL: "https://api.example.cn/NewsList?page=1")
    }

    @Test("Each object of the array is a story; a missing key empties that field only")
    func jsonStories() throws {
        let feed = try read(newsList, [
            .id: "infoCode", .title: "title", .link: "https://news.example/{infoCode}.html", .date: "showTime",
            .content: "digest", .source: "mediaName",
        ])
        #expect(feed.format == .jsonAPI)
        #expect(feed.entries.count == 3)
        let first = try #require(feed.entries.first)
        #expect(first.id == "NW202403020001")
        #expect(first.title == "A股 三大指数 收涨")
        #expect(first.link == "https://news.example/NW202403020001.html")
        #expect(first.source == "证券时报")
        #expect(first.content == FeedText("沪指涨0.5%。", kind: .text))
        // 10:15 in Shanghai is 02:15 UTC.
        #expect(first.published == Date(timeIntervalSince1970: 1_709_345_700))
        let second = feed.entries[1]
        #expect(second.published == Date(timeIntervalSince1970: 1_709_345_700), "epoch milliseconds")
        #expect(second.content?.kind == .html)
        #expect(second.source == nil)
        let third = feed.entries[2]
        #expect(third.id == nil && third.link == nil, "no infoCode: no id and no templated link")
        #expect(third.title == "没有代码的消息")
        #expect(third.published == Date(timeIntervalSince1970: 1_709_345_700), "epoch seconds")
    }

    @Test("Values that hold no story are skipped; markup in a JSON title is removed, text from a page kept as it is")
    func emptyItems() throws {
        let feed = try read("""
            {"data":{"list":[7, null, {"other":1}, {"title":"<em>涨</em> &amp; 跌"}, "text"]}}
            """, [.title: "title", .link: "url"])
        #expect(feed.entries.map(\.title) == ["涨 & 跌"])
        let page = "<html><body><ul><li><a href='/1'>a &lt; b</a></li><li><span>no link</span></li></ul></body></html>"
        let list = try StoryListReader(
            mapping: .init(format: .html, items: "//li", fields: [.title: ".//a", .link: ".//a/@href"]),
            defaultTimeZone: shanghai).read(Array(page.utf8), charset: "utf-8", pageURL: "http://a.example/x/")
        #expect(list.entries.map(\.title) == ["a < b"])
        #expect(list.entries.map(\.link) == ["http://a.example/1"])
    }

    @Test("A wrong items path fails with the path and the keys that are there")
    func wrongItems() {
        #expect {
            _ = try read(newsList, [.title: "title"], items: "data.lst")
        } throws: { error in
            guard let error = error as? ExtractionError else { return false }
            return error.code == .missingKey && error.message.contains("items = \"data.lst\"")
                && error.message.contains("keys: list, total")
        }
        #expect {
            _ = try read(newsList, [.title: "title"], items: "data.total")
        } throws: { error in
            (error as? ExtractionError)?.code == .wrongType
        }
        #expect {
            _ = try read("<html>not json</html>", [.title: "title"])
        } throws: { error in
            (error as? ExtractionError)?.code == .notJSON
        }
    }

    @Test("A GBK list page: each match of items is a story, links resolved against the page")
    func gbkListPage() throws {
        let mapping = StoryListMapping(format: .html, items: "//ul[@class='list']/li", fields: [
            .title: ".//a", .link: ".//a/@href", .date: ".//span[@class='time']",
        ])
        let page = try fixture("list-gbk.html")
        let feed = try StoryListReader(mapping: mapping, defaultTimeZone: shanghai)
            .read(page, charset: nil, pageURL: "http://news.example.cn/local/index.html")
        #expect(feed.format == .html)
        #expect(feed.title == "漯河新闻网 - 本地新闻")
        #expect(feed.entries.map(\.title) == ["市区新建三座公园 今日开放", "漯河 推广 活动周启动", "春季招聘会吸引三千人"])
        #expect(feed.entries.map(\.link) == [
            "http://news.example.cn/news/2024/0302/1001.html", "http://news.example.cn/local/news/1002.html",
            "https://other.example/1003.html",
        ])
        #expect(feed.entries.first?.published == Date(timeIntervalSince1970: 1_709_345_700))
    }

    @Test("An items XPath that matches nothing fails the page")
    func noItems() {
        let mapping = StoryListMapping(format: .html, items: "//ol/li", fields: [.title: ".//a"])
        #expect {
            _ = try StoryListReader(mapping: mapping, defaultTimeZone: shanghai)
                .read(Array("<html><body><ul><li>x</li></ul></body></html>".utf8), charset: nil, pageURL: "http://a.example/")
        } throws: { error in
            (error as? ExtractionError)?.code == .noMatch
        }
    }

    @Test("Dates as APIs write them", arguments: [
        ("1709345700", 1_709_345_700.0),
        ("1709345700000", 1_709_345_700.0),
        ("1709345700.5", 1_709_345_700.5),
        ("2024-03-02 10:15:00", 1_709_345_700.0),
        ("2024-03-02T02:15:00Z", 1_709_345_700.0),
        ("Sat, 02 Mar 2024 02:15:00 GMT", 1_709_345_700.0),
    ])
    func dates(text: String, seconds: Double) {
        let reader = StoryListReader(mapping: .init(format: .json, items: ".", fields: [:]), defaultTimeZone: shanghai)
        #expect(reader.parseDate(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test("Expressions are checked without a document", arguments: [
        (StoryListMapping.Format.html, "//ul[@class='list'", StoryListMapping.Field?.none, true),
        (.html, ".//a/@href", .link, false),
        (.json, "data..list", nil, true),
        (.json, ".", nil, false),
        (.json, "https://x.example/{infoCode}.html", .link, false),
        (.json, "https://x.example/{infoCode.html", .link, true),
        (.html, "https://x.example/{.//a/@data-id}.html", .link, false),
    ])
    func problems(format: StoryListMapping.Format, expression: String, field: StoryListMapping.Field?, bad: Bool) {
        #expect((StoryListMapping.problem(format: format, expression: expression, field: field) != nil) == bad)
    }

    @Test("Hostile answers: deep nesting is refused, a huge list is cut at the item limit, nesting in an item is skipped")
    func hostile() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect {
            _ = try read(deep, [.title: "title"], items: ".")
        } throws: { error in
            (error as? ExtractionError)?.code == .notJSON
        }
        let many = "[" + Array(repeating: "{\"title\":\"x\",\"tags\":[[[\"deep\"]],\"flat\"]}", count: 5000)
            .joined(separator: ",") + "]"
        let feed = try read(many, [.title: "title", .category: "tags"], items: ".")
        #expect(feed.entries.count == StoryListReader.maximumItems)
        #expect(feed.entries.first?.categories == ["flat"])
        let page = "<ul>" + String(repeating: "<li><a href='/a'>" + String(repeating: "<b>", count: 300) + "x</a></li>", count: 3000)
        let list = try StoryListReader(mapping: .init(format: .html, items: "//li", fields: [.title: ".//a"]),
                                       defaultTimeZone: shanghai)
            .read(Array(page.utf8), charset: "utf-8", pageURL: "http://a.example/")
        #expect(list.entries.count <= StoryListReader.maximumItems)
    }
}
