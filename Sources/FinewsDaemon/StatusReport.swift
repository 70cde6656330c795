public import FinewsConfig
public import Foundation
import FinewsStore
import FinewsNormalize
import FinewsCluster
import Logging

/// What `finews status` shows: per feed, its effective interval and why, the last
/// check and its result, errors in a row, the next check and the posts written; then
/// totals; then each category with its outlet, tag and posts. Read from the state
/// database only: no fetching, no lock.
public struct StatusReport: Sendable, Codable, Hashable {
    /// One feed's line.
    public struct Feed: Sendable, Codable, Hashable {
        public var name: String
        public var url: String
        /// The interval in force, in seconds (before jitter).
        public var interval: Int
        /// Why the interval is that long (``IntervalReason`` raw values).
        public var intervalReason: String
        public var lastCheck: Date?
        /// `fetched`, `not-modified`, `unchanged` or `failed`; nil before the first check.
        public var result: String?
        public var httpStatus: Int?
        public var consecutiveErrors: Int
        public var lastError: String?
        /// The server's last `Retry-After`, in seconds.
        public var retryAfter: Int?
        /// Nil until the feed is first checked: it is then due at once.
        public var nextCheck: Date?
        public var postsWritten: Int
        /// For a feed with `fulltext_url`: its posts that still hold the feed's
        /// summary because fetching their full text failed. Nil for other feeds.
        public var fullTextMissing: Int? = nil
        /// Why the latest of those failed (nil when none is missing).
        public var fullTextError: String? = nil
        /// Whether the feed's redirects and article links may reach internal
        /// addresses (`allow_private_networks`); when not, a missing full text may be
        /// a refused link, and the table says how to allow it.
        public var allowPrivateNetworks = false
        /// Stories a `block` or `keep` rule has left out, over all cycles.
        public var blocked = 0
        /// With `[dedupe] similar` on: how many of the feed's new stories were
        /// near-copies of one written earlier. Nil when it is off.
        public var similar: Int? = nil
        /// With a shared PostgreSQL state: the node that last checked the feed, and the one holding it now.
        public var checkedBy: String? = nil
        public var leasedBy: String? = nil
    }

    /// Sums over all feeds.
    public struct Totals: Sendable, Codable, Hashable {
        public var feeds: Int
        public var ok: Int
        public var failing: Int
        public var neverChecked: Int
        public var postsWritten: Int
        /// The earliest next check (nil when a feed was never checked: one is due now).
        public var nextCheck: Date?
        /// Stories left out by rules, over all feeds.
        public var blocked = 0
    }

    /// One category's line.
    public struct Category: Sendable, Codable, Hashable {
        /// The category, as in `category/<slug>.html`.
        public var slug: String
        /// The outlet whose name gave the slug; nil for a plain category of feeds.conf.
        public var outlet: String?
        /// The tag that titles the category's page; nil when not known yet.
        public var tag: String?
        public var posts: Int
    }

    public var feeds: [Feed]
    public var totals: Totals
    /// Every category with a page, by slug.
    public var categories: [Category] = []
    /// The `[hooks] after_write` command's runs and failures; nil when it never ran on this site.
    public var hook: HookRecord? = nil
    /// With a shared PostgreSQL state: the publisher, what it has still to write, the nodes.
    public var cluster: Cluster? = nil

    /// The cluster part of the report.
    public struct Cluster: Sendable, Codable, Hashable {
        /// The node holding the publisher lock; nil when none does.
        public var publisher: String?
        /// Claimed posts not yet written into the site.
        public var pendingPosts: Int
        public var nodes: [Node]

        public struct Node: Sendable, Codable, Hashable {
            public var name: String
            public var hostname: String
            public var pid: Int
            public var site: String?
            public var seenAt: Date
        }
    }

