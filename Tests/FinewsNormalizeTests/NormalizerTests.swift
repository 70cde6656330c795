@testable import FinewsNormalize
import FinewsParse
import Foundation
import Testing

@Suite("Normalizer")
struct NormalizerTests {
    let normalizer = Normalizer(settings: .init(category: "c", tag: "t"))
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("Content wins over summary; plain text is escaped into paragraphs")
    func body() {
        let html = FeedEntry(summary: FeedText("short", kind: .html), content: FeedText("<p>long</p>", kind: .html))
        #expect(normalizer.body(for: html) == "<p>long</p>")
        let text = FeedEntry(summary: FeedText("a < b\n\nsecond", kind: .text))
        #expect(normalizer.body(for: text) == "<p>a &lt; b</p>\n<p>second</p>")
    }

    @Test("An empty title becomes the first words of the text")
    func emptyTitle() {
        let entry = FeedEntry(title: "  ", content: FeedText("<p>Hello world</p>", kind: .html))
        let post = normalizer.post(for: entry, infoCode: InfoCode("X")!, firstSeen: now, now: now)
        #expect(post.title == "Hello world")
    }

    @Test("Dates: published, else updated, else first seen; far-future dates are not trusted")
    func dates() {
        let code = InfoCode("X")!
        let published = Date(timeIntervalSince1970: 1_600_000_000)
        let updated = Date(timeIntervalSince1970: 1_650_000_000)
        #expect(normalizer.post(for: FeedEntry(published: published, updated: updated), infoCode: code, firstSeen: now, now: now).date == published)
        #expect(normalizer.post(for: FeedEntry(updated: updated), infoCode: code, firstSeen: now, now: now).date == updated)
        #expect(normalizer.post(for: FeedEntry(), infoCode: code, firstSeen: now, now: now).date == now)
        let future = now.addingTimeInterval(3 * 86_400)
        #expect(normalizer.post(for: FeedEntry(published: future), infoCode: code, firstSeen: now, now: now).date == now)
    }
}
