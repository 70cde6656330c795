@testable import FinewsStore
import FinewsNormalize
import Foundation
import Testing

/// A temporary folder removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("finews-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

@Suite("Archive writer and state")
struct ArchiveStorageTests {
    /// Unnamed files where the file system has them, and named temporary files (a budget of 0).
    static let budgets = [ArchiveWriter.defaultUnnamedFileBudget, 0]

    @Test("Files land in place, folders are created, no temporary file remains", arguments: budgets)
    func writes(unnamedFileBudget: Int) throws {
        let folder = try TemporaryFolder()
        let state = folder.url.appendingPathComponent(".finews")
        let writer = ArchiveWriter(
            root: folder.url, stateDirectory: state, groupSize: 2048, unnamedFileBudget: unnamedFileBudget)
        try writer.write([
            ArchiveFile(relativePath: "_posts/2022-03-02-A.md", contents: Array("one".utf8)),
            ArchiveFile(relativePath: "category/c.html", contents: Array("two".utf8)),
        ])
        #expect(try String(contentsOf: folder.url.appendingPathComponent("_posts/2022-03-02-A.md"), encoding: .utf8) == "one")
        #expect(try String(contentsOf: folder.url.appendingPathComponent("category/c.html"), encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("tmp").path).isEmpty)
        try writer.write([ArchiveFile(relativePath: "_posts/2022-03-02-A.md", contents: Array("new".utf8))])
        #expect(try String(contentsOf: folder.url.appendingPathComponent("_posts/2022-03-02-A.md"), encoding: .utf8) == "new")
    }

