public import FinewsConfig
public import Foundation
public import Logging
import FinewsStore
public import FinewsNormalize
public import FinewsFetch
import FinewsParse
import FinewsExtract

/// What one refresh cycle did, for the summary line, the exit code, the scheduler
/// and `finews status`.
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
    /// Every feed checked, in configuration order.
    public var feeds: [FeedReport] = []
    /// Posts moved into the archive folder at the end of the cycle.
    public var postsArchived = 0
    /// Stories whose full text could not be fetched; their posts keep the feed's
    /// content and the next cycle tries again.
    public var fullTextsMissing = 0
    /// Stories left out by a `block` or `keep` rule this cycle (recorded, so never again).
    public var blocked = 0
    /// New stories that were near-copies of one written earlier (`[dedupe] similar`).
    public var similar = 0
    /// What was done with them: not written (`skip`) or written marked (`mark`).
    public var similarMode: NearDuplicatePolicy.Mode = .off
    public var elapsed: Duration = .zero
    /// The files the cycle wrote, rewrote or moved (both paths of a move), relative
    /// to the site root, for the after-write hook.
    public var changedFiles: [String] = []
    /// How the `[hooks] after_write` command ended; nil when it did not run.
    public var hook: HookOutcome?

    /// `3 feeds ok, 0 failed; 1 new post, 0 updated; 2 duplicates skipped; 0.04s`.
    public var line: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let time = String(format: "%.2fs", seconds)
        return "\(feedsOK) feed\(feedsOK == 1 ? "" : "s") ok, \(feedsFailed) failed; "
            + "\(postsNew) new post\(postsNew == 1 ? "" : "s"), \(postsUpdated) updated; "
            + "\(duplicates) duplicate\(duplicates == 1 ? "" : "s") skipped; "
            + (blocked > 0 ? "\(blocked) blocked; " : "")
            + (similarMode == .skip ? "\(similar) similar skipped; " : "")
            + (similarMode == .mark ? "\(similar) marked similar; " : "")
            + (postsArchived > 0 ? "\(postsArchived) archived; " : "")
            + (fullTextsMissing > 0 ? "\(fullTextsMissing) full text\(fullTextsMissing == 1 ? "" : "s") missing "
                + "(tried again next cycle); " : "")
            + time
    }
}

/// What a cycle found for one feed and when it checks the feed again.
public struct FeedReport: Sendable {
    /// How the check went.
    public enum Result: String, Sendable, Hashable {
        /// A new body was parsed.
        case fetched
        /// The server answered 304 Not Modified.
        case notModified = "not-modified"
        /// The body was the same as last time, so it was not parsed again.
        case unchanged
        /// The feed failed; see ``FeedReport/message``.
        case failed
    }

    public var name: String
    public var result: Result
    /// Why the feed failed.
    public var message: String?
    /// The HTTP status of the response (0 for a local file), when one arrived.
    public var httpStatus: Int?
    /// The server's `Retry-After`, in seconds.
    public var retryAfter: Int?
    /// The hints the next interval was computed from.
    public var hints: ScheduleHints
    public var postsNew: Int
    public var postsUpdated: Int
    /// The interval chosen for the feed and when it is next due.
    public var interval: ScheduledInterval
    public var nextCheck: Date
    /// Seconds from the start of the cycle's fetching to the feed's result.
    public var fetchSeconds: Double? = nil
}

/// The live state of a cycle, for a progress bar and the daemon's watchdog.
public struct RefreshProgress: Sendable, Hashable {
    /// What the cycle is doing.
    public enum Phase: Sendable, Hashable {
        /// Another process holds the lock (`holder` is `pid N`).
        case waitingForLock(holder: String)
        case fetching
        case writing
    }

    public var phase: Phase
    /// Feeds whose fetch has ended, of ``feedsTotal``.
    public var feedsDone: Int
    public var feedsTotal: Int
    /// Stories not seen before, found so far.
    public var postsNew: Int
}

/// One pass of the pipeline over the configured feeds: fetch, parse, normalize,
/// deduplicate, write, record (DESIGN.md §1). The daemon and `finews refresh` both
/// run it, under the same lock.
public struct RefreshCycle: Sendable {
    /// Which feeds to check and how to behave while doing so.
    public struct Options: Sendable {
        /// Only these feeds (all when empty).
        public var feedNames: [String] = []
        /// Wait for another cycle holding the lock instead of failing.
        public var wait = true
        /// Only the feeds due at this time, as stored in the state once the lock is
        /// held (so that a feed just checked by another runner is skipped).
        public var dueBy: Date?
        /// Asks the cycle to stop: fetching in progress is discarded and nothing is
        /// recorded. Writing, once begun, is finished.
        public var stop: StopRequest?
        /// Called as the cycle goes on, from any thread.
        public var progress: (@Sendable (RefreshProgress) -> Void)?

