import Foundation
import FinewsNormalize
import FinewsStore
import Logging
import PostgresNIO
import Testing
@testable import FinewsCluster

/// Near-duplicates across outlets (`[dedupe] similar`) on the shared state, against
/// a real PostgreSQL server (scripts/with-postgres).
@Suite("Near-duplicates across nodes on PostgreSQL", .enabled(if: TestDatabase.isAvailable, "needs FINEWS_TEST_DATABASE_URL"),
       .serialized)
struct NearDuplicateClusterTests {
    static let feeds: Set = ["feed0", "feed1", "feed2"]
    static let skip = NearDuplicatePolicy(mode: .skip, window: 3 * 86_400, threshold: 0.85)
    static let mark = NearDuplicatePolicy(mode: .mark, window: 3 * 86_400, threshold: 0.85)

    /// A wire story of about 300 CJK characters in paragraphs, the same for the same `seed`.
    static func wireText(_ seed: String) -> String {
        var state = UInt64(truncatingIfNeeded: seed.unicodeScalars.reduce(UInt64(1469598103934665603)) {
            ($0 ^ UInt64($1.value)) &* 1099511628211
        })
        var paragraphs: [String] = []
        for _ in 0..<4 {
            var paragraph = ""
            for _ in 0..<75 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let scalar = Unicode.Scalar(UInt32(0x4E00 + Int((state >> 33) % 20_000))) ?? "字"
                paragraph.unicodeScalars.append(scalar)
            }
            paragraphs.append("<p>\(paragraph)。</p>")
        }
        return paragraphs.joined()
    }

    /// Another outlet's copy: a byline and a source line added, and a few characters edited.
    static func copyText(_ seed: String) -> String {
        var scalars = Array(wireText(seed).unicodeScalars)
        for offset in [40, 130, 200] { scalars[offset] = "改" }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return "<p>本报讯（记者 李明）</p>" + text + "<p>（文章来源：漯河日报）</p>"
    }

    static func signature(title: String, body: String) -> MinHashSignature {
        MinHashSignature(text: SimilarityText.of(title: title, bodyHTML: body))
    }

    /// A story new to the state, rendered and signed as a node does (``ClusterStateTests/story(_:keys:feed:body:)``
    /// for the post); in `mark` mode it can render itself marked.
    static func story(
        _ code: String, feed: String, title: String = "福厦高铁全线贯通", body: String, firstSeen: Date = Date(),
        link: String? = nil
    ) -> StoryClaim {
        var claim = ClusterStateTests.story(code, keys: link.map { ["link:" + $0] } ?? [], feed: feed, body: body)
        claim.rendered?.firstSeen = firstSeen
        claim.signature = signature(title: title, body: body)
        if let rendered = claim.rendered {
            claim.markedCopy = { original in
                var marked = rendered
                marked.bytes = Array("---\ntitle: \(code)\nduplicate_of: \(original.value)\n---\n\(body) from \(feed)\n".utf8)
                marked.contentHash = ContentHash.of(marked.bytes)
                return marked
            }
        }
        return claim
    }

    static func check(_ feed: String) -> FeedCheck { ClusterStateTests.check(feed) }

    static func count(_ database: ClusterDatabase, _ sql: String) async throws -> Int {
        try await ClusterStateTests.count(database, sql)
    }

    static func text(_ database: ClusterDatabase, _ sql: String) async throws -> String? {
        try await database.run("reading") { connection in
            var value: String?
            for try await text in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: database.logger)
                .decode(String?.self) { value = text }
            return value
        }
    }

    /// Two nodes on a fresh database with feed0…feed2 recorded.
    static func withNodes(_ body: (ClusterDatabase, ClusterDatabase) async throws -> Void) async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            do {
                try await a.syncFeeds(ClusterStateTests.feeds(3))
                try await body(a, b)
            } catch {
                await a.close()
                await b.close()
                throw error
            }
            await a.close()
            await b.close()
        }
    }

    @Test("the test's copies are near-copies and its other stories are not")
    func fixtures() {
        let original = Self.signature(title: "福厦高铁全线贯通", body: Self.wireText("one"))
        #expect(original.similarity(to: Self.signature(title: "福厦高铁全线贯通（图）", body: Self.copyText("one"))) >= 0.85)
        #expect(original.similarity(to: Self.signature(title: "福厦高铁全线贯通", body: Self.wireText("two"))) < 0.3)
    }

    @Test("skip: a copy met by another node gets no post, its keys name the original, and it never comes back")
    func skipAcrossNodes() async throws {
        try await Self.withNodes { a, b in
            let first = try await a.claim([Self.story("W1", feed: "feed0", body: Self.wireText("one"))],
                                          check: Self.check("feed0"), configuredFeeds: Self.feeds, nearDuplicates: Self.skip)
            #expect(first.new == 1 && first.similar == 0)
            let copy = Self.story("D1", feed: "feed1", title: "福厦高铁全线贯通（图）", body: Self.copyText("one"),
                                  link: "daily.example/1")
            let other = Self.story("D2", feed: "feed1", title: "夏粮再创新高", body: Self.wireText("two"))
            let second = try await b.claim([copy, other], check: Self.check("feed1"), configuredFeeds: Self.feeds,
                                           nearDuplicates: Self.skip)
            #expect(second.similar == 1)
            #expect(second.new == 1)   // the other story, with different text, is written
            #expect(try await Self.count(a, "SELECT count(*) FROM posts") == 2)
            #expect(try await Self.count(a, "SELECT count(*) FROM posts WHERE info_code = 'D1'") == 0)
            // Every key of the copy names the original.
            let found = try await b.lookUp(keys: ["code:D1", "link:daily.example/1"])
            #expect(found.codes == ["code:D1": "W1", "link:daily.example/1": "W1"])
            #expect(try await Self.text(a, "SELECT duplicate_of FROM similar_stories WHERE info_code = 'D1'") == "W1")
            // Originals are signed (16 band keys each), the copy is not.
            #expect(try await Self.count(a, "SELECT count(*) FROM signatures") == 2)
            #expect(try await Self.count(a, "SELECT count(*) FROM bands") == 32)

            // The copy's next check, and an update of it: duplicates, no post.
            let again = try await b.claim([copy], check: Self.check("feed1"), configuredFeeds: Self.feeds,
                                          nearDuplicates: Self.skip)
            #expect(again.duplicates == 1 && again.new == 0 && again.updated == 0 && again.similar == 0)
            let updated = Self.story("D1", feed: "feed1", body: Self.copyText("one") + "<p>更新</p>", link: "daily.example/1")
            let later = try await b.claim([updated], check: Self.check("feed1"), configuredFeeds: Self.feeds,
                                          nearDuplicates: Self.skip)
            #expect(later.duplicates == 1 && later.new == 0 && later.updated == 0)
            #expect(try await Self.count(a, "SELECT count(*) FROM posts") == 2)

            // Only stories new to the state are compared: D2 rewritten by its own feed
            // with W1's text stays D2's post, updated.
            let rewrite = Self.story("D2", feed: "feed1", body: Self.wireText("one"))
            let rewritten = try await b.claim([rewrite], check: Self.check("feed1"), configuredFeeds: Self.feeds,
                                              nearDuplicates: Self.skip)
            #expect(rewritten.updated == 1 && rewritten.similar == 0)
            #expect(try await a.status().similarCounts == ["feed1": 1])
        }
    }

    @Test("mark: a copy met by another node is written with duplicate_of, stays known as marked, and is not signed")
    func markAcrossNodes() async throws {
        try await Self.withNodes { a, b in
            _ = try await a.claim([Self.story("W1", feed: "feed0", body: Self.wireText("one"))],
                                  check: Self.check("feed0"), configuredFeeds: Self.feeds, nearDuplicates: Self.mark)
            let result = try await b.claim(
                [Self.story("D1", feed: "feed1", body: Self.copyText("one")),
                 Self.story("D2", feed: "feed1", body: Self.wireText("two"))],
                check: Self.check("feed1"), configuredFeeds: Self.feeds, nearDuplicates: Self.mark)
            #expect(result.new == 2 && result.similar == 1)
            let bytes = try #require(try await Self.text(a, "SELECT convert_from(bytes, 'UTF8') FROM posts WHERE info_code = 'D1'"))
            #expect(bytes.contains("\nduplicate_of: W1\n"))
            let plain = try #require(try await Self.text(a, "SELECT convert_from(bytes, 'UTF8') FROM posts WHERE info_code = 'D2'"))
            #expect(!plain.contains("duplicate_of"))
            // What a node reads before rewriting D1: the story it copies, to keep the mark.
            let found = try await b.lookUp(keys: ["code:D1", "code:D2"])
            #expect(found.posts["D1"]?.duplicateOf == "W1")
            #expect(found.posts["D2"]?.duplicateOf == nil)
            // A third outlet's copy is marked as a copy of the first story, not of the marked one.
            let third = try await a.claim([Self.story("E1", feed: "feed2", body: Self.copyText("one") + "<p>责任编辑：刘洋</p>")],
                                          check: Self.check("feed2"), configuredFeeds: Self.feeds, nearDuplicates: Self.mark)
            #expect(third.new == 1 && third.similar == 1)
            #expect(try await Self.text(a, "SELECT duplicate_of FROM similar_stories WHERE info_code = 'E1'") == "W1")
            #expect(try await Self.count(a, "SELECT count(*) FROM signatures WHERE info_code IN ('D1', 'E1')") == 0)
            #expect(try await b.status().similarCounts == ["feed1": 1, "feed2": 1])
        }
    }

    @Test("in one batch, the first of two near-copies (feeds.conf order) is written and the second skipped")
    func sameBatch() async throws {
        try await Self.withNodes { a, _ in
            let results = try await a.claim([
                FeedClaims(stories: [Self.story("W1", feed: "feed0", body: Self.wireText("one"))], check: Self.check("feed0")),
                FeedClaims(stories: [Self.story("D1", feed: "feed1", body: Self.copyText("one"))], check: Self.check("feed1")),
            ], configuredFeeds: Self.feeds, nearDuplicates: Self.skip)
            #expect(results.map(\.new) == [1, 0])
            #expect(results.map(\.similar) == [0, 1])
            #expect(try await Self.text(a, "SELECT string_agg(info_code, ',') FROM posts") == "W1")
        }
    }

    @Test("off (the default): copies are written, nothing is signed or recorded as similar")
    func off() async throws {
        try await Self.withNodes { a, b in
            _ = try await a.claim([Self.story("W1", feed: "feed0", body: Self.wireText("one"))],
                                  check: Self.check("feed0"), configuredFeeds: Self.feeds)
            let result = try await b.claim([Self.story("D1", feed: "feed1", body: Self.copyText("one"))],
                                           check: Self.check("feed1"), configuredFeeds: Self.feeds)
            #expect(result.new == 1 && result.similar == 0)
            #expect(try await Self.count(a, "SELECT (SELECT count(*) FROM signatures) + (SELECT count(*) FROM similar_stories)") == 0)
        }
    }

    @Test("window: a story first seen before the window is not matched; one within it is")
    func window() async throws {
        try await Self.withNodes { a, b in
            let day = NearDuplicatePolicy(mode: .skip, window: 86_400, threshold: 0.85)
            let old = Date().addingTimeInterval(-2 * 86_400)
            _ = try await a.claim([Self.story("OLD", feed: "feed0", body: Self.wireText("old"), firstSeen: old)],
                                  check: Self.check("feed0"), configuredFeeds: Self.feeds, nearDuplicates: day)
            let late = try await b.claim([Self.story("LATE", feed: "feed1", body: Self.copyText("old"))],
                                         check: Self.check("feed1"), configuredFeeds: Self.feeds, nearDuplicates: day)
            #expect(late.new == 1 && late.similar == 0)
            // The same copy from a third outlet, within three days of the first: matched
            // (with the second, signed as an original, or the first — both are that story).
            let threeDays = NearDuplicatePolicy(mode: .skip, window: 3 * 86_400, threshold: 0.85)
            let third = try await a.claim([Self.story("THIRD", feed: "feed2", body: Self.copyText("old"))],
                                          check: Self.check("feed2"), configuredFeeds: Self.feeds, nearDuplicates: threeDays)
            #expect(third.new == 0 && third.similar == 1)
            // Within one day only the second is: it names that one.
            let fourth = try await a.claim([Self.story("FOURTH", feed: "feed2", body: Self.wireText("old"))],
                                           check: Self.check("feed2"), configuredFeeds: Self.feeds, nearDuplicates: day)
            #expect(fourth.similar == 1)
            #expect(try await Self.text(a, "SELECT duplicate_of FROM similar_stories WHERE info_code = 'FOURTH'") == "LATE")
        }
    }

    /// Each node's claim of a near-copy, started together and held at the same point
    /// (their first story key, taken by another transaction) until both wait there;
    /// then set loose at once.
    @Test("two nodes claiming near-copies at the same moment write exactly one post", arguments: [false, true])
    func concurrentClaims(manyStories: Bool) async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            try await a.syncFeeds(ClusterStateTests.feeds(2))
            let gate = try await PostgresConnection.connect(
                configuration: try test.settings.connectionConfiguration(applicationName: "gate"), id: 9, logger: a.logger)
            for round in 0..<4 {
                let seed = "race \(round) \(manyStories)"
                // Unrelated stories around the copies: enough band keys (more than
                // bandLockLimit) for each claim to take the exclusive lock instead.
                let padding = manyStories ? 20 : 0
                let aStories = [Self.story("A\(round)", feed: "feed0", body: Self.wireText(seed), link: "gate/a\(round)")]
                    + (0..<padding).map { Self.story("PA\(round)x\($0)", feed: "feed0", body: Self.wireText("\(seed) a\($0)")) }
                let bStories = [Self.story("B\(round)", feed: "feed1", body: Self.copyText(seed), link: "gate/b\(round)")]
                    + (0..<padding).map { Self.story("PB\(round)x\($0)", feed: "feed1", body: Self.wireText("\(seed) b\($0)")) }
                try await gate.query("BEGIN", logger: a.logger)
                try await gate.query(PostgresQuery(unsafeSQL:
                    "INSERT INTO story_keys (key, info_code) VALUES ('link:gate/a\(round)', 'gate'), ('link:gate/b\(round)', 'gate')"),
                    logger: a.logger)
                async let first = a.claim(aStories, check: Self.check("feed0"), configuredFeeds: Self.feeds,
                                          nearDuplicates: Self.skip)
                async let second = b.claim(bStories, check: Self.check("feed1"), configuredFeeds: Self.feeds,
                                           nearDuplicates: Self.skip)
                var waiting = 0
                for _ in 0..<400 where waiting < 2 {
                    try await Task.sleep(for: .milliseconds(25))
                    waiting = try await Self.count(a, """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name IN ('a', 'b')
                        """)
                }
                #expect(waiting == 2, "both claims wait at the gate")
                try await gate.query("ROLLBACK", logger: a.logger)
                let (one, two) = try await (first, second)
                #expect(one.new + two.new == 1 + 2 * padding, "round \(round)")
                #expect(one.similar + two.similar == 1, "round \(round)")
                #expect(try await Self.count(a, "SELECT count(*) FROM posts WHERE info_code IN ('A\(round)', 'B\(round)')") == 1)
            }
            try await gate.close()
            #expect(try await a.status().similarCounts.values.reduce(0, +) == 4)
            await a.close()
            await b.close()
        }
    }
}
