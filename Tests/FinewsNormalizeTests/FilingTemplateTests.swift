import FinewsNormalize
import FinewsParse
import Foundation
import Testing

@Suite("Category and tag templates")
struct FilingTemplateTests {
    @Test("Placeholders, filters, literal text and doubled braces")
    func parsing() throws {
        #expect(try FilingTemplate(parsing: "{source|slug}").parts == [.value(.source, filter: .slug)])
        #expect(try FilingTemplate(parsing: "{source}新闻").parts == [.value(.source, filter: nil), .text("新闻")])
        #expect(try FilingTemplate(parsing: "news-{ feed | slug }-{author}").parts == [
            .text("news-"), .value(.feed, filter: .slug), .text("-"), .value(.author, filter: nil),
        ])
        #expect(try FilingTemplate(parsing: "taheribao").plainText == "taheribao")
        // Without a brace a template is its text, whole: no walk by characters.
        #expect(try FilingTemplate(parsing: "新闻 Wind 资讯 e\u{301}") == FilingTemplate(plain: "新闻 Wind 资讯 e\u{301}"))
        #expect(try FilingTemplate(parsing: "a {{b}} c").plainText == "a {b} c")
        #expect(try FilingTemplate(parsing: "").parts.isEmpty)
        #expect(try FilingTemplate(parsing: "{source}").plainText == nil)
    }

    @Test("Mistakes name what was written", arguments: [
        ("{sorce}", FilingTemplate.ParseError(code: .unknownPlaceholder, written: "{sorce}", name: "sorce")),
        ("x{Source|slug}", FilingTemplate.ParseError(code: .unknownPlaceholder, written: "{Source|slug}", name: "Source")),
        ("{}", FilingTemplate.ParseError(code: .unknownPlaceholder, written: "{}", name: "")),
        ("{source|slgu}", FilingTemplate.ParseError(code: .unknownFilter, written: "{source|slgu}", name: "slgu")),
        ("{source|}", FilingTemplate.ParseError(code: .unknownFilter, written: "{source|}", name: "")),
        ("{source|slug|slug}", FilingTemplate.ParseError(code: .tooManyFilters, written: "{source|slug|slug}", name: "slug")),
        ("news {source", FilingTemplate.ParseError(code: .unclosedBrace, written: "{source", name: "")),
        ("a } b", FilingTemplate.ParseError(code: .strayClosingBrace, written: "}", name: "")),
    ])
    func mistakes(text: String, expected: FilingTemplate.ParseError) {
        #expect(throws: expected) { try FilingTemplate(parsing: text) }
    }

    @Test("Rendering reports what went through |slug and whether a slug was empty")
    func rendering() throws {
        let template = try FilingTemplate(parsing: "{feed}-{source|slug}")
        let rendering = template.render({ $0 == .feed ? "agg" : "36氪" }, slug: { Slug.make(from: $0) })
        #expect(rendering == .init(text: "agg-36ke", slugged: ["36氪"], hasEmptySlug: false))
        let empty = template.render({ $0 == .feed ? "agg" : "——" }, slug: { Slug.make(from: $0) })
        #expect(empty.hasEmptySlug)
    }
}

@Suite("Filing entries under their outlet")
struct FeedFilingTests {
    /// The aggregated feed of the issue: `category = "{source|slug}"`, `tag = "{source}新闻"`.
    private func aggregated() throws -> FeedFiling {
        FeedFiling(feedName: "agg", category: try FilingTemplate(parsing: "{source|slug}"),
                   tag: try FilingTemplate(parsing: "{source}新闻"))
    }

    @Test("{source}: the source, else the author, else the feed's title, else the feed's name")
    func sourceChain() {
        #expect(FeedFiling.outlet(of: FeedEntry(author: "新华社", source: " 漯河日报 "), feedTitle: "T", feedName: "n") == "漯河日报")
        #expect(FeedFiling.outlet(of: FeedEntry(author: "新华社", source: "  "), feedTitle: "T", feedName: "n") == "新华社")
        #expect(FeedFiling.outlet(of: FeedEntry(), feedTitle: "财经聚合", feedName: "n") == "财经聚合")
        #expect(FeedFiling.outlet(of: FeedEntry(), feedTitle: nil, feedName: "n") == "n")
    }

    @Test("Each entry goes to its outlet's category, with the outlet's tag")
    func perEntry() throws {
        let filing = try aggregated()
        var slugs = SlugRegistry(stored: [:], overrides: ["漯河日报": "taheribao"])
        let cases: [(FeedEntry, String, String, String?)] = [
            (FeedEntry(source: "漯河日报"), "taheribao", "漯河日报新闻", "漯河日报"),
            (FeedEntry(source: "21世纪经济报道"), "21shijijingjibaodao", "21世纪经济报道新闻", "21世纪经济报道"),
            (FeedEntry(source: "36氪"), "36ke", "36氪新闻", "36氪"),
            (FeedEntry(source: "Wind资讯"), "Windzixun", "Wind资讯新闻", "Wind资讯"),
            (FeedEntry(author: "Reuters"), "Reuters", "Reuters新闻", "Reuters"),
            (FeedEntry(), "caijingjuhe", "财经聚合新闻", "财经聚合"),
            // Punctuation only: the feed's own category.
            (FeedEntry(source: "——"), "agg", "——新闻", nil),
        ]
        for (entry, category, tag, outlet) in cases {
            let filed = filing.filed(entry, feedTitle: "财经聚合", slugs: &slugs)
            #expect(filed.settings == .init(category: category, tag: tag))
            #expect(filed.outlet == outlet)
        }
    }

    @Test("Plain strings file every entry as before; an empty tag falls back to the name")
    func plainAndEmpty() throws {
        var slugs = SlugRegistry(stored: [:])
        let plain = FeedFiling(feedName: "taheribao", category: FilingTemplate(plain: "taheribao"),
                               tag: FilingTemplate(plain: "漯河日报新闻"))
        let filed = plain.filed(FeedEntry(source: "36氪"), feedTitle: "漯河日报", slugs: &slugs)
        #expect(filed == .init(settings: .init(category: "taheribao", tag: "漯河日报新闻"), outlet: nil))
        #expect(slugs.changes.isEmpty)
        let byAuthor = FeedFiling(feedName: "agg", category: try FilingTemplate(parsing: "{author|slug}"),
                                  tag: try FilingTemplate(parsing: "{author}"))
        #expect(byAuthor.filed(FeedEntry(), feedTitle: "T", slugs: &slugs).settings == .init(category: "agg", tag: "agg"))
    }
}
