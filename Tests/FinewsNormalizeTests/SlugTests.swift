import FinewsNormalize
import Foundation
import Testing

@Suite("Slugs")
struct SlugTests {
    @Test("Han as toneless pinyin without separators; ASCII letters and digits kept with their case", arguments: [
        ("漯河日报", "luoheribao"),
        ("21世纪经济报道", "21shijijingjibaodao"),
        ("36氪", "36ke"),
        ("Wind资讯", "Windzixun"),
        ("21CN科技", "21CNkeji"),
        ("Datayes", "Datayes"),
        ("iPhone新闻", "iPhonexinwen"),
        ("Bloomberg Businessweek", "BloombergBusinessweek"),
        ("《新京报》", "xinjingbao"),
        ("绿色和平", "luseheping"),
        ("Café Müller", "CafeMuller"),
        ("Ｗｉｎｄ１２", "Wind12"),
        ("a-b_c.d", "abcd"),
        ("——", ""),
        ("【】！？…", ""),
        ("", ""),
    ])
    func slug(text: String, expected: String) {
        #expect(Slug.make(from: text) == expected)
    }

    @Test("Long names are cut to 64 characters")
    func longNames() {
        #expect(Slug.make(from: String(repeating: "漯河日报", count: 20)) == String(String(repeating: "luoheribao", count: 7).prefix(64)))
        #expect(Slug.make(from: String(repeating: "A", count: 100)) == String(repeating: "A", count: 64))
    }

    @Test("Overrides: 1 to 64 letters, digits, '_' and '-'", arguments: [
        ("taheribao", true), ("tahe_ri-bao2", true), ("", false), ("tahe ribao", false), ("漯河", false),
        ("../x", false), (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false),
    ])
    func overrides(text: String, valid: Bool) {
        #expect(Slug.isValidOverride(text) == valid)
    }
}
