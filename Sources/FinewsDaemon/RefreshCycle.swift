public import Foundation
public import Logging
import FinewsArchive
import FinewsFetch
import FinewsParse

/// What one refresh cycle did, for the summary line and the exit code.
public struct RefreshSummary: Sendable {
    /// A feed that failed, with a one-line reason.
    public struct Failure: Sendable, Hashable {
        public var feed: String
        public var message: String
    }

    public var feedsOK = 0
    public var feedsFailed = 0
    public var postsNew = 0
    public var postsUpdated = 0
    /// Entries skipped because their story was already written (this cycle or before).
    public var duplicates = 0
    public var failures: [Failure] = []
    public var elapsed: Duration = .zero

    /// `3 feeds ok, 0 failed; 1 new post, 0 updated; 2 duplicates skipped; 0.04s`.
    public var line: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let time = String(format: "%.2fs", seconds)
        return "\(feedsOK) feed\(feedsOK == 1 ? "" : "s") ok, \(feedsFailed) failed; "
            + "\(postsNew) new post\(postsNew == 1 ? "" : "s"), \(postsUpdated) updated; "
            + "\(duplicates) duplicate\(duplicates == 1 ? "" : "s") skipped; \(time)"
    }
}

/// One pass of the pipeline over the configured feeds: fetch, parse, normalize,
/// deduplicate, write, record (DESIGN.md §1).
public struct RefreshCycle: Sendable {
    private let config: Config
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// Creates a cycle for `config`; `now` is injectable for tests.
    public init(config: Config, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.logger = logger
        self.now = now
    }

    /// Runs the cycle for the named feeds (all when `feedNames` is empty).
    /// - Parameter wait: wait for another cycle holding the lock instead of failing.
    /// - Throws: ``RefreshError`` when the cycle as a whole cannot run or its posts
    ///   cannot be written. Failing feeds are reported in the summary instead.
    public func run(feedNames: [String] = [], wait: Bool = true) async throws(RefreshError) -> RefreshSummary {
        let clock = ContinuousClock()
        let start = clock.now
        let feeds = try selectFeeds(feedNames)
        let stateDirectory = config.stateDirectory
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw RefreshError(.io, "cannot create \(stateDirectory.path): \(error.localizedDescription)")
        }
        let lock = try CycleLock.acquire(at: stateDirectory.appendingPathComponent("lock"), wait: wait)
        defer { withExtendedLifetime(lock) {} }

