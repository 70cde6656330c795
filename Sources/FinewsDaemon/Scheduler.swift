public import FinewsConfig
public import Foundation
public import Logging
import FinewsStore
import FinewsNormalize
import FinewsFetch

/// What the scheduler reports as it goes, for sd_notify, the watchdog and tests.
public struct SchedulerObserver: Sendable {
    /// The loop made progress: it woke up, or a cycle advanced.
    public var heartbeat: @Sendable () -> Void
    /// A cycle finished; the date is when the next feed is due (nil without feeds).
    public var cycleFinished: @Sendable (RefreshSummary, Date?) -> Void
    /// A cycle could not run or write; it is tried again later.
    public var cycleFailed: @Sendable (RefreshError) -> Void
    /// A reload began.
    public var reloadStarted: @Sendable () -> Void
    /// A reload ended: with the new configuration, or with the problems of the file
    /// (the previous configuration then stays in force).
    public var reloadFinished: @Sendable (Result<Config, ConfigError>) -> Void

    /// Creates an observer; every callback does nothing unless given.
    public init(
        heartbeat: @escaping @Sendable () -> Void = {},
        cycleFinished: @escaping @Sendable (RefreshSummary, Date?) -> Void = { _, _ in },
        cycleFailed: @escaping @Sendable (RefreshError) -> Void = { _ in },
        reloadStarted: @escaping @Sendable () -> Void = {},
        reloadFinished: @escaping @Sendable (Result<Config, ConfigError>) -> Void = { _ in }
    ) {
        self.heartbeat = heartbeat
        self.cycleFinished = cycleFinished
        self.cycleFailed = cycleFailed
        self.reloadStarted = reloadStarted
        self.reloadFinished = reloadFinished
    }
}

/// The daemon's loop (DESIGN.md §6): sleeps until the next feed is due, runs a
/// ``RefreshCycle`` for the due feeds under the cycle lock, and handles reloads and
/// refresh-now requests between cycles. Due times live in the state database, so
/// they survive restarts and account for cycles run by `finews refresh`.
///
/// Only the scheduler sleeps, on the `Clock` it is given; wall-clock dates (for the
/// stored due times) come from `now`. Tests drive both.
public struct Scheduler<C: Clock>: Sendable where C.Duration == Duration {
    private let initialConfig: Config
    private let logger: Logger
    private let clock: C
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let maximumNap: Duration
    private let observer: SchedulerObserver

    /// Creates a scheduler. It wakes at least every `maximumNap` to report a heartbeat
    /// and to notice changes in the state (a wall-clock jump, a refresh by hand).
    public init(
        config: Config, logger: Logger, clock: C, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { JitterSource.shared.next() },
        maximumNap: Duration = .seconds(60), observer: SchedulerObserver = SchedulerObserver()
    ) {
        self.initialConfig = config
        self.logger = logger
        self.clock = clock
        self.now = now
        self.random = random
        self.maximumNap = maximumNap
        self.observer = observer
    }

    /// How long to wait after a cycle that could not run or write before trying again.
    static func retryDelay(for config: Config) -> Double {
        Double(min(60, config.schedule.minInterval))
    }