        /// Creates options.
        public init(
            feedNames: [String] = [], wait: Bool = true, dueBy: Date? = nil, stop: StopRequest? = nil,
            progress: (@Sendable (RefreshProgress) -> Void)? = nil
        ) {
            self.feedNames = feedNames
            self.wait = wait
            self.dueBy = dueBy
            self.stop = stop
            self.progress = progress
        }
    }

    private let config: Config
    private let logger: Logger
    private let fetcher: FeedFetcher?
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    /// Creates a cycle for `config`. `fetcher` is reused when given (the daemon keeps
    /// one across cycles for its connections); otherwise each run makes its own.
    /// `now` and `random` (a number in `0..<1`, for the jitter) are injectable for tests.
    public init(
        config: Config, logger: Logger, fetcher: FeedFetcher? = nil, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { JitterSource.shared.next() }
    ) {
        self.config = config
        self.logger = logger
        self.fetcher = fetcher
        self.now = now
        self.random = random
    }

    /// Runs the cycle for the named feeds (all when `feedNames` is empty).
    /// - Throws: see ``run(_:)``.
    public func run(feedNames: [String] = [], wait: Bool = true) async throws(RefreshError) -> RefreshSummary {
        try await run(Options(feedNames: feedNames, wait: wait))
    }

    /// Runs the cycle.
    /// - Throws: ``RefreshError`` when the cycle as a whole cannot run or its posts
    ///   cannot be written, or `.cancelled` when stopped before writing. Failing feeds
    ///   are reported in the summary instead.
    public func run(_ options: Options) async throws(RefreshError) -> RefreshSummary {
        let clock = ContinuousClock()
        let start = clock.now
        var feeds = try selectFeeds(options.feedNames)
        let stateDirectory = config.stateDirectory
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw RefreshError(.io, "cannot create \(stateDirectory.path): \(error.localizedDescription)")
        }
        let total = feeds.count
        var onWait: (@Sendable (String) -> Void)?
        if let progress = options.progress {
            onWait = { holder in
                progress(RefreshProgress(phase: .waitingForLock(holder: holder), feedsDone: 0, feedsTotal: total,
                                         postsNew: 0))
            }
        }
        let lock = try await CycleLock.acquire(
            at: stateDirectory.appendingPathComponent("lock"), wait: options.wait, stop: options.stop, onWait: onWait)
        defer { withExtendedLifetime(lock) {} }