    /// Reads the state of every configured feed.
    /// - Throws: ``RefreshError`` `.state` when the database cannot be read.
    public static func load(config: Config) async throws(RefreshError) -> StatusReport {
        if config.state.database != nil { return try await loadCluster(config: config) }
        var states: [String: FeedState] = [:]
        var categories: [String: StoredCategory] = [:]
        var counts: [CategoryCount] = []
        var awaitingFullText: [String: Int] = [:]
        var fullTextErrors: [String: String] = [:]
        var blocked: [String: Int] = [:]
        var similar: [String: Int] = [:]
        do {
            if let store = try StateStore(readingFrom: config.stateDirectory) {
                states = try await store.feedStates()
                categories = try await store.categories()
                counts = try await store.categoryCounts()
                awaitingFullText = try await store.postsAwaitingFullText()
                fullTextErrors = try await store.latestFullTextErrors()
                blocked = try await store.blockedCounts()
                if config.dedupe.isOn { similar = try await store.similarCounts() }
            }
        } catch {
            throw RefreshError(state: error, config: config)
        }
        var report = make(config: config, states: states, categories: categories, counts: counts,
                          awaitingFullText: awaitingFullText, fullTextErrors: fullTextErrors, blocked: blocked)
        report.hook = HookRecord.load(from: config.stateDirectory)
        if config.dedupe.isOn {
            for index in report.feeds.indices { report.feeds[index].similar = similar[report.feeds[index].name] ?? 0 }
        }
        return report
    }

    /// The report from a shared PostgreSQL state (`[state] database`).
    private static func loadCluster(config: Config) async throws(RefreshError) -> StatusReport {
        let status: ClusterStatus
        do throws(ClusterError) {
            guard let url = config.state.database else { throw ClusterError(.settings, "no [state] database") }
            let settings = try DatabaseSettings(
                url: url, password: config.state.password, environment: ProcessInfo.processInfo.environment)
            let database = try await ClusterDatabase.open(
                settings: settings, node: "finews-status", logger: Logger(label: "finews.status", factory: { _ in SwiftLogNoOpLogHandler() }))
            do {
                status = try await database.status()
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        } catch {
            throw RefreshError(.state, error.message)
        }
        var report = make(config: config, states: status.feedStates, categories: status.categories,
                          counts: status.categoryCounts)
        for index in report.feeds.indices {
            report.feeds[index].checkedBy = status.checkedBy[report.feeds[index].name]
            report.feeds[index].leasedBy = status.leasedBy[report.feeds[index].name]
            if config.dedupe.isOn { report.feeds[index].similar = status.similarCounts[report.feeds[index].name] ?? 0 }
        }
        report.cluster = Cluster(
            publisher: status.publisher, pendingPosts: status.pendingPosts,
            nodes: status.nodes.map { .init(name: $0.name, hostname: $0.hostname, pid: $0.pid, site: $0.site, seenAt: $0.seenAt) })
        return report
    }

    /// The report for `config` given the stored `states`, categories, post counts
    /// and posts waiting for their full text.
    static func make(
        config: Config, states: [String: FeedState], categories: [String: StoredCategory] = [:],
        counts: [CategoryCount] = [], awaitingFullText: [String: Int] = [:], fullTextErrors: [String: String] = [:],
        blocked: [String: Int] = [:]
    ) -> StatusReport {
        var feeds: [Feed] = []
        for feed in config.feeds {
            let state = states[feed.name]
            let settings = config.scheduleSettings(for: feed)
            var interval = SchedulePolicy.interval(settings: settings, hints: state?.hints ?? ScheduleHints())
            if let state, let seconds = state.intervalSeconds,
               let reason = state.intervalReason.flatMap(IntervalReason.init(rawValue:)),
               reason == .backoff || reason == .retryAfter {
                interval = (seconds, reason)
            }
            feeds.append(Feed(
                name: feed.name, url: feed.urlAsWritten, interval: interval.seconds,
                intervalReason: interval.reason.rawValue, lastCheck: state?.lastCheck, result: state?.lastResult,
                httpStatus: state?.lastStatus, consecutiveErrors: state?.consecutiveErrors ?? 0,
                lastError: state?.lastError, retryAfter: state?.retryAfter,
                nextCheck: state.flatMap { config.dueTime(of: feed, state: $0) },
                postsWritten: state?.postsWritten ?? 0,
                fullTextMissing: feed.fullText == nil ? nil : awaitingFullText[feed.name] ?? 0,
                fullTextError: feed.fullText == nil || (awaitingFullText[feed.name] ?? 0) == 0
                    ? nil : fullTextErrors[feed.name],
                allowPrivateNetworks: feed.allowPrivateNetworks ?? config.fetch.allowPrivateNetworks,
                blocked: blocked[feed.name] ?? 0))
        }
        let neverChecked = feeds.filter { $0.lastCheck == nil }.count
        let totals = Totals(
            feeds: feeds.count, ok: feeds.filter { $0.lastCheck != nil && $0.consecutiveErrors == 0 }.count,
            failing: feeds.filter { $0.consecutiveErrors > 0 }.count, neverChecked: neverChecked,
            postsWritten: feeds.reduce(0) { $0 + $1.postsWritten },
            nextCheck: neverChecked > 0 ? nil : feeds.compactMap(\.nextCheck).min(),
            blocked: feeds.reduce(0) { $0 + $1.blocked })
        return StatusReport(
            feeds: feeds, totals: totals, categories: Self.categories(config: config, stored: categories, counts: counts))
    }

    /// The category lines, sorted by slug. Posts written before finews recorded
    /// their category count for their feed's category when it is plain text; a
    /// tag not recorded yet is the tag of a plain feed with that category.
    private static func categories(
        config: Config, stored: [String: StoredCategory], counts: [CategoryCount]
    ) -> [Category] {
        var plainCategory: [String: String] = [:]
        var plainTag: [String: String] = [:]
        for feed in config.feeds {
            guard let category = feed.categoryTemplate.plainText else { continue }
            plainCategory[feed.name] = category
            if plainTag[category] == nil, let tag = feed.tagTemplate.plainText { plainTag[category] = tag }
        }
        var posts: [String: Int] = [:]
        for count in counts {
            guard let category = count.category ?? plainCategory[count.feed] else { continue }
            posts[category, default: 0] += count.posts
        }
        let slugs = Set(stored.keys).union(posts.keys)
        return slugs.sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }.map { slug in
            Category(slug: slug, outlet: stored[slug]?.outlet, tag: stored[slug]?.tag ?? plainTag[slug],
                     posts: posts[slug] ?? 0)
        }
    }

