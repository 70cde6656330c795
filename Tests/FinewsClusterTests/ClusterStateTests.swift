import Foundation
import FinewsStore
import FinewsNormalize
import PostgresNIO
import Testing
@testable import FinewsCluster

/// The shared state against a real PostgreSQL server (scripts/with-postgres).
@Suite("Cluster state on PostgreSQL", .enabled(if: TestDatabase.isAvailable, "needs FINEWS_TEST_DATABASE_URL"),
       .serialized)
struct ClusterStateTests {
    static func feeds(_ count: Int, host: String = "news.example.com") -> [ClusterFeed] {
        (0..<count).map { ClusterFeed(name: "feed\($0)", rank: $0, url: "https://\(host)/\($0).xml", host: host) }
    }

    static func story(_ code: String, keys: [String] = [], feed: String, body: String = "text") -> StoryClaim {
        let bytes = Array("---\ntitle: \(code)\n---\n\(body) from \(feed)\n".utf8)
        return StoryClaim(
            infoCode: code, keys: ["code:" + code] + keys, isBlocked: false,
            rendered: RenderedStory(
                infoCode: code, path: "_posts/2022-03-02-\(code).md", bytes: bytes, contentHash: ContentHash.of(bytes),
                firstSeen: Date(), category: feed, tag: "tag " + feed, outlet: nil))
    }

    static func check(_ feed: String) -> FeedCheck {
        FeedCheck(feed: feed, state: FeedState(etag: "\"v1\""), nextCheck: Date().addingTimeInterval(900))
    }

