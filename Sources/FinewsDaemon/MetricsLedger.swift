package import Foundation
import Logging
import Glibc

/// The figures finews exports for Prometheus, summed over every cycle run on a site
/// since `[metrics]` was configured: by the daemon, by `finews refresh` from cron or
/// by hand. Kept in `.finews/metrics.json`, updated under the cycle lock, so that
/// the daemon's `/metrics` and the textfile show the same counters, and counters
/// survive restarts (Prometheus's `rate()` needs them to only grow).
package struct MetricsLedger: Sendable, Hashable, Codable {
    /// Upper bounds of the fetch duration histogram's buckets, in seconds.
    package static let fetchBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    package var cycles = 0
    /// Cycles that could not run or write (the state or a write failed).
    package var cycleFailures = 0
    /// Feed checks by result (`fetched`, `not-modified`, `unchanged`, `failed`).
    package var feedChecks: [String: Int] = [:]
    /// Responses by HTTP status.
    package var httpResponses: [String: Int] = [:]
    /// Per bucket of ``fetchBuckets`` (not cumulative), then the overflow.
    package var fetchBucketCounts: [Int] = Array(repeating: 0, count: MetricsLedger.fetchBuckets.count + 1)
    package var fetchSecondsSum = 0.0
    package var fetchCount = 0
    package var postsNew = 0
    package var postsUpdated = 0
    package var duplicates = 0
    /// Stories a `block` or `keep` rule kept out.
    package var postsBlocked = 0
    package var postsArchived = 0
    package var fullTextsMissing = 0
    /// Feeds put on a longer wait after a failure, by reason (`backoff`, `retry-after`).
    package var backoffs: [String: Int] = [:]
    /// The feeds whose last check failed.
    package var failingFeeds: Set<String> = []
    /// Hook runs by result (``HookOutcome/Result`` raw values).
    package var hookRuns: [String: Int] = [:]
    package var lastSuccessfulCycle: Date?
    package var lastCycleSeconds: Double?

    /// Creates an empty ledger.
    package init() {}

    /// Adds a finished cycle, ended at `date`.
    package mutating func record(_ summary: RefreshSummary, hook: HookOutcome?, at date: Date) {
        cycles += 1
        for feed in summary.feeds {
            feedChecks[feed.result.rawValue, default: 0] += 1
            if let status = feed.httpStatus, status > 0 { httpResponses["\(status)", default: 0] += 1 }
            if let seconds = feed.fetchSeconds { observeFetch(seconds) }
            if feed.result == .failed {
                failingFeeds.insert(feed.name)
                switch feed.interval.reason {
                case .backoff, .retryAfter: backoffs[feed.interval.reason.rawValue, default: 0] += 1
                default: break
                }
            } else {
                failingFeeds.remove(feed.name)
            }
        }
        postsNew += summary.postsNew
        postsUpdated += summary.postsUpdated
        duplicates += summary.duplicates
        postsBlocked += summary.blocked
        postsArchived += summary.postsArchived
        fullTextsMissing += summary.fullTextsMissing
        if let hook { hookRuns[hook.result.rawValue, default: 0] += 1 }
        lastSuccessfulCycle = date
        lastCycleSeconds = summary.elapsed.inSeconds
    }

    /// Adds one fetch of `seconds` to the histogram.
    package mutating func observeFetch(_ seconds: Double) {
        let index = Self.fetchBuckets.firstIndex { seconds <= $0 } ?? Self.fetchBuckets.count
        if fetchBucketCounts.count != Self.fetchBuckets.count + 1 {
            fetchBucketCounts = Array(repeating: 0, count: Self.fetchBuckets.count + 1)
        }
        fetchBucketCounts[index] += 1
        fetchSecondsSum += seconds
        fetchCount += 1
    }

    // MARK: Storage

    static func file(in stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("metrics.json")
    }

    /// The ledger of the site whose state is in `stateDirectory`; empty when none was kept yet.
    package static func load(from stateDirectory: URL) -> MetricsLedger {
        guard let data = try? Data(contentsOf: file(in: stateDirectory)) else { return MetricsLedger() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(MetricsLedger.self, from: data)) ?? MetricsLedger()
    }

    /// Applies `change` to the stored ledger and saves it; call under the cycle lock.
    /// - Returns: the new ledger (also when it could not be saved, which is logged).
    @discardableResult
    static func update(
        in stateDirectory: URL, logger: Logger, _ change: (inout MetricsLedger) -> Void
    ) -> MetricsLedger {
        var ledger = load(from: stateDirectory)
        change(&ledger)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(ledger).write(to: file(in: stateDirectory), options: .atomic)
        } catch {
            logger.warning("cannot save the metrics", metadata: [
                "file": "\(file(in: stateDirectory).path)", "error": "\(error.localizedDescription)",
            ])
        }
        return ledger
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// What only a running daemon knows, added to its `/metrics`.
struct DaemonGauges: Sendable {
    /// Whether the scheduler made progress recently (the watchdog's rule).
    var healthy: Bool
    /// Seconds since the scheduler's last sign of progress.
    var heartbeatAge: Double
    /// When the daemon started.
    var started: Date
}

/// The Prometheus text exposition format (version 0.0.4), written by hand: a dozen
/// counters and one histogram need no client library, and the same text serves
/// `/metrics` and the node_exporter textfile.
enum PrometheusText {
    /// The `Content-Type` of the text.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ ledger: MetricsLedger, daemon: DaemonGauges? = nil) -> String {
        var out = Output()
        out.metric("finews_cycles_total", "counter", "Refresh cycles completed (daemon and finews refresh).",
                   [([], Double(ledger.cycles))])
        out.metric("finews_cycle_failures_total", "counter",
                   "Refresh cycles that could not run or write (state or disk failures); they are tried again.",
                   [([], Double(ledger.cycleFailures))])
        let results = ["fetched", "not-modified", "unchanged", "failed"]
        let otherResults = ledger.feedChecks.keys.filter { !results.contains($0) }.sorted()
        out.metric("finews_feed_checks_total", "counter", "Feed checks by result.",
                   (results + otherResults).map { ([("result", $0)], Double(ledger.feedChecks[$0] ?? 0)) })
        out.metric("finews_feeds_failing", "gauge", "Feeds whose last check failed.",
                   [([], Double(ledger.failingFeeds.count))])
        out.metric("finews_http_responses_total", "counter", "Feed responses by HTTP status.",
                   ledger.httpResponses.keys.sorted().map { ([("status", $0)], Double(ledger.httpResponses[$0] ?? 0)) })
        out.histogram("finews_fetch_duration_seconds",
                      "Time from the start of a cycle's fetching to each feed's result (queueing included).", ledger)
        out.metric("finews_backoffs_total", "counter", "Failed checks that put a feed on a longer wait, by reason.",
                   ["backoff", "retry-after"].map { ([("reason", $0)], Double(ledger.backoffs[$0] ?? 0)) })
        out.metric("finews_posts_new_total", "counter", "Stories written for the first time.",
                   [([], Double(ledger.postsNew))])
        out.metric("finews_posts_updated_total", "counter", "Posts rewritten in place because the story changed.",
                   [([], Double(ledger.postsUpdated))])
        out.metric("finews_posts_duplicate_total", "counter", "Entries skipped because their story was already written.",
                   [([], Double(ledger.duplicates))])
        out.metric("finews_posts_blocked_total", "counter", "Stories kept out by filters.",
                   [([], Double(ledger.postsBlocked))])
        out.metric("finews_posts_archived_total", "counter", "Posts moved into the archive folder.",
                   [([], Double(ledger.postsArchived))])
        out.metric("finews_fulltexts_missing_total", "counter",
                   "Stories whose full text could not be fetched (the post keeps the feed's text; tried again).",
                   [([], Double(ledger.fullTextsMissing))])
        out.metric("finews_hook_runs_total", "counter", "Runs of the [hooks] after_write command, by result.",
                   (["ok", "failed", "timed-out"] + ledger.hookRuns.keys.filter { !["ok", "failed", "timed-out"].contains($0) }.sorted())
                       .map { ([("result", $0)], Double(ledger.hookRuns[$0] ?? 0)) })
        if let last = ledger.lastSuccessfulCycle {
            out.metric("finews_last_successful_cycle_timestamp_seconds", "gauge",
                       "When the last cycle that ran to its end finished (Unix time).", [([], last.timeIntervalSince1970)])
        }
        if let seconds = ledger.lastCycleSeconds {
            out.metric("finews_last_cycle_duration_seconds", "gauge", "How long the last completed cycle took.",
                       [([], seconds)])
        }
        if let daemon {
            out.metric("finews_scheduler_healthy", "gauge",
                       "1 while the daemon's scheduler makes progress (the systemd watchdog's rule), else 0.",
                       [([], daemon.healthy ? 1 : 0)])
            out.metric("finews_scheduler_heartbeat_age_seconds", "gauge",
                       "Seconds since the scheduler's last sign of progress.", [([], daemon.heartbeatAge)])
            out.metric("finews_start_time_seconds", "gauge", "When the daemon started (Unix time).",
                       [([], daemon.started.timeIntervalSince1970)])
        }
        return out.text
    }

    private struct Output {
        var text = ""

        mutating func metric(_ name: String, _ type: String, _ help: String, _ samples: [([(String, String)], Double)]) {
            text += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples {
                text += name + PrometheusText.labels(labels) + " " + PrometheusText.number(value) + "\n"
            }
        }

        mutating func histogram(_ name: String, _ help: String, _ ledger: MetricsLedger) {
            text += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n# TYPE \(name) histogram\n"
            var cumulative = 0
            for (index, bound) in MetricsLedger.fetchBuckets.enumerated() {
                cumulative += index < ledger.fetchBucketCounts.count ? ledger.fetchBucketCounts[index] : 0
                text += "\(name)_bucket{le=\"\(PrometheusText.number(bound))\"} \(cumulative)\n"
            }
            text += "\(name)_bucket{le=\"+Inf\"} \(ledger.fetchCount)\n"
            text += "\(name)_sum \(PrometheusText.number(ledger.fetchSecondsSum))\n"
            text += "\(name)_count \(ledger.fetchCount)\n"
        }
    }

    /// `{a="x",b="y"}`, values escaped; empty without labels.
    static func labels(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A sample value: whole numbers without a fraction, others as Swift prints them
    /// (shortest round-trip form, which Prometheus's float parser reads).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Writes `text` to `file` for node_exporter: a temporary file in the same folder
    /// (named so that the collector's `*.prom` glob skips it), flushed, then renamed
    /// over the old one, so the collector never reads half a file.
    static func writeTextfile(_ text: String, to file: URL) throws(RefreshError) {
        let folder = file.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RefreshError(.io, "cannot write the metrics textfile \(temporary.path): \(String(cString: strerror(errno))); "
                + "check that the folder exists and finews may write to it")
        }
        let bytes = Array(text.utf8)
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += count
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0, rename(temporary.path, file.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw RefreshError(.io, "cannot write the metrics textfile \(file.path): \(String(cString: strerror(failure)))")
        }
    }
}