    /// The report as JSON: keys sorted, dates in RFC 3339 (UTC), absent values as null.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(JSONForm(self)) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The report as a table for a terminal, times relative to `now`.
    public func table(now: Date = Date()) -> String {
        // The SIMILAR column is shown only with `[dedupe] similar` on.
        let showsSimilar = feeds.contains { $0.similar != nil }
        let header = ["FEED", "INTERVAL", "LAST CHECK", "RESULT", "ERRORS", "NEXT CHECK", "POSTS"]
            + (showsSimilar ? ["SIMILAR"] : []) + (cluster != nil ? ["NODE"] : [])
        var rows: [[String]] = [header]
        for feed in feeds {
            let reason = IntervalReason(rawValue: feed.intervalReason)?.label ?? feed.intervalReason
            var row = [
                feed.name,
                "\(ConfigValues.format(feed.interval)) (\(reason))",
                feed.lastCheck.map { Self.ago($0, now: now) } ?? "never",
                Self.result(feed),
                "\(feed.consecutiveErrors)",
                feed.nextCheck.map { Self.until($0, now: now) } ?? "now",
                "\(feed.postsWritten)",
            ]
            if showsSimilar { row.append("\(feed.similar ?? 0)") }
            if cluster != nil {
                row.append(feed.leasedBy.map { "\($0) (checking)" } ?? feed.checkedBy ?? "-")
            }
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        for feed in feeds {
            if let error = feed.lastError, feed.consecutiveErrors > 0 {
                lines.append("\(feed.name): \(error)")
            }
            if feed.blocked > 0 {
                lines.append("\(feed.name): \(feed.blocked) stor\(feed.blocked == 1 ? "y" : "ies") blocked by block/keep rules")
            }
            if let missing = feed.fullTextMissing, missing > 0 {
                lines.append("\(feed.name): \(missing) post\(missing == 1 ? "" : "s") still without full text "
                    + "(finews retries for three days; the log names each failure)")
                if let error = feed.fullTextError {
                    lines.append("\(feed.name): latest full-text failure: \(error)")
                }
                if !feed.allowPrivateNetworks, feed.fullTextError?.contains("refused: ") ?? true {
                    // This one is fixed in feeds.conf.
                    lines.append("\(feed.name): where a failure says \"refused: ... address\", the story links off the "
                        + "feed's own host to a loopback or private address; allow_private_networks = true fetches it")
                }
            }
        }
        var total = "\(totals.feeds) feed\(totals.feeds == 1 ? "" : "s"): \(totals.ok) ok, \(totals.failing) failing, "
            + "\(totals.neverChecked) never checked; \(totals.postsWritten) post\(totals.postsWritten == 1 ? "" : "s") written"
        if totals.blocked > 0 { total += ", \(totals.blocked) blocked" }
        if totals.feeds > 0 {
            total += "; next check " + (totals.nextCheck.map { Self.until($0, now: now) } ?? "now")
        }
        lines.append(total)
        if let hook {
            lines.append(Self.hookLine(hook, now: now))
        }
        if let cluster {
            lines.append("publisher: " + (cluster.publisher ?? "none (no node holds the lock)")
                + "; \(cluster.pendingPosts) post\(cluster.pendingPosts == 1 ? "" : "s") waiting to be written")
            for node in cluster.nodes {
                lines.append("node \(node.name): \(node.hostname) pid \(node.pid), "
                    + (node.site.map { "site \($0)" } ?? "fetch only") + ", last seen \(Self.ago(node.seenAt, now: now))")
            }
        }
        if !categories.isEmpty {
            lines.append("")
            lines += categoryTable()
        }
        return lines.joined(separator: "\n")
    }

    /// `after_write hook: 12 runs, 1 failed; last run 1m ago: ok; last failure 3h ago: exit status 128; ...`.
    static func hookLine(_ hook: HookRecord, now: Date) -> String {
        var line = "after_write hook: \(hook.runs) run\(hook.runs == 1 ? "" : "s"), \(hook.failures) failed"
        if let last = hook.lastRun, let outcome = hook.lastOutcome {
            line += "; last run \(ago(last, now: now)): "
                + (outcome.succeeded ? "ok" : "\(outcome.result.rawValue) (\(outcome.message))")
            if outcome.succeeded, let failed = hook.lastFailure, let message = hook.lastFailureMessage {
                line += "; last failure \(ago(failed, now: now)): \(message)"
            }
        }
        return line
    }

    /// The categories as table lines. Columns are padded by display width, so that
    /// Chinese names (two columns each on a terminal) line up.
    private func categoryTable() -> [String] {
        let header = ["CATEGORY", "OUTLET", "TAG", "POSTS"]
        let rows = [header] + categories.map { [$0.slug, $0.outlet ?? "-", $0.tag ?? "-", "\($0.posts)"] }
        let widths = header.indices.map { column in rows.map { Self.displayWidth($0[column]) }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - Self.displayWidth(cell))
            }.joined(separator: "  ")
        }
    }

    /// Terminal columns `text` takes: two for East Asian wide and full-width
    /// characters (Han, kana, Hangul, full-width forms), one for the others.
    static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { width, character in
            guard let scalar = character.unicodeScalars.first else { return width }
            let wide: [ClosedRange<UInt32>] = [
                0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
                0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
                0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
            ]
            return width + (wide.contains { $0.contains(scalar.value) } ? 2 : 1)
        }
    }

    private static func result(_ feed: Feed) -> String {
        guard let result = feed.result else { return "-" }
        let word = result == "failed" ? "failed" : (result == "fetched" ? "ok" : result)
        var details: [String] = []
        if let status = feed.httpStatus, status > 0 { details.append("HTTP \(status)") }
        if let retryAfter = feed.retryAfter, feed.consecutiveErrors > 0 {
            details.append("Retry-After \(ConfigValues.format(retryAfter))")
        }
        return details.isEmpty ? word : "\(word) (\(details.joined(separator: ", ")))"
    }

    /// `3m ago`, `just now`.
    static func ago(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded())
        return seconds < 1 ? "just now" : "\(span(seconds)) ago"
    }

    /// `in 4m`, `now` when due or overdue.
    static func until(_ date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded())
        return seconds < 1 ? "now" : "in \(span(seconds))"
    }

    /// A short span: `45s`, `12m`, `3h20m`, `2d4h`.
    static func span(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m" + (seconds % 60 > 0 && seconds < 600 ? "\(seconds % 60)s" : "")
        case ..<86_400: return "\(seconds / 3600)h" + (seconds % 3600 >= 60 ? "\(seconds % 3600 / 60)m" : "")
        default: return "\(seconds / 86_400)d" + (seconds % 86_400 >= 3600 ? "\(seconds % 86_400 / 3600)h" : "")
        }
    }
}