        let state: StateStore
        do {
            state = try StateStore(directory: stateDirectory)
        } catch {
            throw RefreshError(state: error, config: config)
        }
        let feedStates = try await stateCall { () async throws(StoreError) in try await state.feedStates() }
        if let dueBy = options.dueBy {
            feeds = feeds.filter { feed in
                let stored = feedStates[feed.name]
                let due = stored.flatMap { config.dueTime(of: feed, state: $0) }
                return due.map { $0 <= dueBy } ?? true
            }
        }
        var summary = RefreshSummary()
        let publishing = CyclePublishing(config: config, logger: logger, now: now)
        do {
            if !feeds.isEmpty {
                summary = try await process(feeds, feedStates: feedStates, state: state, options: options)
            }
            // Rotation runs on every cycle, under the same lock.
            let moved = try await rotatePosts(state: state)
            summary.postsArchived = moved.count
            summary.changedFiles = CyclePublishing.changedFiles(written: summary.changedFiles, moved: moved)
        } catch {
            publishing.cycleFailed(error)
            throw error
        }
        summary.elapsed = clock.now - start
        // The hook and the metrics come once the cycle's writes are on disk and
        // recorded, still under the lock (see CyclePublishing).
        await publishing.afterWrite(&summary, stop: options.stop, progress: options.progress)
        return summary
    }

    /// `finews archive`: moves posts older than `archive_after` into `archive_dir`
    /// now, under the cycle lock. Returns how many moved.
    public func archiveOldPosts(wait: Bool = true) async throws(RefreshError) -> Int {
        let stateDirectory = config.stateDirectory
        guard FileManager.default.fileExists(atPath: stateDirectory.path) else { return 0 }
        let lock = try await CycleLock.acquire(at: stateDirectory.appendingPathComponent("lock"), wait: wait)
        defer { withExtendedLifetime(lock) {} }

        let state: StateStore
        do {
            state = try StateStore(directory: stateDirectory)
        } catch {
            throw RefreshError(state: error, config: config)
        }
        var summary = RefreshSummary()
        let moved = try await rotatePosts(state: state)
        summary.postsArchived = moved.count
        summary.changedFiles = CyclePublishing.changedFiles(written: [], moved: moved)
        await CyclePublishing(config: config, logger: logger, now: now).runHook(&summary, stop: nil, progress: nil)
        return moved.count
    }

    /// Moves the posts under `_posts/` whose day is older than `archive_after` into
    /// `archive_dir`, then records their new paths. A move that a crash left
    /// unrecorded (the file is already in the archive folder) is recorded now; a
    /// post whose file was deleted is left alone.
    private func rotatePosts(state: StateStore) async throws(RefreshError) -> [(from: String, to: String)] {
        let age = config.site.archiveAfter
        guard age > 0 else { return [] }
        // Only posts named for a day before the cutoff's can be old enough; Rotation
        // decides which are.
        let bound = Rotation.candidateBound(olderThan: age, now: now())
        let posts = try await stateCall { () async throws(StoreError) in
            try await state.posts(under: "_posts", namedBefore: bound)
        }
        let moves = Rotation.moves(
            for: posts, archiveDir: config.site.archiveDir, olderThan: age, now: now(), timeZone: config.site.timeZone)
        guard !moves.isEmpty else { return [] }
        let root = config.site.output
        var toMove: [(from: String, to: String)] = []
        var recorded: [(infoCode: InfoCode, path: String)] = []
        for move in moves {
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(move.from).path) {
                toMove.append((move.from, move.to))
                recorded.append((move.infoCode, move.to))
            } else if FileManager.default.fileExists(atPath: root.appendingPathComponent(move.to).path) {
                recorded.append((move.infoCode, move.to))
            }
        }
        let writer = ArchiveWriter(root: root, stateDirectory: config.stateDirectory)
        do {
            try writer.move(toMove)
        } catch {
            throw RefreshError(.write, "\(error.message); the next cycle finishes the rotation")
        }
        try await stateCall { () async throws(StoreError) in try await state.movePosts(recorded) }
        return toMove
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

    /// The documents' bytes that may wait, parsed, for an earlier feed (in
    /// feeds.conf order) to finish before later ones are taken out of order.
    static let reorderBudget = 16 << 20

    /// Streams the feeds through the pipeline: each feed is parsed (and its full
    /// texts fetched) as soon as its fetch ends, then published in feeds.conf order —
    /// so that a story carried by two feeds is always taken from the one listed first
    /// — while later feeds are still being fetched. Only the feeds that arrived ahead
    /// of an earlier one wait, parsed, up to ``reorderBudget`` bytes; past that the
    /// earliest of them go ahead. Every post is freed once it is staged; every group
    /// of posts is recorded once it is on disk (``Publisher``).
    private func process(
        _ feeds: [Config.Feed], feedStates: [String: FeedState], state: StateStore, options: Options
    ) async throws(RefreshError) -> RefreshSummary {
        let cycleTime = now()
        let fetcher = self.fetcher ?? FeedFetcher(configuration: .init(
            concurrency: config.fetch.concurrency, perHost: config.fetch.perHost,
            userAgent: config.fetch.userAgent ?? FeedFetcher.defaultUserAgent))
        // A feed with stories still waiting for their full text is fetched and parsed
        // again even when it has not changed, so that those stories are tried again.
        var readStates = feedStates
        let fullTextFeeds = Set(feeds.filter { $0.fullText != nil }.map(\.name))
        if !fullTextFeeds.isEmpty {
            let awaiting = try await stateCall { () async throws(StoreError) in
                try await state.feedsAwaitingFullText(
                    maximumFailures: FullTextFetching.maximumFailures,
                    since: cycleTime.addingTimeInterval(-FullTextFetching.retryWindow))
            }
            for name in awaiting where fullTextFeeds.contains(name) {
                readStates[name]?.etag = nil
                readStates[name]?.lastModified = nil
                readStates[name]?.bodyHash = nil
            }
        }
        var requests = feeds.map { feed in fetchRequest(for: feed, state: readStates[feed.name]) }
        options.progress?(RefreshProgress(phase: .fetching, feedsDone: 0, feedsTotal: feeds.count, postsNew: 0))
        // Flow control: at most this many feeds are fetched and not yet published, so
        // that a cycle whose writing falls behind its fetching holds the fetching back.
        let window = FetchWindow(size: max(64, 4 * config.fetch.concurrency))
        let (arrivals, delivery) = AsyncStream<ReadFeed>.makeStream()
        let results = fetcher.fetch(requests, window: window)
        requests = []  // the fetcher keeps its own copy
        let reading = Task {
            await self.read(feeds, results: results, with: fetcher, window: window, feedStates: readStates,
                            state: state, cycleTime: cycleTime, into: delivery)
        }
        // A stop cancels the fetching; what was read until then is still published.
        let stopWatch = Task {
            await options.stop?.wait()
            if options.stop?.isRequested == true { reading.cancel() }
        }
        defer {
            reading.cancel()
            stopWatch.cancel()
        }

        // The publisher is made while the first answers are on their way: nothing
        // is published before it exists.
        let knownCategories = try await stateCall { () async throws(StoreError) in try await state.categories() }
        let slugs = try await slugRegistry(state: state, knownCategories: knownCategories.keys)
        let renderer = PostRenderer(baseURL: config.site.baseURL, timeZone: config.site.timeZone,
                                    options: config.post.rendererOptions)
        let publisher: Publisher
        do {
            publisher = try Publisher(
                state: state, writer: ArchiveWriter(root: config.site.output, stateDirectory: config.stateDirectory),
                renderer: renderer, cycleTime: cycleTime, slugs: slugs, categories: knownCategories,
                feeds: Set(config.feeds.map(\.name)), nearDuplicates: config.dedupe,
                keepsStagedPaths: config.hooks.afterWrite != nil)
        } catch {
            throw RefreshError(.write, "\(error.message); nothing was marked as seen, the next refresh tries again")
        }

        var summary = RefreshSummary()
        summary.similarMode = config.dedupe.mode
        var reports = [FeedReport?](repeating: nil, count: feeds.count)
        var waiting: [Int: ReadFeed] = [:]
        var waitingBytes = 0
        var nextIndex = 0
        var done = 0
        func take(_ read: ReadFeed) async throws(RefreshError) {
            let feed = feeds[read.index]
            var published = PublishResult()
            var outcome = read.outcome
            if case .success(var fetched) = outcome {
                do {
                    published = try await publisher.publish(fetched.candidates)
                } catch {
                    if error.code == .damaged { throw RefreshError(state: error, config: config) }
                    throw RefreshError(.write, "\(error.message); the stories not yet recorded are written again by the next refresh")
                }
                fetched.candidates = []
                outcome = .success(fetched)
            }
            summary.postsNew += published.new
            summary.postsUpdated += published.updated
            summary.duplicates += published.duplicates
            summary.fullTextsMissing += published.fullTextsMissing
            summary.blocked += published.blocked
            summary.similar += published.similar
            var (feedState, report) = record(
                feed, read: outcome, previous: feedStates[feed.name] ?? FeedState(), cycleTime: cycleTime,
                postsNew: published.new, postsUpdated: published.updated)
            switch report.result {
            case .failed:
                let message = report.message ?? "failed"
                summary.feedsFailed += 1
                summary.failures.append(.init(feed: feed.name, message: message))
                logger.info("feed failed", metadata: ["feed": "\(feed.name)", "reason": "\(message)"])
            case .unchanged, .notModified:
                summary.feedsOK += 1
                // Not parsed again: every entry of the unchanged body is a story already handled.
                summary.duplicates += feedState.entryCount
            case .fetched:
                summary.feedsOK += 1
            }
            report.fetchSeconds = read.fetchSeconds
            reports[read.index] = report
            publisher.record(feed: feed.name, state: feedState)
            window.release()
            done += 1
            options.progress?(RefreshProgress(phase: .fetching, feedsDone: done, feedsTotal: feeds.count,
                                              postsNew: summary.postsNew))
        }
        for await read in arrivals {
            waiting[read.index] = read
            waitingBytes += read.weight
            while let head = waiting.removeValue(forKey: nextIndex) {
                waitingBytes -= head.weight
                nextIndex += 1
                try await take(head)
            }
            // An earlier feed is slow: past the budget (or half the window, which would
            // otherwise hold the fetching back), the earliest of those that wait for it go ahead.
            while waitingBytes > Self.reorderBudget || waiting.count > window.size / 2,
                  let earliest = waiting.keys.min(),
                  let ahead = waiting.removeValue(forKey: earliest) {
                waitingBytes -= ahead.weight
                try await take(ahead)
            }
        }
        for index in waiting.keys.sorted() {
            if let read = waiting.removeValue(forKey: index) { try await take(read) }
        }
        let stopped = options.stop?.isRequested == true || Task.isCancelled
        options.progress?(RefreshProgress(phase: .writing, feedsDone: done, feedsTotal: feeds.count,
                                          postsNew: summary.postsNew))
        do {
            try await publisher.finish()
        } catch {
            if error.code == .damaged { throw RefreshError(state: error, config: config) }
            throw RefreshError(.write, "\(error.message); the stories not yet recorded are written again by the next refresh")
        }
        summary.changedFiles = publisher.stagedPaths
        if stopped {
            throw RefreshError(.cancelled, "the refresh was stopped; the \(done) feeds read so far were recorded, the others are checked next time")
        }
        summary.feeds = reports.compactMap { $0 }
        return summary
    }

    /// The conditional GET of `feed`, with the validators of its stored `state`.
    func fetchRequest(for feed: Config.Feed, state: FeedState?) -> FetchRequest {
        var request = FetchRequest(
            key: feed.name, url: feed.url, etag: state?.etag, lastModified: state?.lastModified, userAgent: feed.userAgent,
            timeout: .seconds(feed.timeout ?? config.fetch.timeout), maxSize: feed.maxSize ?? config.fetch.maxSize,
            privateNetworks: config.fetch.privateNetworks(for: feed))
        request.applyHTTPSettings(of: feed)
        // A JSON API or an HTML list page is not a feed, and is not refused as one.
        if feed.list != nil { request.expectsFeed = false }
        return request
    }

    /// The outlets' slugs as stored, with the `[slugs]` overrides and the names a new
    /// slug must not take: existing categories, plain categories in feeds.conf, and
    /// the names that templated feeds fall back to.
    private func slugRegistry(
        state: StateStore, knownCategories: some Sequence<String>
    ) async throws(RefreshError) -> SlugRegistry {
        let stored = try await stateCall { () async throws(StoreError) in try await state.slugs() }
        var reserved = Set(knownCategories)
        for feed in config.feeds {
            reserved.insert(feed.categoryTemplate.plainText ?? feed.name)
        }
        return SlugRegistry(stored: stored, overrides: config.slugOverrides, reserved: reserved)
    }

    /// The state to store for `feed` after this cycle, and the report on it.
    func record(
        _ feed: Config.Feed, read: Result<FeedOutcome, FeedFailure>, previous: FeedState, cycleTime: Date,
        postsNew: Int, postsUpdated: Int
    ) -> (FeedState, FeedReport) {
        var feedState = previous
        feedState.lastCheck = cycleTime
        feedState.postsWritten += postsNew
        let settings = config.scheduleSettings(for: feed)
        let interval: ScheduledInterval
        let result: FeedReport.Result
        var message: String?
        switch read {
        case .failure(let failure):
            message = failure.message
            result = .failed
            feedState.consecutiveErrors += 1
            feedState.lastError = failure.message
            feedState.lastStatus = failure.httpStatus
            feedState.retryAfter = failure.retryAfter
            interval = SchedulePolicy.afterFailure(
                settings: settings, hints: feedState.hints, errors: feedState.consecutiveErrors,
                retryAfter: failure.retryAfter, random: random())
        case .success(let outcome):
            result = outcome.result
            feedState.consecutiveErrors = 0
            feedState.lastError = nil
            feedState.lastStatus = outcome.httpStatus
            feedState.retryAfter = nil
            // The fetcher returns the validators to keep (none after `Expires: 0`).
            feedState.etag = outcome.validators.etag
            feedState.lastModified = outcome.validators.lastModified
            if let bodyHash = outcome.bodyHash { feedState.bodyHash = bodyHash }
            if outcome.result == .fetched {
                feedState.entryCount = outcome.entryCount
                feedState.hintTTL = outcome.ttl
                feedState.hintSyndication = outcome.syndication
            }
            feedState.hintMaxAge = outcome.cacheMaxAge
            interval = SchedulePolicy.afterSuccess(settings: settings, hints: feedState.hints, random: random())
        }
        let nextCheck = cycleTime.addingTimeInterval(interval.delay)
        feedState.lastResult = result.rawValue
        feedState.nextCheck = nextCheck
        feedState.intervalSeconds = interval.seconds
        feedState.intervalReason = interval.reason.rawValue
        let report = FeedReport(
            name: feed.name, result: result, message: message, httpStatus: feedState.lastStatus,
            retryAfter: feedState.retryAfter, hints: feedState.hints, postsNew: postsNew, postsUpdated: postsUpdated,
            interval: interval, nextCheck: nextCheck)
        return (feedState, report)
    }

    // MARK: Fetching and reading

    /// A feed whose fetch has ended, read into candidates (its full texts fetched),
    /// waiting for its turn to be published.
    private struct ReadFeed: Sendable {
        /// The feed's position in the cycle's list.
        var index: Int
        var outcome: Result<FeedOutcome, FeedFailure>
        /// The document's size: what holding it costs, roughly.
        var weight: Int
        /// Seconds from the start of fetching to the feed's result.
        var fetchSeconds: Double?
    }

    /// Fetches every feed and reads each as its fetch ends, delivering it to the
    /// publishing loop; a feed of a full-text source is delivered once its stories'
    /// texts are fetched, without holding up the others. Cancelling the task cancels
    /// the transfers; the feeds read by then are delivered.
    private func read(
        _ feeds: [Config.Feed], results: AsyncStream<FetchResult>, with fetcher: FeedFetcher, window: FetchWindow,
        feedStates: [String: FeedState], state: StateStore, cycleTime: Date,
        into delivery: AsyncStream<ReadFeed>.Continuation
    ) async {
        var indexes: [String: Int] = [:]
        for (index, feed) in feeds.enumerated() where indexes[feed.name] == nil { indexes[feed.name] = index }
        // Only full-text feeds are looked up by name (a feed's settings are large; 20,000 copies add up).
        let byName = Dictionary(feeds.lazy.filter { $0.fullText != nil }.map { ($0.name, $0) },
                                uniquingKeysWith: { first, _ in first })
        // A discarding group frees each child as it ends: a plain task group keeps
        // every finished child until its result is awaited — a few kilobytes a feed,
        // all of them until the cycle's end.
        await withDiscardingTaskGroup { group in
            var delivered: Set<Int> = []
            let fetchStart = ContinuousClock.now
            for await result in results {
                guard let index = indexes[result.key], delivered.insert(index).inserted else {
                    window.release()
                    continue
                }
                let fetchSeconds = (ContinuousClock.now - fetchStart).inSeconds
                let feed = feeds[index]
                if let moved = result.permanentRedirect {
                    logger.notice("feed moved permanently; update its url in feeds.conf",
                                  metadata: ["feed": "\(result.key)", "url": "\(result.url)", "new_url": "\(moved)"])
                }
                // Parsed, a document takes about twice its bytes.
                var weight = 0
                if case .success(.fetched(let document)) = result.outcome { weight = 2 * document.body.count }
                let previous = feedStates[feed.name] ?? FeedState()
                guard case .success(.fetched) = result.outcome else {
                    // Nothing to parse: a 304 or a failure goes straight to the publisher.
                    let outcome = self.read(feed, result: result, previous: previous)
                    delivery.yield(ReadFeed(index: index, outcome: outcome, weight: weight, fetchSeconds: fetchSeconds))
                    continue
                }
                // Each body is parsed and its new stories prepared in a task of its own,
                // so that both cores parse and sanitize while the publisher, which takes
                // the feeds in order, only files, renders and writes. The fetch window
                // bounds how many are in flight.
                group.addTask {
                    var prepared = self.read(feed, result: result, previous: previous)
                    if case .success(let fetched) = prepared, !fetched.candidates.isEmpty {
                        self.logger.debug("feed read", metadata: ["feed": "\(feed.name)", "entries": "\(fetched.entryCount)"])
                        if feed.fullText != nil {
                            prepared = await self.fetchFullTexts(
                                of: fetched, feeds: byName, state: state, fetcher: fetcher, cycleTime: cycleTime)
                        }
                        if case .success(let withTexts) = prepared {
                            // A feed never read before (a cold refresh) has no stories of
                            // its own in the state: all are prepared, without asking it.
                            prepared = await Self.prepareNewStories(
                                of: withTexts, state: state, firstRead: previous.bodyHash == nil,
                                signing: self.config.dedupe.isOn)
                        }
                    }
                    delivery.yield(ReadFeed(index: index, outcome: prepared, weight: weight, fetchSeconds: fetchSeconds))
                }
            }
        }
        delivery.finish()
    }

    /// The feed's candidates with their full text (``FullTextFetching``): for the
    /// stories not written yet, or whose text is still missing. A state that cannot
    /// be read fails the feed, which is checked again next cycle.
    private func fetchFullTexts(
        of outcome: FeedOutcome, feeds: [String: Config.Feed], state: StateStore, fetcher: FeedFetcher, cycleTime: Date
    ) async -> Result<FeedOutcome, FeedFailure> {
        var outcome = outcome
        let found: (posts: [InfoCode: StoredPost], aliases: [String: InfoCode])
        do {
            found = try await state.stories(
                codes: outcome.candidates.map(\.infoCode), aliases: outcome.candidates.flatMap(\.aliases))
        } catch {
            return .failure(FeedFailure("cannot read the state: \(error.message)"))
        }
        var stored: [InfoCode: StoredPost] = [:]
        for candidate in outcome.candidates {
            let code = found.posts[candidate.infoCode] != nil
                ? candidate.infoCode : candidate.aliases.lazy.compactMap { found.aliases[$0] }.first
            if let code, let post = found.posts[code] { stored[candidate.infoCode] = post }
        }
        let jobs = FullTextFetching.jobs(
            for: outcome.candidates.lazy.filter { !$0.isBlocked }.map { ($0.infoCode, $0.feed, $0.entry) }, feeds: feeds,
            stored: stored,
            now: cycleTime)
        guard !jobs.isEmpty else { return .success(outcome) }
        let texts = await FullTextFetching(logger: logger).run(jobs, with: fetcher, feeds: feeds, fetch: config.fetch)
        for index in outcome.candidates.indices {
            switch texts[outcome.candidates[index].infoCode] {
            case .fetched(let html, let pageURL)?:
                outcome.candidates[index].fullText = .fetched(html: html, pageURL: pageURL)
            case .failed(_, let reason)?:
                outcome.candidates[index].fullText = .failed(reason: reason)
            case nil:
                break
            }
        }
        return .success(outcome)
    }

    /// The feed's candidates, those new to the state prepared (``StoryCandidate/prepare(signing:)``:
    /// their post's text, and with `signing` their signature for `[dedupe] similar`).
    /// A story the state knows by one of its keys is most likely a duplicate, so it is
    /// left to the publisher; a state that cannot be read fails the feed, checked again
    /// next cycle. With `firstRead` every story is prepared and the state is not asked:
    /// a story prepared in vain (one another feed wrote) costs less than the lookup.
    static func prepareNewStories(
        of outcome: FeedOutcome, state: StateStore, firstRead: Bool, signing: Bool
    ) async -> Result<FeedOutcome, FeedFailure> {
        var outcome = outcome
        var found: (posts: [InfoCode: StoredPost], aliases: [String: InfoCode]) = ([:], [:])
        if !firstRead {
            do {
                found = try await state.stories(
                    codes: outcome.candidates.map { $0.infoCode }, aliases: outcome.candidates.flatMap { $0.aliases })
            } catch {
                return .failure(FeedFailure("cannot read the state: \(error.message)"))
            }
        }
        for index in outcome.candidates.indices {
            let candidate = outcome.candidates[index]
            guard !candidate.isBlocked, found.posts[candidate.infoCode] == nil,
                  !candidate.aliases.contains(where: { found.aliases[$0] != nil }) else { continue }
            outcome.candidates[index].prepare(signing: signing)
        }
        return .success(outcome)
    }

    struct FeedOutcome: Sendable {
        var result: FeedReport.Result
        var validators: Validators
        var bodyHash: String?
        var candidates: [StoryCandidate]
        /// How many entries the body held (kept when the candidates are handed on).
        var entryCount = 0
        var httpStatus: Int?
        var cacheMaxAge: Int?
        /// The hints of a parsed body, in seconds.
        var ttl: Int?
        var syndication: Int?
    }

    /// Turns a fetch result into candidate posts, or a one-line reason the feed failed.
    func read(_ feed: Config.Feed, result: FetchResult, previous: FeedState) -> Result<FeedOutcome, FeedFailure> {
        let document: FetchedDocument
        switch result.outcome {
        case .failure(let error):
            return .failure(FeedFailure(
                error.message, httpStatus: error.httpStatus,
                retryAfter: error.retryAfter.map { Int($0.components.seconds) }))
        case .success(.notModified(let validators)):
            return .success(FeedOutcome(result: .notModified, validators: validators, candidates: [], httpStatus: 304,
                                        cacheMaxAge: result.cacheMaxAge))
        case .success(.fetched(let fetched)):
            document = fetched
        }
        let bodyHash = ContentHash.of(document.body)
        if bodyHash == previous.bodyHash {
            return .success(FeedOutcome(result: .unchanged, validators: document.validators, bodyHash: bodyHash,
                                        candidates: [], httpStatus: document.status, cacheMaxAge: result.cacheMaxAge))
        }
        let parsed: FinewsParse.Feed
        switch Self.parse(document, as: feed, timeZone: config.site.timeZone) {
        case .success(let feed): parsed = feed
        case .failure(let failure): return .failure(failure)
        }
        // An entry cut off by a truncated document is never published; it comes
        // back whole once the publisher serves the full feed.
        let entries = parsed.entries.filter(\.isComplete)
        let codes = InfoCodeAssigner(feedName: feed.name, pattern: feed.infocodePattern, codeFromID: feed.list != nil)
            .assign(entries)
        let filter = config.storyFilter(for: feed)
        let filing = feed.filing
        // Each entry's category and tag come from `filing`; these are only the feed's defaults.
        let normalizer = Normalizer(settings: .init(category: feed.name, tag: feed.name))
        let aliases = StoryKeys.aliases(for: entries, feedLink: parsed.link, feedURL: document.finalURL)
        var candidates: [StoryCandidate] = []
        candidates.reserveCapacity(entries.count)
        for ((entry, code), keys) in zip(zip(entries, codes), aliases) {
            var candidate = StoryCandidate(
                feed: feed.name, infoCode: code, aliases: keys, entry: entry, normalizer: normalizer, filing: filing,
                feedTitle: parsed.title)
            if !filter.isEmpty, let reason = filter.rejection(of: entry) {
                candidate.isBlocked = true
                logger.debug("story left out", metadata: ["feed": "\(feed.name)", "infoCode": "\(code)", "rule": "\(reason)"])
            }
            candidates.append(candidate)
        }
        return .success(FeedOutcome(
            result: .fetched, validators: document.validators, bodyHash: bodyHash, candidates: candidates,
            entryCount: candidates.count, httpStatus: document.status, cacheMaxAge: result.cacheMaxAge,
            ttl: parsed.ttlMinutes.flatMap { $0 > 0 ? $0 * 60 : nil },
            syndication: ScheduleHints.syndicationSeconds(
                periodSeconds: parsed.updatePeriod?.seconds, frequency: parsed.updateFrequency)))
    }

    /// A fetched document read as its feed's format says: a feed (sniffed), or a
    /// JSON API answer or HTML list page read by its `items` and `item.*`.
    static func parse(
        _ document: FetchedDocument, as feed: Config.Feed, timeZone: TimeZone
    ) -> Result<FinewsParse.Feed, FeedFailure> {
        if let list = feed.list {
            do {
                return .success(try StoryListReader(mapping: list, defaultTimeZone: timeZone)
                    .read(document.body, charset: document.charset, pageURL: document.finalURL))
            } catch {
                return .failure(FeedFailure("\(feed.urlAsWritten): \(error.message)", httpStatus: document.status))
            }
        }
        do {
            // Relative links resolve against the URL the document came from, after
            // redirects (a local file's own path is no base for a published link).
            let documentURL = document.finalURL.hasPrefix("http") ? URL(string: document.finalURL) : nil
            let parser = FeedParser(options: .init(
                httpCharset: document.charset, defaultTimeZone: timeZone, documentURL: documentURL))
            return .success(try parser.parse(document.body))
        } catch {
            return .failure(FeedFailure("\(feed.urlAsWritten): \(error.message)", httpStatus: document.status))
        }
    }

    private func stateCall<T>(_ body: () async throws(StoreError) -> T) async throws(RefreshError) -> T {
        do {
            return try await body()
        } catch {
            throw RefreshError(state: error, config: config)
        }
    }
}

/// A feed's one-line failure reason, as an error so it fits in a `Result`, with
/// what the scheduler needs from it.
struct FeedFailure: Error {
    var message: String
    var httpStatus: Int?
    /// The server's `Retry-After`, in seconds.
    var retryAfter: Int?

    init(_ message: String, httpStatus: Int? = nil, retryAfter: Int? = nil) {
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }
}

extension FeedState {
    /// The stored hints, as the schedule policy takes them.
    var hints: ScheduleHints {
        ScheduleHints(ttl: hintTTL, syndication: hintSyndication, cacheMaxAge: hintMaxAge)
    }
}
