public import FinewsConfig
import FinewsCluster
import FinewsFetch
import FinewsNormalize
import FinewsParse
import FinewsStore
import Foundation
public import Logging
import Synchronization

/// One node of a cluster that shares a PostgreSQL state (`[state] database`).
///
/// The node leases due feeds, fetches and reads them, renders the posts of the
/// stories it does not find written, and claims each feed's stories and records
/// its check in one transaction. Feeds are recorded in feeds.conf order across the
/// cluster — a node records a feed once no lower feed is pending on another node, or
/// after a patience — so that a story carried by two feeds is taken from the one
/// listed first, as on a single node. The node holding the publisher lock writes
/// the claimed posts into the site (``SitePublisher``).
public final class ClusterNode: Sendable {
    private let config: Config
    private let logger: Logger
    private let database: ClusterDatabase
    private let fetcher: FeedFetcher
    private let reader: RefreshCycle
    private let renderer: PostRenderer
    private let slugs: Mutex<SlugRegistry>
    private let feedsByName: [String: Config.Feed]

    private init(config: Config, logger: Logger, database: ClusterDatabase, slugs: SlugRegistry) {
        self.config = config
        self.logger = logger
        self.database = database
        self.fetcher = FeedFetcher(configuration: .init(
            concurrency: config.fetch.concurrency, perHost: config.fetch.perHost,
            userAgent: config.fetch.userAgent ?? FeedFetcher.defaultUserAgent))
        self.reader = RefreshCycle(config: config, logger: logger)
        self.renderer = PostRenderer(baseURL: config.site.baseURL, timeZone: config.site.timeZone,
                                     options: config.post.rendererOptions)
        self.slugs = Mutex(slugs)
        self.feedsByName = Dictionary(config.feeds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// This node's name: `[state] node`, or `hostname:pid`.
    public static func nodeName(for config: Config) -> String {
        config.state.node ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Connects (migrating the schema if needed), registers the node and records
    /// the feeds of its feeds.conf as the cluster's.
    public static func open(config: Config, logger: Logger) async throws(RefreshError) -> ClusterNode {
        guard let url = config.state.database else {
            throw RefreshError(.state, "no [state] database in \(config.file.path)")
        }
        do throws(ClusterError) {
            let settings = try DatabaseSettings(
                url: url, password: config.state.password, environment: ProcessInfo.processInfo.environment)
            let database = try await ClusterDatabase.open(settings: settings, node: nodeName(for: config), logger: logger)
            do {
                try await database.registerNode(site: config.state.publish ? config.site.output.path : nil)
                try await database.syncFeeds(config.feeds.enumerated().map { rank, feed in
                    ClusterFeed(name: feed.name, rank: rank, url: feed.url, host: Self.host(of: feed))
                })
                var reserved = Set<String>()
                for feed in config.feeds { reserved.insert(feed.categoryTemplate.plainText ?? feed.name) }
                let registry = SlugRegistry(stored: try await database.slugs(), overrides: config.slugOverrides,
                                            reserved: reserved)
                return ClusterNode(config: config, logger: logger, database: database, slugs: registry)
            } catch {
                await database.close()
                throw error
            }
        } catch {
            throw RefreshError(.state, error.message)
        }
    }

    /// Closes the node's connections (releasing the publisher lock).
    public func close() async {
        await database.close()
    }

    /// The host a feed's requests go to; a local file is a host of its own.
    static func host(of feed: Config.Feed) -> String {
        guard let url = URL(string: feed.url), url.scheme != "file", let host = url.host?.lowercased() else {
            return "file:" + feed.name
        }
        return host
    }

    // MARK: The two ways to run

    /// `finews refresh`: checks the feeds due now (with the other nodes), then
    /// writes the site if no other node does, until nothing it claimed is pending.
    public func refreshOnce(stop: StopRequest?) async throws(RefreshError) -> RefreshSummary {
        let start = ContinuousClock.now
        var summary = try await work(forever: false, stop: stop)
        if config.state.publish, stop?.isRequested != true {
            await publisher().run(untilDrained: true, isDone: { true })
        }
        summary.elapsed = ContinuousClock.now - start
        return summary
    }

    /// `finews run`: checks feeds as they fall due and, when it holds (or gets) the
    /// publisher lock, writes the site, until `stop`.
    /// - Parameter heartbeat: called while the node's loop goes on (for the watchdog).
    public func run(
        stop: StopRequest, heartbeat: @escaping @Sendable () -> Void = {},
        cycleFinished: @escaping @Sendable (RefreshSummary) -> Void = { _ in }
    ) async {
        await withTaskGroup(of: Void.self) { group in
            if config.state.publish {
                let publisher = self.publisher()
                group.addTask { await publisher.run() }
            }
            // The work loop ends by itself once `stop` is asked (within a tick), giving
            // back the leases of the feeds it had not recorded; then the publisher stops.
            while !stop.isRequested {
                do throws(RefreshError) {
                    let summary = try await self.work(forever: true, stop: stop, heartbeat: heartbeat)
                    cycleFinished(summary)
                } catch {
                    if stop.isRequested { break }
                    self.logger.error("cluster work failed; trying again", metadata: ["reason": "\(error.message)"])
                    try? await Task.sleep(for: .seconds(2))
                }
            }
            group.cancelAll()
        }
    }

    private func publisher() -> SitePublisher {
        SitePublisher(database: database, root: config.site.output, stateDirectory: config.stateDirectory,
                      renderer: renderer, logger: logger)
    }

    // MARK: Leasing, reading and recording

    /// A leased feed, read and rendered, waiting for its turn to be recorded.
    private struct ReadyFeed: Sendable {
        var leased: LeasedFeed
        var outcome: Result<RefreshCycle.FeedOutcome, FeedFailure>
        var claims: [StoryClaim]
        var expectedNew: Int
        var fetchSeconds: Double
    }

    private enum Event: Sendable {
        case ready(ReadyFeed)
        case tick
    }

    /// Leases, fetches, reads and records feeds: once through what is due
    /// (`forever` false), or until `stop`.
    private func work(
        forever: Bool, stop: StopRequest?, heartbeat: @Sendable () -> Void = {}
    ) async throws(RefreshError) -> RefreshSummary {
        let window = max(64, 4 * config.fetch.concurrency)
        let leaseSeconds = config.state.lease
        // How long a feed waits for a lower feed pending on another node: enough for
        // a dead node's lease to expire and its feeds to be fetched again.
        let patience = Double(leaseSeconds + config.fetch.timeout)
        let (events, emit) = AsyncStream<Event>.makeStream()
        var summary = RefreshSummary()
        summary.similarMode = config.dedupe.mode
        var pending: [Int: LeasedFeed] = [:]      // leased by this node, not yet recorded, by rank
        var ready: [Int: ReadyFeed] = [:]
        var readySince: [Int: ContinuousClock.Instant] = [:]
        var foreign: (rank: Int?, leased: Bool, at: ContinuousClock.Instant)?
        var lastLease = ContinuousClock.now - .seconds(10)
        var lastRenewal = ContinuousClock.now
        var leaseWasFull = true
        // Whether feeds were recorded since the last lease (their per-host slots are free again).
        var recordedSinceLease = false
        // Whether the head waits for a lower feed pending on another node.
        var headBlocked = false
        var failure: ClusterError?
        let configured = Set(config.feeds.map(\.name))

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                    emit.yield(.tick)
                }
            }
            eventLoop: for await event in events {
                if stop?.isRequested == true { break }
                heartbeat()
                if case .ready(let feed) = event {
                    ready[feed.leased.rank] = feed
                    readySince[feed.leased.rank] = .now
                    // Recorded and leased again at the next tick, together with what else
                    // arrives until then: one transaction (and one log flush on the
                    // server) for many feeds, not one for each.
                    if ready.count < 32 { continue }
                }
                do throws(ClusterError) {
                    let now = ContinuousClock.now
                    // Leases: renewed for what this node still works on.
                    if now - lastRenewal > .seconds(max(1, leaseSeconds / 3)) {
                        try await database.renewLeases(pending.values.map(\.name), seconds: leaseSeconds)
                        lastRenewal = now
                    }
                    // Record, in feeds.conf order, what may be recorded: in one transaction
                    // (one log flush on the server) for up to 64 feeds or 4,096 stories.
                    var batch: [ReadyFeed] = []
                    var batchStories = 0
                    while let head = pending.keys.min(), batch.count < 64, batchStories < 4096 {
                        // The head is fetching: the feeds after it wait (at most the
                        // fetch timeout; the leases bound what waits).
                        guard let feed = ready[head] else { break }
                        let rank = feed.leased.rank
                        if foreign == nil || now - (foreign?.at ?? now) > .milliseconds(40) {
                            let lowest = try await database.lowestPendingRank()
                            foreign = (lowest?.rank, lowest?.leased ?? false, ContinuousClock.now)
                        }
                        let waited = (now - (readySince[rank] ?? now)).inSeconds
                        if let lower = foreign?.rank, lower < rank, waited < patience {
                            headBlocked = true
                            break
                        }
                        headBlocked = false
                        ready[rank] = nil
                        readySince[rank] = nil
                        pending[rank] = nil
                        batch.append(feed)
                        batchStories += feed.claims.count
                    }
                    if !batch.isEmpty {
                        try await record(batch, into: &summary, configured: configured)
                        recordedSinceLease = true
                    }
                    // Lease more when half the window is free, or when what blocks the
                    // head is a feed no live node holds (a dead node's, once its lease expired).
                    let blockedByUnleased = headBlocked && (foreign.map { $0.rank != nil && !$0.leased } ?? false)
                    let room = pending.count < window / 2 || (blockedByUnleased && pending.count < 2 * window)
                    let due = leaseWasFull || recordedSinceLease || now - lastLease > .seconds(1)
                    if room, due, stop?.isRequested != true {
                        lastLease = now
                        recordedSinceLease = false
                        let limit = blockedByUnleased && pending.count >= window / 2 ? window / 4 : window - pending.count
                        let leased = try await database.leaseDueFeeds(
                            limit: max(1, limit), perHost: config.fetch.perHost, seconds: leaseSeconds)
                        leaseWasFull = leased.count == limit
                        if !leased.isEmpty {
                            foreign = nil
                            for feed in leased { pending[feed.rank] = feed }
                            let known = leased.filter { feedsByName[$0.name] != nil }
                            let unknown = leased.filter { feedsByName[$0.name] == nil }
                            for feed in unknown { pending[feed.rank] = nil }
                            try await database.releaseLeases(unknown.map(\.name))
                            group.addTask { await self.read(known, emit: emit) }
                        } else if pending.isEmpty, !forever {
                            if try await !database.hasUnleasedDueFeeds() { break eventLoop }
                        }
                    }
                    if forever, pending.isEmpty, !leaseWasFull, summary.feeds.count > 0 {
                        // A round is over: report it, and go on with a fresh summary.
                        break eventLoop
                    }
                } catch {
                    failure = error
                    break eventLoop
                }
            }
            group.cancelAll()
        }
        if !pending.isEmpty {
            try? await database.releaseLeases(pending.values.map(\.name))
        }
        if let failure { throw RefreshError(.state, failure.message) }
        if stop?.isRequested == true, !forever {
            throw RefreshError(.cancelled, "the refresh was stopped; the feeds recorded so far stay, the others are checked next time")
        }
        return summary
    }

