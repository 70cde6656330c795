public import Foundation
import Synchronization
public import FinewsConfig

/// Why a feed's next check is as far away as it is, for `finews status`.
public enum IntervalReason: String, Sendable, Hashable, CaseIterable {
    /// The feed's `interval`, or the `[schedule]` one.
    case config
    /// The feed's RSS `<ttl>` asked for a longer wait.
    case ttl
    /// The feed's `sy:updatePeriod` and `sy:updateFrequency` asked for a longer wait.
    case syndication
    /// The server's `Cache-Control: max-age` asked for a longer wait.
    case cacheHeaders = "cache-headers"
    /// The feed failed; the wait doubles with every failure in a row.
    case backoff
    /// The server answered 429 or 503 with a `Retry-After` longer than the backoff.
    case retryAfter = "retry-after"

    /// A few words for the status table.
    public var label: String {
        switch self {
        case .config: "config"
        case .ttl: "ttl"
        case .syndication: "sy:update"
        case .cacheHeaders: "max-age"
        case .backoff: "backoff"
        case .retryAfter: "Retry-After"
        }
    }
}

/// What a feed and its server said about how often to come back, in seconds.
public struct ScheduleHints: Sendable, Hashable {
    /// RSS `<ttl>`, converted from minutes.
    public var ttl: Int?
    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    public var syndication: Int?
    /// `Cache-Control: max-age` of the last response.
    public var cacheMaxAge: Int?

    /// Creates hints.
    public init(ttl: Int? = nil, syndication: Int? = nil, cacheMaxAge: Int? = nil) {
        self.ttl = ttl
        self.syndication = syndication
        self.cacheMaxAge = cacheMaxAge
    }

    /// The syndication module's hint: `frequency` updates per `period` (frequency
    /// defaults to 1, as the module says); nil when there is no period.
    public static func syndicationSeconds(periodSeconds: Int?, frequency: Int?) -> Int? {
        guard let periodSeconds, periodSeconds > 0 else { return nil }
        let times = max(1, frequency ?? 1)
        return periodSeconds / times
    }
}

/// How long to wait before the next check of a feed, and why.
public struct ScheduledInterval: Sendable, Hashable {
    /// The interval the policy chose, before jitter, in seconds. `status` shows it.
    public var seconds: Int
    /// Why it is that long.
    public var reason: IntervalReason
    /// The actual wait: ``seconds`` with jitter applied (never negative).
    public var delay: Double

    /// Creates an interval.
    public init(seconds: Int, reason: IntervalReason, delay: Double) {
        self.seconds = seconds
        self.reason = reason
        self.delay = delay
    }
}

/// The scheduling rules of DESIGN.md §6, as pure functions.
///
/// Every function that jitters takes `random`, a number in `0..<1` drawn by the
/// caller, so that tests can pin it: 0.5 means no jitter, 0 means −10%, just
/// under 1 means +10%.
public enum SchedulePolicy {
    /// The longest interval that hints or a configured interval can lead to: a day.
    public static let maximumInterval = Config.Schedule.maximumInterval
    /// The jitter, as a fraction of the interval either way.
    public static let jitterFraction = 0.1

    /// The settings the rules need, taken from `[schedule]` and the feed.
    public struct Settings: Sendable, Hashable {
        /// The feed's own `interval`, else `[schedule] interval`, in seconds.
        public var interval: Int
        /// The floor of every interval (`[schedule] min_interval`).
        public var minInterval: Int
        /// The ceiling of the backoff (`[schedule] max_backoff`).
        public var maxBackoff: Int
        /// Whether the feed's hints may lengthen the interval (`respect_hints`).
        public var respectHints: Bool

        /// Creates settings.
        public init(interval: Int, minInterval: Int = 60, maxBackoff: Int = 24 * 3600, respectHints: Bool = true) {
            self.interval = interval
            self.minInterval = minInterval
            self.maxBackoff = maxBackoff
            self.respectHints = respectHints
        }
    }

    /// The interval after a successful check: the configured one, raised by the
    /// longest hint when hints are respected, kept within [min_interval, 24h].
    /// Hints only ever lengthen the wait; a publisher cannot make finews poll faster.
    public static func interval(settings: Settings, hints: ScheduleHints) -> (seconds: Int, reason: IntervalReason) {
        var seconds = settings.interval
        var reason = IntervalReason.config
        if settings.respectHints {
            let candidates: [(Int?, IntervalReason)] = [
                (hints.ttl, .ttl), (hints.syndication, .syndication), (hints.cacheMaxAge, .cacheHeaders),
            ]
            for case let (hint?, hintReason) in candidates where hint > seconds {
                seconds = hint
                reason = hintReason
            }
        }
        return (clamp(seconds, settings: settings), reason)
    }

