@testable import FinewsStore
import FinewsNormalize
import Foundation
import Testing
import Yams

/// Hostile strings for titles, tags and categories: each must come back from a
/// real YAML parser exactly as it went in.
let hostileStrings: [String] = [
    #"He said "hello""#,
    #"back\slash and \n not a newline"#,
    "key: value",
    "trailing colon:",
    "# not a comment",
    "a # b",
    "---",
    "...",
    "*alias", "&anchor", "!tag", "%directive", "@at", "|literal", ">folded", "'single", "\"double",
    "`backtick", "[flow, seq]", "{flow: map}", "- dash", "? question", ",comma",
    "tab\tinside", "\tleading tab",
    "line\nbreak", "carriage\rreturn", "crlf\r\nend",
    "nul\u{0}byte", "bell\u{07}and escape\u{1B}", "del\u{7F}", "c1\u{85}next line", "\u{2028}line separator",
    "emoji 🎉👩‍👩‍👧", "right-to-left עברית العربية", "mixed 中文 and English",
    "yes", "no", "true", "null", "~", "0x1F", "1e5", "3.14", "2022-03-02", "12:30",
    "  leading and trailing spaces  ",
    "",
    "\u{FEFF}byte order mark",
    String(repeating: "长", count: 10_000),
]

/// What a string should read back as: everything but a byte-order mark, which
/// libyaml (and so Jekyll) cannot keep.
private func intended(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{FEFF}", with: "")
}

@Suite("Front matter is valid YAML that reads back as written")
struct FrontMatterYAMLTests {
    let renderer = PostRenderer(baseURL: "//x", timeZone: TimeZone(identifier: "UTC")!)

    private func frontMatter(_ text: String) throws -> [String: Any] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "---")
        let end = try #require(lines.dropFirst().firstIndex(of: "---"))
        let yaml = lines[1..<end].joined(separator: "\n")
        return try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    @Test("Hostile titles and tags", arguments: hostileStrings)
    func titlesAndTags(text: String) throws {
        let post = Post(
            infoCode: InfoCode("Y1")!, title: text, date: Date(timeIntervalSince1970: 0), category: "c", tag: text,
            body: "<p>b</p>", link: nil)
        let values = try frontMatter(renderer.render(post))
        #expect(values["title"] as? String == intended(text))
        #expect(values["tags"] as? String == intended(text))
    }

    @Test("Hostile category page titles", arguments: hostileStrings)
    func categoryPages(text: String) throws {
        let values = try frontMatter(renderer.renderCategoryPage(category: "c", tag: text))
        #expect(values["title"] as? String == intended(text))
    }

    @Test("Plain scalars, where used, read back too", arguments: hostileStrings)
    func scalars(text: String) throws {
        let loaded = try Yams.load(yaml: "value: " + YAML.scalar(text)) as? [String: Any]
        #expect(loaded?["value"] as? String == intended(text))
    }
}
