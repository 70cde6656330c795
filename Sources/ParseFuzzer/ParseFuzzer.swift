// ParseFuzzer: the feed parser under libFuzzer, or a replay of saved inputs.
//
// Built with `-D FUZZING -sanitize=fuzzer` (scripts/fuzz-parser does this), the
// target is libFuzzer's: it feeds mutated documents to FeedParser, and to the HTML
// sanitizer with what the parser returns, and the same bytes, as an article page
// or a JSON answer, to the full-text extractor (readability, an XPath, a key
// path) and the sanitizer, and to the JSON API and HTML list readers. Built normally, it is a small program
// that parses each file named on the command line once, so that crash inputs
// found by fuzzing can be replayed (Tests/FinewsParseTests/Fixtures/fuzz runs them
// in the test suite too).

import FinewsNormalize
import FinewsExtract
import FinewsParse
import Foundation

/// The full-text rules tried on every input.
let extractionRules: [ExtractionRule] = [.readability, .xpath("//div[@id='ContentBody']"), .json("data.content")]

/// The list-source mappings tried on every input: a JSON API and an HTML list page.
let listMappings: [StoryListMapping] = [
    StoryListMapping(format: .json, items: "data.list", fields: [
        .id: "infoCode", .title: "title", .link: "https://news.example/{infoCode}.html", .date: "showTime",
        .content: "digest", .category: "tags",
    ]),
    StoryListMapping(format: .html, items: "//li", fields: [
        .title: ".//a", .link: ".//a/@href", .date: ".//span", .content: ".",
    ]),
]

/// One input through everything that reads untrusted feed bytes and article pages.
func exercise(_ bytes: [UInt8]) {
    let sanitizer = HTMLSanitizer()
    for rule in extractionRules {
        if let article = try? ArticleExtractor(rule: rule).extract(bytes, charset: nil) {
            _ = sanitizer.sanitize(article.html, baseURL: "https://example.com/a/b.html")
        }
    }
    for mapping in listMappings {
        let reader = StoryListReader(mapping: mapping, defaultTimeZone: TimeZone(identifier: "UTC") ?? .current)
        _ = try? reader.read(bytes, charset: nil, pageURL: "https://example.com/list/")
    }
    // With a document URL, as a refresh parses, so relative links and ids resolve.
    let parser = FeedParser(options: .init(documentURL: URL(string: "https://example.com/feeds/rss.xml")))
    guard let feed = try? parser.parse(bytes) else { return }
    let codes = InfoCodeAssigner(feedName: "fuzz").assign(feed.entries)
    for (entry, code) in zip(feed.entries, codes) {
        if let text = entry.content ?? entry.summary, text.kind == .html {
            _ = sanitizer.sanitize(text.value, baseURL: entry.baseURL ?? entry.link)
        }
        _ = Normalizer(settings: .init(category: "c", tag: "t"))
            .post(for: entry, infoCode: code, firstSeen: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: 0))
        _ = entry.title.map(HTMLText.plainText(fromHTML:))
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's driver (libclang_rt.fuzzer), started from our entry point because
/// SwiftPM names an executable's `main` after the target.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("ParseFuzzer_main")
public func parseFuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
#else
@main
struct ParseFuzzerReplay {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(2)
            }
            exercise(Array(data))
            count += 1
        }
        print("replayed \(count) inputs")
    }
}
#endif
