@testable import FinewsStore
import FinewsNormalize
import FinewsParse
import Foundation
import Synchronization
import Testing

/// The real SQLite state, with every transaction checked as it is committed: each
/// post it records must already be in place on disk.
private final class CheckingState: StoryStateStore {
    let store: StateStore
    let root: URL
    /// Per transaction: the posts' infoCodes, the feeds recorded, and posts missing on disk.
    let commits = Mutex<[(posts: [String], feeds: [String], missing: [String])]>([])

    init(store: StateStore, root: URL) {
        self.store = store
        self.root = root
    }

    func stories(
        codes: [InfoCode], aliases: [String]
    ) async throws(StoreError) -> (posts: [InfoCode: StoredPost], aliases: [String: InfoCode]) {
        try await store.stories(codes: codes, aliases: aliases)
    }

    func commitNow(_ batch: StateBatch) throws(StoreError) {
        let missing = batch.posts.map(\.post.path).filter {
            !FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        commits.withLock {
            $0.append((batch.posts.map(\.infoCode.value), batch.feeds.map(\.name), missing))
        }
        try store.commitNow(batch)
    }
}

@Suite("Publisher: dedupe, render and group-by-group records")
struct PublisherTests {
    /// A cycle time with a fraction, as `Date()` gives: it must survive the trip
    /// through the state (seconds since 1970 as a REAL) well enough to be recognized.
    let cycleTime = Date(timeIntervalSinceReferenceDate: 667_872_525.123_456_7)

    private func candidate(feed: String, code: String, link: String, text: String = "Body") -> StoryCandidate {
        let entry = FeedEntry(
            title: "Story \(code)", link: link, published: cycleTime, content: FeedText("<p>\(text)</p>", kind: .html))
        let aliases = StoryKeys.aliases(for: [entry], feedLink: nil, feedURL: nil)[0]
        return StoryCandidate(
            feed: feed, infoCode: InfoCode(code) ?? InfoCode.hashed(code), aliases: aliases, entry: entry,
            normalizer: Normalizer(settings: .init(category: feed, tag: feed)),
            filing: FeedFiling(feedName: feed, category: FilingTemplate(plain: feed), tag: FilingTemplate(plain: feed)), feedTitle: nil)
    }

    private func publisher(
        _ state: any StoryStateStore, root: URL, groupSize: Int, maximumRows: Int = 4096
    ) throws -> Publisher {
        try Publisher(
            state: state,
            writer: ArchiveWriter(root: root, stateDirectory: root.appendingPathComponent(".finews"), groupSize: groupSize),
            renderer: PostRenderer(baseURL: "//news.example", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current),
            cycleTime: cycleTime, slugs: SlugRegistry(stored: [:]), categories: [:], feeds: ["a", "b"],
            maximumRows: maximumRows)
    }

    /// A publisher ten minutes after ``cycleTime``, with feed "a" alone configured.
    private func laterCycle(_ store: StateStore, root: URL) throws -> Publisher {
        try Publisher(
            state: store, writer: ArchiveWriter(root: root, stateDirectory: root.appendingPathComponent(".finews")),
            renderer: PostRenderer(baseURL: "//news.example", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current),
            cycleTime: cycleTime.addingTimeInterval(600), slugs: SlugRegistry(stored: [:]), categories: [:], feeds: ["a"])
    }

    /// A wire story long enough to be compared by its text alone, and an outlet's
    /// copy of it: a byline in front and a source line after.
    private static let wireStory = """
        记者从国铁集团获悉，福厦高铁泉州湾跨海大桥今天完成最后一段箱梁架设，标志着我国首条跨海高铁全线贯通。\
        福厦高铁北起福州，南至厦门和漳州，线路全长277公里，设计时速350公里，是国家沿海高速铁路通道的重要组成部分。\
        泉州湾跨海大桥全长20.3公里，其中海上段长约9公里。建设者克服了台风频发、海水腐蚀等困难，创新采用了多项桥梁施工技术。
        """