    static func count(_ database: ClusterDatabase, _ sql: String) async throws -> Int {
        try await database.run("counting") { connection in
            var value = 0
            for try await count in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: database.logger)
                .decode(Int.self) { value = count }
            return value
        }
    }

    @Test("two nodes starting on an empty database at once migrate it once, and both work")
    func migrationsRace() async throws {
        try await TestDatabase.with { test in
            async let first = test.node("a")
            async let second = test.node("b")
            let (a, b) = try await (first, second)
            #expect(try await Self.count(a, "SELECT count(*) FROM finews_schema") == ClusterSchema.migrations.count)
            try await a.syncFeeds(Self.feeds(3))
            #expect(try await Self.count(b, "SELECT count(*) FROM feeds") == 3)
            await a.close()
            await b.close()
        }
    }

    @Test("leases: two nodes leasing at once get disjoint feeds; a lease that expires is taken by another node")
    func leases() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            try await a.syncFeeds(Self.feeds(40))
            async let first = a.leaseDueFeeds(limit: 15, perHost: 100, seconds: 60)
            async let second = b.leaseDueFeeds(limit: 15, perHost: 100, seconds: 60)
            let (fromA, fromB) = try await (first, second)
            #expect(fromA.count == 15 && fromB.count == 15)
            #expect(Set(fromA.map(\.name)).isDisjoint(with: fromB.map(\.name)))
            // The longest due first, then feeds.conf order: together the first 30.
            #expect(Set(fromA.map(\.rank) + fromB.map(\.rank)) == Set(0..<30))
            // A recorded feed is not due again until its next check.
            try await a.record(Self.check(fromA[0].name))
            let rest = try await b.leaseDueFeeds(limit: 100, perHost: 100, seconds: 60)
            #expect(rest.count == 10)
            #expect(!rest.contains { $0.name == fromA[0].name })
            // Node a dies: its leases expire (set in the past here), and b takes them.
            try await a.run("expiring") { connection in
                try await connection.query("UPDATE feeds SET lease_until = now() - interval '1 second' WHERE lease_owner = 'a'",
                                           logger: a.logger)
            }
            let taken = try await b.leaseDueFeeds(limit: 100, perHost: 100, seconds: 60)
            #expect(Set(taken.map(\.name)) == Set(fromA.dropFirst().map(\.name)))
            #expect(try await b.lowestPendingRank() == nil)
            await a.close()
            await b.close()
        }
    }

    @Test("per_host holds for the cluster, and a host's Retry-After holds every node back")
    func politeness() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            try await a.syncFeeds(Self.feeds(10, host: "slow.example.com")
                + Self.feeds(5, host: "other.example.com").map { feed in
                    var feed = feed
                    feed.name = "other\(feed.rank)"
                    feed.rank += 10
                    return feed
                })
            let fromA = try await a.leaseDueFeeds(limit: 100, perHost: 2, seconds: 60)
            let fromB = try await b.leaseDueFeeds(limit: 100, perHost: 2, seconds: 60)
            #expect(fromA.count == 4)   // two per host
            #expect(fromB.isEmpty)      // both hosts are at their limit, cluster-wide
            // other.example.com answers Retry-After: 3600 to a; b may not ask it either.
            let other = try #require(fromA.first { $0.name.hasPrefix("other") })
            var check = Self.check(other.name)
            check.nextCheck = Date()
            check.hostWait = ("other.example.com", 3600)
            try await a.record(check)
            let later = try await b.leaseDueFeeds(limit: 100, perHost: 5, seconds: 60)
            #expect(!later.isEmpty)
            #expect(later.allSatisfy { !$0.name.hasPrefix("other") })
            await a.close()
            await b.close()
        }
    }

    @Test("two nodes claiming the same story from two feeds at once write one post")
    func claimsRace() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            try await a.syncFeeds(Self.feeds(2))
            let feeds: Set = ["feed0", "feed1"]
            for round in 0..<20 {
                let code = "NW\(round)"
                // The same story under two infoCodes, joined by its link, as an RSS 1.0 and an RSS 2.0 copy.
                async let first = a.claim([Self.story(code + "A", keys: ["link:news.example.com/\(round)"], feed: "feed0")],
                                          check: Self.check("feed0"), configuredFeeds: feeds)
                async let second = b.claim([Self.story(code + "B", keys: ["link:news.example.com/\(round)"], feed: "feed1")],
                                           check: Self.check("feed1"), configuredFeeds: feeds)
                let (one, two) = try await (first, second)
                #expect(one.new + two.new == 1)
                #expect(one.duplicates + two.duplicates == 1)
            }
            #expect(try await Self.count(a, "SELECT count(*) FROM posts") == 20)
            // Every key names the story that was written.
            #expect(try await Self.count(a, """
                SELECT count(*) FROM story_keys k WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.info_code = k.info_code)
                """) == 0)
            await a.close()
            await b.close()
        }
    }

    @Test("a changed story is rewritten at its path from its own feed only; an unchanged one is a duplicate")
    func updates() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            try await a.syncFeeds(Self.feeds(2))
            let feeds: Set = ["feed0", "feed1"]
            var result = try await a.claim([Self.story("S1", feed: "feed0")], check: Self.check("feed0"), configuredFeeds: feeds)
            #expect(result.new == 1)
            result = try await a.claim([Self.story("S1", feed: "feed0")], check: Self.check("feed0"), configuredFeeds: feeds)
            #expect(result.duplicates == 1 && result.updated == 0)
            result = try await a.claim([Self.story("S1", feed: "feed1", body: "changed")], check: Self.check("feed1"),
                                       configuredFeeds: feeds)
            #expect(result.duplicates == 1 && result.updated == 0)
            result = try await a.claim([Self.story("S1", feed: "feed0", body: "changed")], check: Self.check("feed0"),
                                       configuredFeeds: feeds)
            #expect(result.updated == 1)
            #expect(try await Self.count(a, "SELECT revision FROM posts WHERE info_code = 'S1'") == 2)
            // A second entry of the same story in one document is a duplicate.
            result = try await a.claim([Self.story("S2", feed: "feed0"), Self.story("S2", feed: "feed0")],
                                       check: Self.check("feed0"), configuredFeeds: feeds)
            #expect(result.new == 1 && result.duplicates == 1)
            await a.close()
        }
    }

    @Test("one publisher: the lock goes to one node, and to a standby once the holder's session ends")
    func publisherLock() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            let b = try await test.node("b")
            let held = try #require(try await PublisherLock.tryAcquire(a))
            #expect(try await PublisherLock.tryAcquire(b) == nil)
            #expect(try await a.status().publisher == "a")
            await held.release()
            let taken = try #require(try await PublisherLock.tryAcquire(b))
            #expect(try await b.status().publisher == "b")
            await taken.release()
            await a.close()
            await b.close()
        }
    }

    @Test("the publisher writes pending posts and their category pages, durably, then marks them published")
    func publishing() async throws {
        try await TestDatabase.with { test in
            let a = try await test.node("a")
            try await a.syncFeeds(Self.feeds(1))
            _ = try await a.claim([Self.story("P1", feed: "feed0"), Self.story("P2", feed: "feed0")],
                                  check: Self.check("feed0"), configuredFeeds: ["feed0"])
            #expect(try await a.status().pendingPosts == 2)
            let site = FileManager.default.temporaryDirectory.appendingPathComponent("finews-publish-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: site) }
            let publisher = SitePublisher(
                database: a, root: site, stateDirectory: site.appendingPathComponent(".finews"),
                renderer: PostRenderer(baseURL: "//news.example.com", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt),
                logger: a.logger)
            await publisher.run(untilDrained: true, isDone: { true })
            let written = try String(contentsOf: site.appendingPathComponent("_posts/2022-03-02-P1.md"), encoding: .utf8)
            #expect(written.hasSuffix("text from feed0\n"))
            #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent("category/feed0.html").path))
            #expect(try await a.status().pendingPosts == 0)
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: site.appendingPathComponent(".finews/tmp").path)) ?? []
            #expect(leftovers.isEmpty)
            await a.close()
        }
    }
}