    /// Fetches `feeds`, reads each as its fetch ends, and renders the posts of the
    /// stories not found written, delivering each feed as an event.
    private func read(_ feeds: [LeasedFeed], emit: AsyncStream<Event>.Continuation) async {
        let byName = Dictionary(feeds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let requests = feeds.compactMap { leased in
            feedsByName[leased.name].map { reader.fetchRequest(for: $0, state: leased.state) }
        }
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for await result in fetcher.fetch(requests) {
                guard let leased = byName[result.key], let feed = feedsByName[result.key] else { continue }
                let seconds = (ContinuousClock.now - start).inSeconds
                group.addTask {
                    let outcome = self.reader.read(feed, result: result, previous: leased.state)
                    var ready = ReadyFeed(leased: leased, outcome: outcome, claims: [], expectedNew: 0, fetchSeconds: seconds)
                    if case .success(let read) = outcome, !read.candidates.isEmpty {
                        do throws(ClusterError) {
                            (ready.claims, ready.expectedNew) = try await self.prepareClaims(read.candidates, feed: feed.name)
                        } catch {
                            ready.outcome = .failure(FeedFailure("cannot read the shared state: \(error.message)"))
                        }
                    }
                    emit.yield(.ready(ready))
                }
            }
        }
    }

    /// Looks the candidates up and renders those this feed may write or rewrite.
    private func prepareClaims(
        _ candidates: [StoryCandidate], feed: String
    ) async throws(ClusterError) -> ([StoryClaim], Int) {
        let keysOf = candidates.map { ["code:" + $0.infoCode.value] + $0.aliases }
        let found = try await database.lookUp(keys: Array(Set(keysOf.joined())))
        let configured = Set(config.feeds.map(\.name))
        let now = Date()
        var claims: [StoryClaim] = []
        var expectedNew = 0
        claims.reserveCapacity(candidates.count)
        let nearDuplicates = config.dedupe
        for (candidate, keys) in zip(candidates, keysOf) {
            var claim = StoryClaim(infoCode: candidate.infoCode.value, keys: keys, isBlocked: candidate.isBlocked,
                                   rendered: nil)
            let known = keys.lazy.compactMap { found.codes[$0] }.first
            if !candidate.isBlocked {
                if let code = known {
                    // Written before: rewritten only from its own feed, and only when it changed.
                    if let post = found.posts[code], post.feed == feed || !configured.contains(post.feed) {
                        var (rendered, written) = render(candidate, as: code, firstSeen: post.firstSeen, now: now)
                        if nearDuplicates.mode == .mark, let original = post.duplicateOf.flatMap(InfoCode.init) {
                            // A marked post stays marked when its story is rewritten.
                            rendered = Self.marked(rendered, post: written, original: original, renderer: renderer,
                                                   extras: PostRenderer.Extras(of: candidate.entry))
                        }
                        if rendered.contentHash != post.contentHash { claim.rendered = rendered }
                    }
                } else {
                    let (rendered, written) = render(candidate, as: candidate.infoCode.value, firstSeen: now, now: now)
                    claim.rendered = rendered
                    if nearDuplicates.isOn {
                        // Compared in the claim's transaction with the stories of the window,
                        // as a single node does (the text of the post as it would be written).
                        claim.signature = MinHashSignature(text: SimilarityText.of(title: written.title, bodyHTML: written.body))
                        if nearDuplicates.mode == .mark {
                            let renderer = self.renderer
                            let extras = PostRenderer.Extras(of: candidate.entry)
                            claim.markedCopy = { original in
                                Self.marked(rendered, post: written, original: original, renderer: renderer, extras: extras)
                            }
                        }
                    }
                    expectedNew += 1
                }
            }
            claims.append(claim)
        }
        return (claims, expectedNew)
    }