        let state: StateStore
        do {
            state = try StateStore(directory: stateDirectory)
        } catch {
            throw RefreshError(.state, error.message)
        }
        var summary = try await process(feeds, state: state)
        summary.elapsed = clock.now - start
        return summary
    }

    private func selectFeeds(_ names: [String]) throws(RefreshError) -> [Config.Feed] {
        guard !names.isEmpty else { return config.feeds }
        let known = Set(config.feeds.map(\.name))
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw RefreshError(.unknownFeed, "no feed named '\(unknown)' in \(config.file.path); `finews check` lists the problems of a config")
        }
        let wanted = Set(names)
        return config.feeds.filter { wanted.contains($0.name) }
    }

    private func process(_ feeds: [Config.Feed], state: StateStore) async throws(RefreshError) -> RefreshSummary {
        let cycleTime = now()
        let feedStates = try await stateCall { () async throws(ArchiveError) in try await state.feedStates() }
        let fetcher = FeedFetcher(configuration: .init(
            concurrency: config.fetch.concurrency, perHost: config.fetch.perHost,
            userAgent: config.fetch.userAgent ?? FeedFetcher.defaultUserAgent))
        let requests = feeds.map { feed in
            FetchRequest(
                key: feed.name, url: feed.url, etag: feedStates[feed.name]?.etag,
                lastModified: feedStates[feed.name]?.lastModified, userAgent: feed.userAgent,
                timeout: .seconds(feed.timeout ?? config.fetch.timeout), maxSize: feed.maxSize ?? config.fetch.maxSize)
        }
        let results = await fetcher.fetchAll(requests)
        var resultsByFeed: [String: FetchResult] = [:]
        for result in results where resultsByFeed[result.key] == nil {
            resultsByFeed[result.key] = result
            if let moved = result.permanentRedirect {
                logger.notice("feed moved permanently; update its url in feeds.conf",
                              metadata: ["feed": "\(result.key)", "url": "\(result.url)", "new_url": "\(moved)"])
            }
        }

        var summary = RefreshSummary()
        var batch = StateBatch()
        var candidates: [Candidate] = []
        for feed in feeds {
            var feedState = feedStates[feed.name] ?? FeedState()
            feedState.lastCheck = cycleTime
            switch read(feed, result: resultsByFeed[feed.name], previous: feedState) {
            case .failure(let failure):
                let message = failure.message
                summary.feedsFailed += 1
                summary.failures.append(.init(feed: feed.name, message: message))
                feedState.consecutiveErrors += 1
                feedState.lastError = message
                logger.info("feed failed", metadata: ["feed": "\(feed.name)", "reason": "\(message)"])
            case .success(let outcome):
                summary.feedsOK += 1
                feedState.consecutiveErrors = 0
                feedState.lastError = nil
                // The fetcher returns the validators to keep (none after `Expires: 0`).
                feedState.etag = outcome.validators.etag
                feedState.lastModified = outcome.validators.lastModified
                if let bodyHash = outcome.bodyHash { feedState.bodyHash = bodyHash }
                if outcome.unchanged {
                    // Not parsed again: every entry of the unchanged body is a story already handled.
                    summary.duplicates += feedState.entryCount
                } else {
                    feedState.entryCount = outcome.candidates.count
                }
                candidates += outcome.candidates
                logger.debug("feed read", metadata: ["feed": "\(feed.name)", "entries": "\(outcome.candidates.count)"])
            }
            batch.feeds.append((feed.name, feedState))
        }

        let stored = try await stateCall { () async throws(ArchiveError) in try await state.posts(for: candidates.map(\.infoCode)) }
        let knownCategories = try await stateCall { () async throws(ArchiveError) in try await state.knownCategories() }
        let renderer = PostRenderer(baseURL: config.site.baseURL, timeZone: config.site.timeZone)
        var files: [ArchiveFile] = []
        var codesThisCycle: Set<InfoCode> = []
        var categoryPages: [String: String] = [:]
        var categoryOrder: [String] = []
        for candidate in candidates {
            guard codesThisCycle.insert(candidate.infoCode).inserted else {
                summary.duplicates += 1
                continue
            }
            let previous = stored[candidate.infoCode]
            let firstSeen = previous?.firstSeen ?? cycleTime
            let post = candidate.normalizer.post(
                for: candidate.entry, infoCode: candidate.infoCode, firstSeen: firstSeen, now: cycleTime)
            let contents = Array(renderer.render(post).utf8)
            let hash = ContentHash.of(contents)
            if let previous, previous.contentHash == hash {
                summary.duplicates += 1
                continue
            }
            let path = previous?.path ?? renderer.relativePath(for: post)
            if previous == nil { summary.postsNew += 1 } else { summary.postsUpdated += 1 }
            files.append(ArchiveFile(relativePath: path, contents: contents))
            batch.posts.append((candidate.infoCode, candidate.feed,
                                StoredPost(path: path, contentHash: hash, firstSeen: firstSeen)))
            if !knownCategories.contains(post.category), categoryPages[post.category] == nil {
                categoryPages[post.category] = post.tag
                categoryOrder.append(post.category)
            }
        }
        for category in categoryOrder {
            let path = renderer.categoryPagePath(for: category)
            batch.categories.append(category)
            // A page the user made or edited is never overwritten.
            if FileManager.default.fileExists(atPath: config.site.output.appendingPathComponent(path).path) { continue }
            files.append(ArchiveFile(
                relativePath: path,
                contents: Array(renderer.renderCategoryPage(category: category, tag: categoryPages[category] ?? category).utf8)))
        }

        let writer = ArchiveWriter(root: config.site.output, stateDirectory: config.stateDirectory)
        do {
            try writer.write(files)
        } catch {
            throw RefreshError(.write, "\(error.message); nothing was marked as seen, the next refresh tries again")
        }
        try await stateCall { () async throws(ArchiveError) in try await state.commit(batch) }
        return summary
    }

    /// An entry that may become a post, with what is needed to render it.
    private struct Candidate {
        var feed: String
        var infoCode: InfoCode
        var entry: FeedEntry
        var normalizer: Normalizer
    }

    private struct FeedOutcome {
        var validators: Validators
        var bodyHash: String?
        var candidates: [Candidate]
        /// The server said 304, or sent the same body as last time: nothing was parsed.
        var unchanged = false
    }

    /// Turns a fetch result into candidate posts, or a one-line reason the feed failed.
    private func read(_ feed: Config.Feed, result: FetchResult?, previous: FeedState) -> Result<FeedOutcome, FeedFailure> {
        guard let result else { return .failure(FeedFailure("the fetch was cancelled")) }
        let document: FetchedDocument
        switch result.outcome {
        case .failure(let error):
            return .failure(FeedFailure(error.message))
        case .success(.notModified(let validators)):
            return .success(FeedOutcome(validators: validators, bodyHash: nil, candidates: [], unchanged: true))
        case .success(.fetched(let fetched)):
            document = fetched
        }
        let bodyHash = ContentHash.of(document.body)
        if bodyHash == previous.bodyHash {
            return .success(FeedOutcome(validators: document.validators, bodyHash: bodyHash, candidates: [], unchanged: true))
        }
        let parser = FeedParser(options: .init(httpCharset: document.charset, defaultTimeZone: config.site.timeZone))
        let parsed: FinewsParse.Feed
        do {
            parsed = try parser.parse(document.body)
        } catch {
            return .failure(FeedFailure("\(feed.urlAsWritten): \(error.message)"))
        }
        // An entry cut off by a truncated document is never published; it comes
        // back whole once the publisher serves the full feed.
        let entries = parsed.entries.filter(\.isComplete)
        let codes = InfoCodeAssigner(feedName: feed.name, pattern: feed.infocodePattern).assign(entries)
        let normalizer = Normalizer(settings: .init(category: feed.category, tag: feed.tag))
        let candidates = zip(entries, codes).map { entry, code in
            Candidate(feed: feed.name, infoCode: code, entry: entry, normalizer: normalizer)
        }
        return .success(FeedOutcome(validators: document.validators, bodyHash: bodyHash, candidates: candidates))
    }

    private func stateCall<T>(_ body: () async throws(ArchiveError) -> T) async throws(RefreshError) -> T {
        do {
            return try await body()
        } catch {
            throw RefreshError(.state, error.message)
        }
    }
}

/// A feed's one-line failure reason, as an error so it fits in a `Result`.
struct FeedFailure: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
