import FinewsNormalize
@testable import FinewsConfig
import FinewsExtract
import FinewsParse
import Foundation
import Testing

@Suite("feeds.conf: full text")
struct FullTextConfigTests {
    private func parse(_ feedLines: String) throws(ConfigError) -> Config {
        try Config.parse("""
            [site]
            output = "o"

            [[feed]]
            name = "lhrb"
            url = "https://example.com/rss.xml"
            \(feedLines)
            """, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
    }

    private func problems(_ feedLines: String) -> [String] {
        do {
            _ = try parse(feedLines)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("The three rules, and the entry's own link")
    func rules() throws {
        let xpath = try #require(try parse("fulltext_url = \"link\"\nfulltext_xpath = \"//div[@id='ContentBody']\"")
            .feeds.first?.fullText)
        #expect(xpath == FullTextSource(target: .link, rule: .xpath("//div[@id='ContentBody']")))
        let json = try #require(try parse("""
            fulltext_url = "https://example.com/NewsData/GetNewsText.do?id={infoCode}"
            fulltext_json = "data.content"
            """).feeds.first?.fullText)
        #expect(json.rule == .json("data.content"))
        let readability = try #require(try parse("fulltext_url = \"link\"").feeds.first?.fullText)
        #expect(readability.rule == .readability)
        #expect(try parse("").feeds.first?.fullText == nil)
    }

    @Test("Mistakes are reported with their line and fix")
    func mistakes() {
        #expect(problems("fulltext_xpath = \"//div\"") == [
            "feeds.conf:7: fulltext_xpath in [[feed]] 'lhrb' needs fulltext_url: \"link\" to fetch each entry's link, "
                + "or a URL such as \"https://host/article?id={infoCode}\"",
        ])
        #expect(problems("fulltext_url = \"https://h/a?id={infocode}\"") == [
            "feeds.conf:7: unknown placeholder '{infocode}' in fulltext_url of [[feed]] 'lhrb' — did you mean '{infoCode}'?",
        ])
        #expect(problems("fulltext_url = \"/article/{id}\"").first?.contains("does not start with http:// or https://") == true)
        #expect(problems("fulltext_url = \"link\"\nfulltext_json = \"a\"\nfulltext_xpath = \"//p\"").first?
            .contains("sets both fulltext_json and fulltext_xpath") == true)
        let badXPath = problems("fulltext_url = \"link\"\nfulltext_xpath = \"//div[@\"")
        #expect(badXPath.count == 1)
        #expect(badXPath.first?.hasPrefix("feeds.conf:8: ") == true)
        #expect(problems("fulltext_urll = \"link\"") == [
            "feeds.conf:7: unknown key 'fulltext_urll' in [[feed]] 'lhrb' — did you mean 'fulltext_url'?",
        ])
    }

    @Test("A template fills each placeholder, percent-encoded; a missing value gives no URL")
    func template() throws {
        let template = try FullTextURLTemplate(parsing: "https://h/t?code={infoCode}&u={link}&id={id}&x={{1}}")
        #expect(template.url(infoCode: "NW1", link: "https://a.b/c?d=1&e=新", id: "tag:a,2024:7")
            == "https://h/t?code=NW1&u=https%3A%2F%2Fa.b%2Fc%3Fd%3D1%26e%3D%E6%96%B0&id=tag%3Aa%2C2024%3A7&x={1}")
        #expect(template.url(infoCode: "NW1", link: nil, id: "7") == nil)
        let source = FullTextSource(target: .link, rule: .readability)
        var entry = FeedEntry()
        entry.link = " https://example.com/a.html "
        let code = try #require(InfoCode("abc"))
        #expect(source.url(for: entry, infoCode: code) == "https://example.com/a.html")
        entry.link = "javascript:alert(1)"
        #expect(source.url(for: entry, infoCode: code) == nil)
    }
}