    /// The candidate's post as `code`, rendered, and the post it was rendered from.
    private func render(_ candidate: StoryCandidate, as code: String, firstSeen: Date, now: Date) -> (RenderedStory, Post) {
        let rendered = slugs.withLock { registry in
            renderer.render(candidate, as: InfoCode(code) ?? candidate.infoCode, firstSeen: firstSeen, now: now, slugs: &registry)
        }
        let story = RenderedStory(
            infoCode: code, path: rendered.path, bytes: rendered.bytes, contentHash: rendered.contentHash,
            firstSeen: firstSeen, category: rendered.post.category, tag: rendered.post.tag, outlet: rendered.outlet)
        return (story, rendered.post)
    }

    /// The front matter's extra fields of a candidate's post, as `PostRenderer.render(_:as:firstSeen:now:slugs:)`
    /// fills them: rendering a marked copy again must change nothing but `duplicate_of`.
    /// `rendered` as a near-copy of `original` (`[dedupe] similar = "mark"`): the same
    /// post with `duplicate_of: <original>` last in its front matter, as a single node writes it.
    private static func marked(
        _ rendered: RenderedStory, post: Post, original: InfoCode, renderer: PostRenderer, extras: PostRenderer.Extras
    ) -> RenderedStory {
        var post = post
        post.duplicateOf = original
        var marked = rendered
        marked.bytes = renderer.renderedBytes(post, extras: extras)
        marked.contentHash = ContentHash.of(marked.bytes)
        return marked
    }

