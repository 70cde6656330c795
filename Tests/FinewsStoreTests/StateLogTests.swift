@testable import FinewsStore
import FinewsNormalize
import Foundation
import GRDB
import Testing

@Suite("The state's rows, bound through SQLite's C API")
struct StateLogTests {
    @Test("Every field of a feed row and a post row reads back as written: empty text stays empty, nil stays NULL")
    func rowsRoundTrip() async throws {
        let folder = try TemporaryFolder()
        let code = try #require(InfoCode("ROW1"))
        let feed = FeedState(
            etag: "", lastModified: nil, bodyHash: String(repeating: "ab", count: 32),
            lastCheck: Date(timeIntervalSince1970: 1_700_000_000.25), lastError: "timeout after 30 s · 超时",
            consecutiveErrors: 2, entryCount: 50, lastResult: "failed", lastStatus: 503, retryAfter: 120,
            postsWritten: 7, hintTTL: 60, hintSyndication: nil, hintMaxAge: 0,
            nextCheck: Date(timeIntervalSince1970: 1_700_003_600.5), intervalSeconds: 3600, intervalReason: "backoff")
        let post = StoredPost(
            path: "_posts/2023-11-14-ROW1.md", contentHash: "h", firstSeen: Date(timeIntervalSince1970: 5.5),
            category: "", fullText: .pending(failures: 3), lastCycle: Date(timeIntervalSince1970: 9), feed: "新闻",
            fullTextError: "HTTP 404")
        do {
            let store = try StateStore(directory: folder.url)
            var batch = StateBatch()
            batch.feeds.append(("新闻", feed))
            batch.posts.append((code, "新闻", post))
            batch.aliases.append(("http://example.com/a?b=1&c=2", code))
            try store.commitNow(batch)
        }
        let reopened = try StateStore(directory: folder.url)
        #expect(try await reopened.feedStates() == ["新闻": feed])
        let found = try await reopened.stories(codes: [code], aliases: ["http://example.com/a?b=1&c=2"])
        #expect(found.posts == [code: post])
        #expect(found.aliases == ["http://example.com/a?b=1&c=2": code])
    }

    @Test("A row SQLite refuses is an error naming the statement, and the transaction records nothing")
    func refusedRow() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (a TEXT NOT NULL, b INTEGER)") }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                let rows = RowWriter(try db.cachedStatement(sql: "INSERT INTO t (a, b) VALUES (?, ?)"))
                try rows.run { row in
                    row.bind("kept until the error")
                    row.bind(1)
                }
                try rows.run { row in
                    row.bind(nil as String?)
                    row.bind(2)
                }
            }
        }
        do {
            try queue.write { db in
                let rows = RowWriter(try db.cachedStatement(sql: "INSERT INTO t (a, b) VALUES (?, ?)"))
                try rows.run { row in
                    row.bind(nil as String?)
                    row.bind(3)
                }
            }
            Issue.record("a NULL in a NOT NULL column was accepted")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_CONSTRAINT)
            #expect(error.sql?.contains("INSERT INTO t") == true)
        }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 0)
    }
}