    @Test("Paths that leave the site or enter dot-folders are refused", arguments: [
        "../escape.md", "/etc/passwd", "_posts/../../x", ".finews/state.sqlite", "a//b", "", "a/", "_posts/.x.md",
        "a\0b", "新闻/../x", "新闻//x",
    ])
    func unsafePaths(path: String) throws {
        let folder = try TemporaryFolder()
        let writer = ArchiveWriter(root: folder.url, stateDirectory: folder.url.appendingPathComponent(".finews"))
        #expect { try writer.write([ArchiveFile(relativePath: path, contents: [])]) } throws: {
            ($0 as? StoreError)?.code == .unsafePath
        }
    }

    @Test("A write into an unwritable site fails with an I/O error")
    func unwritable() throws {
        let folder = try TemporaryFolder()
        let blocker = folder.url.appendingPathComponent("_posts")
        try Data("not a folder".utf8).write(to: blocker)
        let writer = ArchiveWriter(root: folder.url, stateDirectory: folder.url.appendingPathComponent(".finews"))
        #expect { try writer.write([ArchiveFile(relativePath: "_posts/x.md", contents: [1])]) } throws: {
            ($0 as? StoreError)?.code == .io
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent(".finews/tmp").path).isEmpty)
    }

    @Test("A batch of several groups lands whole; a failing later group stops the batch and leaves no temporary file",
          arguments: budgets + [3])
    func groups(unnamedFileBudget: Int) throws {
        let folder = try TemporaryFolder()
        let state = folder.url.appendingPathComponent(".finews")
        let writer = ArchiveWriter(root: folder.url, stateDirectory: state, groupSize: 4, unnamedFileBudget: unnamedFileBudget)
        let count = 10  // three groups of at most 4
        try writer.write((0..<count).map { index in
            ArchiveFile(relativePath: "_posts/2024-01-01-N\(index).md", contents: Array("post \(index)".utf8))
        })
        let posts = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("_posts").path)
        #expect(posts.count == count)
        #expect(try String(contentsOf: folder.url.appendingPathComponent("_posts/2024-01-01-N9.md"), encoding: .utf8)
            == "post 9")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("tmp").path).isEmpty)

        // The third group's folder cannot be created: its group fails, the batch
        // reports it, and the groups after it are removed, not renamed.
        try Data("not a folder".utf8).write(to: folder.url.appendingPathComponent("blocked"))
        let batch = try writer.begin()
        var failure: StoreError?
        do {
            for index in 0..<(3 * 4 + 2) {
                let path = index / 4 == 2 ? "blocked/N\(index).md" : "later/N\(index).md"
                try batch.stage(ArchiveFile(relativePath: path, contents: [UInt8(ascii: "x")]))
            }
            try batch.commit()
        } catch {
            failure = error
        }
        #expect(failure?.code == .io)
        let later = (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("later").path)) ?? []
        #expect(later.count == 2 * 4, "the groups before the failure are in place, the ones after it are not")
        withExtendedLifetime(batch) {}
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test("A staged file has no name anywhere until its group is on disk",
          .enabled(if: ArchiveWriter.canLinkUnnamedFiles(in: NSTemporaryDirectory()), "no unnamed files here (O_TMPFILE and linkat)"))
    func unnamedUntilCommitted() throws {
        let folder = try TemporaryFolder()
        let state = folder.url.appendingPathComponent(".finews")
        let batch = try ArchiveWriter(root: folder.url, stateDirectory: state).begin()
        for index in 0..<3 {
            try batch.stage(ArchiveFile(relativePath: "_posts/2024-01-01-N\(index).md", contents: Array("post \(index)".utf8)))
        }
        let posts = folder.url.appendingPathComponent("_posts").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: posts).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("tmp").path).isEmpty)
        try batch.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: posts).sorted()
            == ["2024-01-01-N0.md", "2024-01-01-N1.md", "2024-01-01-N2.md"])
        #expect(try String(contentsOfFile: posts + "/2024-01-01-N2.md", encoding: .utf8) == "post 2")
    }

    @Test("A batch dropped without a commit publishes nothing and leaves no temporary file")
    func abandoned() throws {
        let folder = try TemporaryFolder()
        let state = folder.url.appendingPathComponent(".finews")
        do {
            let batch = try ArchiveWriter(root: folder.url, stateDirectory: state).begin()
            for index in 0..<10 {
                try batch.stage(ArchiveFile(relativePath: "_posts/2024-01-01-N\(index).md", contents: [1]))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("_posts").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test("State survives reopening: posts, categories, feed validators")
    func stateRoundTrip() async throws {
        let folder = try TemporaryFolder()
        let code = try #require(InfoCode("NW1"))
        do {
            let store = try StateStore(directory: folder.url)
            var batch = StateBatch()
            batch.posts.append((code, "feed", StoredPost(path: "_posts/x.md", contentHash: "h", firstSeen: Date(timeIntervalSince1970: 5))))
            batch.categories.append(StoredCategory(slug: "cat"))
            batch.feeds.append(("feed", FeedState(etag: "\"e\"", lastModified: "lm", bodyHash: "b", entryCount: 3)))
            try await store.commit(batch)
        }
        let reopened = try StateStore(directory: folder.url)
        let posts = try await reopened.posts(for: [code, try #require(InfoCode("other"))])
        #expect(posts == [code: StoredPost(path: "_posts/x.md", contentHash: "h", firstSeen: Date(timeIntervalSince1970: 5), feed: "feed")])
        #expect(try await reopened.knownCategories() == ["cat"])
        let feed = try #require(try await reopened.feedStates()["feed"])
        #expect(feed.etag == "\"e\"")
        #expect(feed.entryCount == 3)
        #expect(try await reopened.seenCount() == 1)
    }

    @Test("Categories with outlet and tag, post categories and counts (migration v3) survive reopening")
    func categoryStateRoundTrip() async throws {
        let folder = try TemporaryFolder()
        let first = try #require(InfoCode("AGG001"))
        let second = try #require(InfoCode("AGG002"))
        let legacy = try #require(InfoCode("OLD1"))
        do {
            let store = try StateStore(directory: folder.url)
            var batch = StateBatch()
            let seen = Date(timeIntervalSince1970: 5)
            batch.posts.append((first, "agg", StoredPost(path: "_posts/a.md", contentHash: "h", firstSeen: seen, category: "taheribao")))
            batch.posts.append((second, "agg", StoredPost(path: "_posts/b.md", contentHash: "h", firstSeen: seen, category: "36ke")))
            batch.posts.append((legacy, "plain", StoredPost(path: "_posts/c.md", contentHash: "h", firstSeen: seen)))
            batch.categories = [StoredCategory(slug: "taheribao", outlet: "漯河日报", tag: "漯河日报新闻"),
                                StoredCategory(slug: "36ke", outlet: "36氪", tag: "36氪新闻"), StoredCategory(slug: "plain")]
            try await store.commit(batch)
            // Known categories only learn what they lacked; posts learn their category.
            var later = StateBatch()
            later.categories = [StoredCategory(slug: "taheribao", outlet: "other", tag: "other"),
                                StoredCategory(slug: "plain", tag: "Plain news")]
            later.postCategories = [(second, "Windzixun")]
            try await store.commit(later)
        }
        let reopened = try #require(try StateStore(readingFrom: folder.url))
        #expect(try await reopened.categories() == [
            "taheribao": StoredCategory(slug: "taheribao", outlet: "漯河日报", tag: "漯河日报新闻"),
            "36ke": StoredCategory(slug: "36ke", outlet: "36氪", tag: "36氪新闻"),
            "plain": StoredCategory(slug: "plain", tag: "Plain news"),
        ])
        #expect(Set(try await reopened.categoryCounts()) == [
            CategoryCount(category: "taheribao", feed: "agg", posts: 1),
            CategoryCount(category: "Windzixun", feed: "agg", posts: 1),
            CategoryCount(category: nil, feed: "plain", posts: 1),
        ])
        #expect(try await reopened.posts(for: [first])[first]?.category == "taheribao")
    }

    @Test("The scheduler's fields (migration v2) survive reopening, also read-only")
    func scheduleStateRoundTrip() async throws {
        let folder = try TemporaryFolder()
        #expect(try StateStore(readingFrom: folder.url) == nil)
        let state = FeedState(
            lastCheck: Date(timeIntervalSince1970: 100), lastError: "boom", consecutiveErrors: 2, lastResult: "failed",
            lastStatus: 503, retryAfter: 120, postsWritten: 7, hintTTL: 3600, hintSyndication: 1800, hintMaxAge: 60,
            nextCheck: Date(timeIntervalSince1970: 400), intervalSeconds: 300, intervalReason: "backoff")
        do {
            let store = try StateStore(directory: folder.url)
            var batch = StateBatch()
            batch.feeds.append(("feed", state))
            try await store.commit(batch)
        }
        #expect(try await StateStore(directory: folder.url).feedStates()["feed"] == state)
        let reader = try #require(try StateStore(readingFrom: folder.url))
        #expect(try await reader.feedStates()["feed"] == state)
    }
}