    private func cycle(
        _ store: StateStore, root: URL, at time: Date, groupSize: Int = 2, _ candidates: [StoryCandidate]
    ) async throws -> (result: PublishResult, paths: [String]) {
        let publisher = try Publisher(
            state: store, writer: ArchiveWriter(root: root, stateDirectory: root.appendingPathComponent(".finews"), groupSize: groupSize),
            renderer: PostRenderer(baseURL: "//news.example", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current),
            cycleTime: time, slugs: SlugRegistry(stored: [:]), categories: [:], feeds: ["a", "b", "c", "d"],
            nearDuplicates: NearDuplicatePolicy(mode: .skip))
        var result = PublishResult()
        for candidate in candidates {
            let one = try await publisher.publish([candidate])
            result.new += one.new
            result.duplicates += one.duplicates
            result.similar += one.similar
        }
        try await publisher.finish()
        return (result, publisher.stagedPaths)
    }

    @Test("Near-copies: found among the window's recorded stories in later cycles, not once the story is older than the window")
    func nearCopiesAcrossCycles() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        // Fillers in front, in groups of two files, so that the wire story's group is
        // recorded before its first copy is met.
        let fillers = (1...6).map { candidate(feed: "a", code: "F\($0)", link: "https://a.example/f\($0).html", text: "filler \($0)") }
        let wire = candidate(feed: "a", code: "W1", link: "https://a.example/w1.html", text: Self.wireStory)
        let sameCycleCopy = candidate(
            feed: "b", code: "B1", link: "https://b.example/1.html", text: "（记者 王某）" + Self.wireStory + "（文章来源：漯河日报）")
        let first = try await cycle(store, root: folder.url, at: cycleTime, fillers + [wire] + fillers.map {
            candidate(feed: "a", code: "G" + $0.infoCode.value, link: $0.entry.link.map { $0 + "?g" } ?? "", text: "other")
        } + [sameCycleCopy])
        #expect(first.result.new == 13)
        #expect(first.result.similar == 1)

        // A day later, in a new process: the copy is found among the recorded signatures.
        let dayLater = candidate(feed: "c", code: "C1", link: "https://c.example/1.html", text: Self.wireStory + "责任编辑：刘洋")
        let second = try await cycle(store, root: folder.url, at: cycleTime.addingTimeInterval(86_400), [dayLater])
        #expect(second.result.new == 0 && second.result.similar == 1)

        // Four days later the wire story is out of the three-day window: a copy is a new post.
        let late = candidate(feed: "d", code: "D1", link: "https://d.example/1.html", text: Self.wireStory + "（来源：新华社）")
        let third = try await cycle(store, root: folder.url, at: cycleTime.addingTimeInterval(4 * 86_400), [late])
        #expect(third.result == PublishResult(new: 1))
        #expect(try await store.similarCounts() == ["b": 1, "c": 1])
    }