    /// Runs until `stop` is requested. A cycle in progress then discards its fetching
    /// (or finishes writing, if it had begun) before this returns.
    public func run(events: EventMailbox, stop: StopRequest) async {
        var config = initialConfig
        var fetcher = Self.makeFetcher(config)
        var store: (directory: URL, store: StateStore)?
        var refreshAll = false
        var notBefore: Date?
        while !stop.isRequested {
            observer.heartbeat()
            let current = now()
            var due: Date?
            if !refreshAll {
                do {
                    if store?.directory != config.stateDirectory {
                        store = (config.stateDirectory, try StateStore(directory: config.stateDirectory))
                    }
                    due = try await Self.nextDue(config, states: store?.store.feedStates() ?? [:], now: current)
                } catch {
                    logger.error("cannot read the state database",
                                 metadata: ["error": "\(error.withRepairAdvice(config: config.file.path))"])
                    store = nil
                    notBefore = current.addingTimeInterval(Self.retryDelay(for: config))
                }
                if let wait = notBefore, wait > current {
                    due = max(due ?? wait, wait)
                }
            }
            if refreshAll || (due.map { $0 <= current } ?? false) {
                let all = refreshAll
                refreshAll = false
                notBefore = nil
                let cycle = RefreshCycle(config: config, logger: logger, fetcher: fetcher, now: now, random: random)
                let heartbeat = observer.heartbeat
                do {
                    let summary = try await cycle.run(RefreshCycle.Options(
                        dueBy: all ? nil : current, stop: stop, progress: { _ in heartbeat() }))
                    report(summary, config: config, forced: all)
                    let states = (try? await store?.store.feedStates()) ?? [:]
                    observer.cycleFinished(summary, Self.nextDue(config, states: states, now: now()))
                } catch {
                    if error.code == .cancelled { break }
                    logger.error("refresh cycle failed; trying again shortly", metadata: ["error": "\(error.message)"])
                    notBefore = now().addingTimeInterval(Self.retryDelay(for: config))
                    observer.cycleFailed(error)
                }
                continue
            }
            let nap: Duration
            if let due {
                let seconds = max(0.001, due.timeIntervalSince(current))
                nap = min(maximumNap, .milliseconds(Int64((seconds * 1000).rounded(.up))))
            } else {
                nap = maximumNap
            }
            switch await events.next(within: nap, clock: clock, stop: stop) {
            case nil:
                continue
            case .refreshAll:
                logger.notice("refreshing every feed now (SIGUSR1)")
                refreshAll = true
            case .reload:
                observer.reloadStarted()
                do {
                    let reloaded = try Config.load(from: config.file)
                    if !Self.sameFetchSettings(reloaded, config) { fetcher = Self.makeFetcher(reloaded) }
                    config = reloaded
                    notBefore = nil
                    logger.notice("configuration reloaded", metadata: [
                        "file": "\(config.file.path)", "feeds": "\(config.feeds.count)",
                    ])
                    observer.reloadFinished(.success(reloaded))
                } catch {
                    logger.error("the configuration has errors; still running the previous one",
                                 metadata: ["file": "\(config.file.path)"])
                    for problem in error.problems { logger.error("\(problem.description)") }
                    observer.reloadFinished(.failure(error))
                }
            }
        }
    }

    /// When the first configured feed is due: at once for a feed never checked.
    static func nextDue(_ config: Config, states: [String: FeedState], now: Date) -> Date? {
        config.feeds.map { feed in states[feed.name].flatMap { config.dueTime(of: feed, state: $0) } ?? now }.min()
    }

    private func report(_ summary: RefreshSummary, config: Config, forced: Bool) {
        guard !summary.feeds.isEmpty else { return }
        for feed in summary.feeds where feed.result == .failed {
            logger.warning("feed failed", metadata: [
                "feed": "\(feed.name)", "reason": "\(feed.message ?? "")",
                "retry_in": "\(ConfigValues.format(Int(feed.interval.delay.rounded())))",
                "why": "\(feed.interval.reason.rawValue)",
            ])
        }
        // A cycle that changed nothing is routine: one line at debug level, not one per feed interval.
        let changed = summary.postsNew > 0 || summary.postsUpdated > 0
        let level: Logger.Level = forced ? .notice : (changed ? .info : .debug)
        logger.log(level: level, "cycle done: \(summary.line)")
    }

    private static func makeFetcher(_ config: Config) -> FeedFetcher {
        FeedFetcher(configuration: .init(
            concurrency: config.fetch.concurrency, perHost: config.fetch.perHost,
            userAgent: config.fetch.userAgent ?? FeedFetcher.defaultUserAgent))
    }

    private static func sameFetchSettings(_ a: Config, _ b: Config) -> Bool {
        a.fetch.concurrency == b.fetch.concurrency && a.fetch.perHost == b.fetch.perHost
            && a.fetch.userAgent == b.fetch.userAgent
    }
}

extension Config {
    /// When `feed` is next due according to `state`, with the feed's current settings.
    func dueTime(of feed: Feed, state: FeedState) -> Date? {
        SchedulePolicy.dueTime(
            lastCheck: state.lastCheck, nextCheck: state.nextCheck,
            storedReason: state.intervalReason.flatMap(IntervalReason.init(rawValue:)),
            storedSeconds: state.intervalSeconds, settings: scheduleSettings(for: feed), hints: state.hints)
    }
}