/// The JSON layout: every key present, null for absent values.
private struct JSONForm: Encodable {
    let report: StatusReport

    init(_ report: StatusReport) {
        self.report = report
    }

    enum Keys: String, CodingKey {
        case feeds, totals, categories
        case name, url, interval, intervalReason, lastCheck, result, httpStatus, consecutiveErrors, lastError,
             retryAfter, nextCheck, postsWritten, fullTextMissing, fullTextError, similar, ok, failing, neverChecked,
             blocked
        case slug, outlet, tag, posts
        case hook, runs, failures, lastRun, lastResult, lastFailure, lastFailureMessage
        case checkedBy, leasedBy, publisher, pendingPosts, nodes, hostname, pid, site, seenAt
    }

    func encode(to encoder: any Encoder) throws {
        var root = encoder.container(keyedBy: Keys.self)
        var list = root.nestedUnkeyedContainer(forKey: .feeds)
        for feed in report.feeds {
            var item = list.nestedContainer(keyedBy: Keys.self)
            try item.encode(feed.name, forKey: .name)
            try item.encode(feed.url, forKey: .url)
            try item.encode(feed.interval, forKey: .interval)
            try item.encode(feed.intervalReason, forKey: .intervalReason)
            try item.encode(feed.lastCheck, forKey: .lastCheck)
            try item.encode(feed.result, forKey: .result)
            try item.encode(feed.httpStatus, forKey: .httpStatus)
            try item.encode(feed.consecutiveErrors, forKey: .consecutiveErrors)
            try item.encode(feed.lastError, forKey: .lastError)
            try item.encode(feed.retryAfter, forKey: .retryAfter)
            try item.encode(feed.nextCheck, forKey: .nextCheck)
            try item.encode(feed.postsWritten, forKey: .postsWritten)
            try item.encode(feed.fullTextMissing, forKey: .fullTextMissing)
            try item.encode(feed.fullTextError, forKey: .fullTextError)
            try item.encode(feed.blocked, forKey: .blocked)
            try item.encode(feed.similar, forKey: .similar)
            if report.cluster != nil {
                try item.encode(feed.checkedBy, forKey: .checkedBy)
                try item.encode(feed.leasedBy, forKey: .leasedBy)
            }
        }
        if let cluster = report.cluster {
            try root.encode(cluster.publisher, forKey: .publisher)
            try root.encode(cluster.pendingPosts, forKey: .pendingPosts)
            var nodes = root.nestedUnkeyedContainer(forKey: .nodes)
            for node in cluster.nodes {
                var item = nodes.nestedContainer(keyedBy: Keys.self)
                try item.encode(node.name, forKey: .name)
                try item.encode(node.hostname, forKey: .hostname)
                try item.encode(node.pid, forKey: .pid)
                try item.encode(node.site, forKey: .site)
                try item.encode(node.seenAt, forKey: .seenAt)
            }
        }
        var totals = root.nestedContainer(keyedBy: Keys.self, forKey: .totals)
        try totals.encode(report.totals.feeds, forKey: .feeds)
        try totals.encode(report.totals.ok, forKey: .ok)
        try totals.encode(report.totals.failing, forKey: .failing)
        try totals.encode(report.totals.neverChecked, forKey: .neverChecked)
        try totals.encode(report.totals.postsWritten, forKey: .postsWritten)
        try totals.encode(report.totals.nextCheck, forKey: .nextCheck)
        try totals.encode(report.totals.blocked, forKey: .blocked)
        var categories = root.nestedUnkeyedContainer(forKey: .categories)
        for category in report.categories {
            var item = categories.nestedContainer(keyedBy: Keys.self)
            try item.encode(category.slug, forKey: .slug)
            try item.encode(category.outlet, forKey: .outlet)
            try item.encode(category.tag, forKey: .tag)
            try item.encode(category.posts, forKey: .posts)
        }
        if let hook = report.hook {
            var item = root.nestedContainer(keyedBy: Keys.self, forKey: .hook)
            try item.encode(hook.runs, forKey: .runs)
            try item.encode(hook.failures, forKey: .failures)
            try item.encode(hook.lastRun, forKey: .lastRun)
            try item.encode(hook.lastOutcome?.result.rawValue, forKey: .lastResult)
            try item.encode(hook.lastFailure, forKey: .lastFailure)
            try item.encode(hook.lastFailureMessage, forKey: .lastFailureMessage)
        } else {
            try root.encodeNil(forKey: .hook)
        }
    }
}