    /// The wait after a success, jittered.
    public static func afterSuccess(settings: Settings, hints: ScheduleHints, random: Double) -> ScheduledInterval {
        let (seconds, reason) = interval(settings: settings, hints: hints)
        return ScheduledInterval(seconds: seconds, reason: reason, delay: jitter(seconds, random: random))
    }

    /// The wait after the `errors`-th failure in a row (1 for the first):
    /// `interval · 2^errors`, capped at `max_backoff`, jittered; a longer
    /// `Retry-After` (seconds) takes precedence and is honoured as asked, without
    /// jitter that could shorten it.
    public static func afterFailure(
        settings: Settings, hints: ScheduleHints, errors: Int, retryAfter: Int?, random: Double
    ) -> ScheduledInterval {
        let base = interval(settings: settings, hints: hints).seconds
        // 2^40 seconds is far beyond any cap, so larger exponents change nothing.
        let exponent = min(max(errors, 0), 40)
        let raw = base.multipliedReportingOverflow(by: 1 << exponent)
        let cap = max(settings.maxBackoff, settings.minInterval)
        let backoff = max(settings.minInterval, raw.overflow ? cap : min(raw.partialValue, cap))
        let delay = jitter(backoff, random: random)
        if let retryAfter, Double(retryAfter) > delay {
            return ScheduledInterval(seconds: retryAfter, reason: .retryAfter, delay: Double(retryAfter))
        }
        return ScheduledInterval(seconds: backoff, reason: .backoff, delay: delay)
    }

    /// `seconds` moved by up to ±10%: `random` 0.5 leaves it as it is.
    public static func jitter(_ seconds: Int, random: Double) -> Double {
        let unit = min(max(random, 0), 1)
        return max(0, Double(seconds) * (1 + jitterFraction * (2 * unit - 1)))
    }

    /// When a feed is due, given what is stored about it and its current settings.
    ///
    /// A feed never checked is due at once. A stored due time holds, except that a
    /// shorter configured interval (after an edit and a reload) brings it forward:
    /// the feed is then due one new interval after its last check. Waits imposed by
    /// failures (backoff, Retry-After) are never shortened.
    public static func dueTime(
        lastCheck: Date?, nextCheck: Date?, storedReason: IntervalReason?, storedSeconds: Int?,
        settings: Settings, hints: ScheduleHints
    ) -> Date? {
        guard let nextCheck else { return nil }
        guard let lastCheck, let storedReason, let storedSeconds,
              storedReason != .backoff, storedReason != .retryAfter else { return nextCheck }
        let current = interval(settings: settings, hints: hints).seconds
        guard current < storedSeconds else { return nextCheck }
        return min(nextCheck, lastCheck.addingTimeInterval(Double(current)))
    }

    private static func clamp(_ seconds: Int, settings: Settings) -> Int {
        min(max(seconds, settings.minInterval), max(maximumInterval, settings.minInterval))
    }
}

extension Config {
    /// The scheduling settings of `feed`: its own interval and hint setting over the `[schedule]` ones.
    public func scheduleSettings(for feed: Feed) -> SchedulePolicy.Settings {
        SchedulePolicy.Settings(
            interval: feed.interval ?? schedule.interval, minInterval: schedule.minInterval,
            maxBackoff: schedule.maxBackoff, respectHints: feed.respectHints ?? schedule.respectHints)
    }
}

/// Numbers in `0..<1` for the schedule's jitter, from a small generator (SplitMix64)
/// seeded once by the system's. Jitter needs no secrecy, and drawing each feed's
/// number from the kernel cost a system call per feed, every cycle.
@usableFromInline
package final class JitterSource: Sendable {
    private let state: Mutex<UInt64>

    /// A source seeded by the system's generator, or by `seed` (for tests).
    package init(seed: UInt64? = nil) {
        var system = SystemRandomNumberGenerator()
        state = Mutex(seed ?? system.next())
    }

    /// The next number, in `0..<1`.
    @usableFromInline
    package func next() -> Double {
        let bits = state.withLock { state -> UInt64 in
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
        // The top 53 bits, as a double in 0..<1.
        return Double(bits >> 11) * 0x1p-53
    }

    /// The shared source a cycle and the scheduler draw from unless a test gives its own.
    @usableFromInline
    package static let shared = JitterSource()
}