    /// Claims the stories of `batch` (in feeds.conf order) and records their checks, in one transaction.
    private func record(
        _ batch: [ReadyFeed], into summary: inout RefreshSummary, configured: Set<String>
    ) async throws(ClusterError) {
        var reports: [FeedReport] = []
        var entries: [FeedClaims] = []
        var entryCounts: [Int] = []
        let slugChanges = slugs.withLock { registry in registry.changes }
        for ready in batch {
            guard let feed = feedsByName[ready.leased.name] else { continue }
            var (state, report) = reader.record(
                feed, read: ready.outcome, previous: ready.leased.state, cycleTime: Date(), postsNew: 0, postsUpdated: 0)
            var hostWait: (host: String, seconds: Int)?
            if case .failure(let failure) = ready.outcome, let seconds = failure.retryAfter, seconds > 0 {
                hostWait = (Self.host(of: feed), seconds)
            }
            report.fetchSeconds = ready.fetchSeconds
            reports.append(report)
            entryCounts.append(state.entryCount)
            entries.append(FeedClaims(stories: ready.claims, check: FeedCheck(
                feed: feed.name, state: state, nextCheck: report.nextCheck, hostWait: hostWait,
                slugs: entries.isEmpty ? slugChanges.map { (text: $0.text, slug: $0.slug) } : [])))
        }
        let results = try await database.claim(entries, configuredFeeds: configured, nearDuplicates: config.dedupe)
        for ((report, claimed), entryCount) in zip(zip(reports, results), entryCounts) {
            tally(report, claimed, entryCount: entryCount, into: &summary)
        }
    }

    private func tally(_ report: FeedReport, _ claimed: ClaimResult, entryCount: Int, into summary: inout RefreshSummary) {
        var report2 = report
        report2.postsNew = claimed.new
        report2.postsUpdated = claimed.updated
        summary.postsNew += claimed.new
        summary.postsUpdated += claimed.updated
        summary.duplicates += claimed.duplicates
        summary.blocked += claimed.blocked
        summary.similar += claimed.similar
        switch report.result {
        case .failed:
            let message = report.message ?? "failed"
            summary.feedsFailed += 1
            summary.failures.append(.init(feed: report.name, message: message))
            logger.info("feed failed", metadata: ["feed": "\(report.name)", "reason": "\(message)"])
        case .unchanged, .notModified:
            summary.feedsOK += 1
            summary.duplicates += entryCount
        case .fetched:
            summary.feedsOK += 1
        }
        summary.feeds.append(report2)
        if claimed.lost > 0 {
            logger.debug("stories claimed by another node first", metadata: ["feed": "\(report.name)", "count": "\(claimed.lost)"])
        }
    }
}