    @Test("Staged paths are kept only when asked (for the after-write hook)")
    func stagedPathsOnRequest() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        let kept = try await cycle(store, root: folder.url, at: cycleTime, [candidate(feed: "a", code: "K1", link: "https://a.example/k1.html")])
        #expect(kept.paths.contains("_posts/2022-03-02-K1.md"))
        let quiet = try Publisher(
            state: store, writer: ArchiveWriter(root: folder.url, stateDirectory: folder.url.appendingPathComponent(".finews")),
            renderer: PostRenderer(baseURL: "//news.example", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current),
            cycleTime: cycleTime.addingTimeInterval(60), slugs: SlugRegistry(stored: [:]), categories: [:], feeds: ["a"],
            keepsStagedPaths: false)
        #expect(try await quiet.publish([candidate(feed: "a", code: "K2", link: "https://a.example/k2.html")]).new == 1)
        try await quiet.finish()
        #expect(quiet.stagedPaths.isEmpty)
    }

    @Test("A blocked story is recorded without a post and never comes back, even when the rule is gone or another feed carries it")
    func blockedStories() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        var blocked = candidate(feed: "a", code: "AD1", link: "https://news.example/ad/1.html")
        blocked.isBlocked = true
        let first = try publisher(store, root: folder.url, groupSize: 8)
        let result = try await first.publish([blocked, candidate(feed: "a", code: "A1", link: "https://news.example/a/1.html")])
        try await first.finish()
        #expect(result == PublishResult(new: 1, blocked: 1))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("_posts/2022-03-02-AD1.md").path))
        #expect(try await store.blockedCounts() == ["a": 1])

        // The next cycle: the rule is gone, and feed b has the same story under another code.
        let second = try Publisher(
            state: store, writer: ArchiveWriter(root: folder.url, stateDirectory: folder.url.appendingPathComponent(".finews")),
            renderer: PostRenderer(baseURL: "//news.example", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current),
            cycleTime: cycleTime.addingTimeInterval(900), slugs: SlugRegistry(stored: [:]), categories: [:], feeds: ["a", "b"])
        let again = try await second.publish([
            candidate(feed: "a", code: "AD1", link: "https://news.example/ad/1.html"),
            candidate(feed: "b", code: "BAD1", link: "https://news.example/ad/1.html"),
        ])
        try await second.finish()
        #expect(again == PublishResult(duplicates: 2))
        #expect(try await store.blockedCounts() == ["a": 1], "counted once")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("_posts/2022-03-02-BAD1.md").path))
    }

    @Test("Each group is recorded only once its files are on disk, and a feed's state after its last story")
    func groupOrder() async throws {
        let folder = try TemporaryFolder()
        let state = CheckingState(store: try StateStore(directory: folder.url.appendingPathComponent(".finews")),
                                  root: folder.url)
        let publisher = try publisher(state, root: folder.url, groupSize: 3)
        let first = try await publisher.publish((1...5).map {
            candidate(feed: "a", code: "A\($0)", link: "https://news.example/a/\($0).html")
        })
        publisher.record(feed: "a", state: FeedState(etag: "\"a\""))
        // B carries A's third story under another infoCode: the link says it is the same.
        let second = try await publisher.publish([
            candidate(feed: "b", code: "B1", link: "https://news.example/b/1.html"),
            candidate(feed: "b", code: "B2", link: "http://news.example/a/3.html?utm_source=b"),
            candidate(feed: "b", code: "B3", link: "https://news.example/b/3.html"),
        ])
        publisher.record(feed: "b", state: FeedState(etag: "\"b\""))
        try await publisher.finish()

        #expect(first == PublishResult(new: 5))
        #expect(second == PublishResult(new: 2, duplicates: 1))
        let commits = state.commits.withLock { $0 }
        #expect(commits.count >= 3, "groups of 3 files (posts and category pages): \(commits.map(\.posts))")
        for commit in commits { #expect(commit.missing.isEmpty, "recorded before on disk: \(commit.missing)") }
        let lastOfA = try #require(commits.lastIndex { $0.posts.contains("A5") })
        let stateOfA = try #require(commits.firstIndex { $0.feeds.contains("a") })
        #expect(stateOfA >= lastOfA)
        #expect(try await state.store.seenCount() == 7)
        #expect(try await state.store.feedStates()["a"]?.etag == "\"a\"")
    }

    @Test("A story taken this cycle is a duplicate in a later feed, before and after its group is recorded")
    func duplicatesAcrossGroups() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        let publisher = try publisher(store, root: folder.url, groupSize: 2)
        let first = try await publisher.publish((1...6).map {
            candidate(feed: "a", code: "A\($0)", link: "https://news.example/a/\($0).html")
        })
        #expect(first.new == 6)
        // Give the background queue time to record the early groups.
        try await Task.sleep(for: .milliseconds(200))
        let again = try await publisher.publish((1...6).map {
            candidate(feed: "b", code: "A\($0)", link: "https://news.example/other/\($0).html")
        })
        #expect(again == PublishResult(duplicates: 6))
        try await publisher.finish()
        let posts = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("_posts").path)
        #expect(posts.count == 6)
    }

    @Test("A story of an earlier feed stays a duplicate when a group is handed over in the middle of a later feed")
    func handOverDuringPublish() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        // Groups of 9 state rows: A's three stories (7 rows: posts, link aliases, the
        // category) stay in the group being staged; B's first story fills it, and it
        // is handed over before B's copy of A's first story is looked at.
        let publisher = try publisher(store, root: folder.url, groupSize: 100, maximumRows: 9)
        let first = try await publisher.publish((1...3).map {
            candidate(feed: "a", code: "A\($0)", link: "https://news.example/a/\($0).html")
        })
        let second = try await publisher.publish([
            candidate(feed: "b", code: "B1", link: "https://news.example/b/1.html"),
            candidate(feed: "b", code: "A1", link: "https://news.example/a/1.html"),
            candidate(feed: "b", code: "B2", link: "https://news.example/b/2.html"),
        ])
        try await publisher.finish()
        #expect(first == PublishResult(new: 3))
        #expect(second == PublishResult(new: 2, duplicates: 1))
        let posts = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("_posts").path)
        #expect(posts.count == 5)
    }

    @Test("A later cycle finds a story by any of its keys and keeps its first path")
    func aliasesAcrossCycles() async throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
        let one = try publisher(store, root: folder.url, groupSize: 8)
        _ = try await one.publish([candidate(feed: "a", code: "FIRST", link: "https://news.example/s.html", text: "v1")])
        try await one.finish()
        let two = try laterCycle(store, root: folder.url)
        let result = try await two.publish([candidate(feed: "a", code: "SECOND", link: "https://news.example/s.html", text: "v2")])
        try await two.finish()
        #expect(result == PublishResult(updated: 1))
        let posts = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("_posts").path)
        #expect(posts == ["2022-03-02-FIRST.md"])
    }
    @Test("Posts from candidates the reader prepared are byte for byte those the publisher makes itself, under another code too")
    func preparedCandidates() async throws {
        func entries(version: String) -> [FeedEntry] {
            [
                FeedEntry(title: "Titled \(version)", link: "https://news.example/a.html", published: cycleTime,
                          content: FeedText("<p>Body <script>x()</script>\(version)</p>", kind: .html)),
                FeedEntry(title: nil, link: "https://news.example/b.html", published: cycleTime,
                          summary: FeedText("First words of a story without a title \(version)", kind: .text)),
                // Neither a title nor words: titled by its code, which a later cycle
                // finds under the first cycle's code by its link.
                FeedEntry(title: nil, link: "https://news.example/c.html", published: cycleTime,
                          content: FeedText("<img src=\"https://news.example/\(version).png\">", kind: .html)),
            ]
        }
        func candidates(_ entries: [FeedEntry], codes: [String], prepared: Bool) -> [StoryCandidate] {
            let aliases = StoryKeys.aliases(for: entries, feedLink: nil, feedURL: nil)
            return zip(zip(entries, codes), aliases).map { item, keys in
                var candidate = StoryCandidate(
                    feed: "a", infoCode: InfoCode(item.1) ?? InfoCode.hashed(item.1), aliases: keys, entry: item.0,
                    normalizer: Normalizer(settings: .init(category: "a", tag: "a")),
                    filing: FeedFiling(feedName: "a", category: FilingTemplate(plain: "a"), tag: FilingTemplate(plain: "a")),
                    feedTitle: nil)
                if prepared { candidate.prepare(signing: false) }
                return candidate
            }
        }
        var sites: [[String: String]] = []
        for prepared in [false, true] {
            let folder = try TemporaryFolder()
            let store = try StateStore(directory: folder.url.appendingPathComponent(".finews"))
            let first = try publisher(store, root: folder.url, groupSize: 8)
            _ = try await first.publish(candidates(entries(version: "v1"), codes: ["A1", "B1", "C1"], prepared: prepared))
            try await first.finish()
            let second = try laterCycle(store, root: folder.url)
            let result = try await second.publish(
                candidates(entries(version: "v2"), codes: ["A2", "B2", "C2"], prepared: prepared))
            try await second.finish()
            #expect(result == PublishResult(updated: 3))
            let posts = folder.url.appendingPathComponent("_posts")
            var site: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: posts.path) {
                site[name] = try String(contentsOf: posts.appendingPathComponent(name), encoding: .utf8)
            }
            sites.append(site)
        }
        #expect(sites[0].count == 3)
        #expect(sites[0] == sites[1])
        #expect(sites[1]["2022-03-02-C1.md"]?.contains("title: \"C1\"") == true, "the untitled story keeps its first code as title")
    }
}