@Suite("Rotation policy")
struct RotationPolicyTests {
    @Test("Posts whose day is older than the age move; others and odd names stay")
    func moves() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let now = Date(timeIntervalSince1970: 1_646_524_800)  // 2022-03-06 08:00 +0800
        let posts: [(infoCode: InfoCode, path: String)] = [
            (try #require(InfoCode("OLD")), "_posts/2022-03-02-OLD.md"),
            (try #require(InfoCode("EDGE")), "_posts/2022-03-03-EDGE.md"),
            (try #require(InfoCode("NEW")), "_posts/2022-03-05-NEW.md"),
            (try #require(InfoCode("ODD")), "_posts/notadate.md"),
        ]
        let moves = Rotation.moves(for: posts, archiveDir: "old_post", olderThan: 3 * 86_400, now: now, timeZone: zone)
        #expect(moves.map(\.to) == ["old_post/2022-03-02-OLD.md"])
        #expect(Rotation.moves(for: posts, archiveDir: "old_post", olderThan: 0, now: now, timeZone: zone).isEmpty)
    }

    /// A refresh asks the state only for the posts named before
    /// `Rotation.candidateBound`: in every zone, each post rotation would move is among them.
    @Test("The state hands rotation only posts named before a day, and those include every post old enough",
          arguments: ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Shanghai", "UTC"])
    func postsNamedBefore(zoneName: String) async throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url)
        var batch = StateBatch()
        var all: [(infoCode: InfoCode, path: String)] = []
        for day in 1...28 {
            let code = try #require(InfoCode("D\(day)"))
            let path = "_posts/2022-02-" + (day < 10 ? "0" : "") + "\(day)-D\(day).md"
            all.append((code, path))
            batch.posts.append((code, "feed", StoredPost(path: path, contentHash: "h", firstSeen: Date(timeIntervalSince1970: 0))))
        }
        let archived = try #require(InfoCode("A1"))
        batch.posts.append((archived, "feed", StoredPost(path: "old_post/2022-02-01-A1.md", contentHash: "h",
                                                         firstSeen: Date(timeIntervalSince1970: 0))))
        try await store.commit(batch)

        let before = try await store.posts(under: "_posts", namedBefore: "2022-02-04")
        #expect(before.map(\.path).sorted() == ["_posts/2022-02-01-D1.md", "_posts/2022-02-02-D2.md", "_posts/2022-02-03-D3.md"])
        #expect(try await store.posts(under: "_posts").count == 28)

        let now = Date(timeIntervalSince1970: 1_645_704_000)  // 2022-02-24 12:00 UTC
        for age in [1, 3, 7] {
            let olderThan = age * 86_400
            let bound = Rotation.candidateBound(olderThan: olderThan, now: now)
            let moved = Rotation.moves(for: all, archiveDir: "old_post", olderThan: olderThan, now: now, timeZone: zone)
            let candidates = Set(try await store.posts(under: "_posts", namedBefore: bound).map(\.path))
            #expect(!moved.isEmpty)
            #expect(moved.allSatisfy { candidates.contains($0.from) }, "age \(age)d, bound \(bound)")
            #expect(candidates.count < all.count)
        }
    }
}
