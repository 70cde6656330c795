public import Foundation
public import FinewsFetch
public import FinewsNormalize
public import FinewsExtract

/// The validated contents of feeds.conf (DESIGN.md §4).
public struct Config: Sendable {
    /// The `[site]` table.
    public struct Site: Sendable {
        /// The Jekyll site root (absolute).
        public var output: URL
        /// The base URL used in links (`//example.com`), without a trailing slash.
        public var baseURL: String
        /// The zone dates are shown in.
        public var timeZone: TimeZone
        /// The folder below the site root that old posts move to.
        public var archiveDir: String
        /// Posts older than this many seconds move to ``archiveDir``; 0 never rotates.
        public var archiveAfter: Int
    }

    /// The `[fetch]` table.
    public struct Fetch: Sendable {
        public var concurrency = 16
        public var perHost = 2
        public var timeout = 30
        public var maxSize = 10 << 20
        public var userAgent: String?
        /// Whether redirects and full-text links may lead to loopback, private,
        /// link-local and other internal addresses (a feed's own URL always may).
        public var allowPrivateNetworks = false
    }

    /// The `[schedule]` table.
    public struct Schedule: Sendable {
        /// Seconds between checks of a feed.
        public var interval = 15 * 60
        /// The longest wait after repeated failures, in seconds.
        public var maxBackoff = 24 * 3600
        /// The shortest interval, in seconds: the floor of configured intervals,
        /// hints and backoff alike. One minute unless lowered (tests use seconds).
        public var minInterval = 60
        /// Whether feed hints (`ttl`, `sy:updatePeriod`, `Cache-Control: max-age`)
        /// may lengthen a feed's interval.
        public var respectHints = true
        /// The longest interval any hint may set, in seconds (a day).
        public static let maximumInterval = 24 * 3600
    }

    /// One `[[feed]]` entry.
    public struct Feed: Sendable {
        /// Unique, stable name (`[A-Za-z0-9_-]`).
        public var name: String
        /// The URL to fetch: http(s), or a `file://` URL for a local path.
        public var url: String
        /// The URL as written in the file, for messages.
        public var urlAsWritten: String
        /// The tag and category as written (templates included).
        public var tag: String
        public var category: String
        /// The tag and category, parsed: plain text or placeholders filled per entry.
        public var tagTemplate: FilingTemplate
        public var categoryTemplate: FilingTemplate
        public var interval: Int?
        /// Per-feed override of `[schedule] respect_hints`.
        public var respectHints: Bool?
        public var userAgent: String?
        public var timeout: Int?
        public var maxSize: Int?
        /// Per-feed override of `[fetch] allow_private_networks`.
        public var allowPrivateNetworks: Bool? = nil
        /// Rule 2 of the infoCode: a regular expression with one capture group.
        public var infocodePattern: String?
        /// Where each new story's full text is fetched from; nil to keep the feed's own content.
        public var fullText: FullTextSource?
        /// The line of the `[[feed]]` header, for messages.
        public var line: Int
        /// How the stories of a JSON API or HTML list page are found (`format`,
        /// `items`, `item.*`); nil for feeds, whose format is sniffed.
        public var list: StoryListMapping? = nil
        /// The feed's own `block` and `keep` rules (``Config/filter`` holds the global ones).
        public var filter: StoryFilter = .none
        /// `headers`: sent with the feed's requests and its stories' full-text requests.
        public var headers: [(name: String, value: String)] = []
        /// `username` and `password_file`: HTTP basic authentication for the feed's host.
        public var credentials: BasicCredentials? = nil

        /// Where the feed's posts go, entry by entry.
        public var filing: FeedFiling {
            FeedFiling(feedName: name, category: categoryTemplate, tag: tagTemplate)
        }
    }

    /// The file the configuration was read from.
    public var file: URL
    public var site: Site
    public var fetch: Fetch
    public var schedule: Schedule
    public var feeds: [Feed]
    /// The `[slugs]` table: an outlet's name (normalized with ``SlugRegistry/key(_:)``)
    /// to the slug it must have, so that existing URLs are kept.
    public var slugOverrides: [String: String] = [:]
    /// The `[filter]` table: block and keep rules for every feed.
    public var filter: StoryFilter = .none
    /// The `[hooks]` table: what runs after a cycle that changed the site.
    public var hooks = Hooks()
    /// The `[metrics]` table: Prometheus figures over HTTP or in a file.
    public var metrics = Metrics()
    /// The `[post]` table: optional front matter fields and the date format.
    public var post = PostFormat()
    /// The `[dedupe]` table: near-copies of a story across outlets.
    public var dedupe = NearDuplicatePolicy()
    /// The `[state]` table: the SQLite file (default) or a shared PostgreSQL database.
    public var state = State()

    /// The `[state]` table. Without `database`, the state is the SQLite file in
    /// `<output>/.finews`; with it, this process is one node of a cluster that shares
    /// the PostgreSQL database (README, "Running several nodes").
    public struct State: Sendable {
        /// `postgresql://user@host:port/dbname?sslmode=...`, as written; libpq's
        /// `PG*` variables fill in what it leaves out.
        public var database: String?
        /// The password read from `password_file`; never printed.
        public var password: String?
        /// This node's name in the shared state (default `hostname:pid`).
        public var node: String?
        /// How long a node holds the feeds it took, in seconds; renewed while it works on them.
        public var lease = 120
        /// Whether this node may write the site when it holds the publisher lock.
        public var publish = true

        /// Creates the default: SQLite.
        public init() {}
    }

    /// The state folder (`<output>/.finews`).
    public var stateDirectory: URL { site.output.appendingPathComponent(".finews", isDirectory: true) }

    /// The rules a story of `feed` must pass: `[filter]`'s, then the feed's own.
    public func storyFilter(for feed: Feed) -> StoryFilter {
        StoryFilter(global: filter, feed: feed.filter)
    }
}

/// A configuration file that could not be used, with every problem found in it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// One problem, at a line of the file (0 when the file itself is the problem).
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String

        public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
    }

    /// The problems, in file order.
    public var problems: [Problem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension Config {
    /// The configuration file to use: `explicit`, then `$FINEWS_CONFIG`, then
    /// `./feeds.conf`, then `/etc/finews/feeds.conf`.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = environment["FINEWS_CONFIG"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        if FileManager.default.fileExists(atPath: "feeds.conf") { return URL(fileURLWithPath: "feeds.conf") }
        return URL(fileURLWithPath: "/etc/finews/feeds.conf")
    }

    /// Reads and validates a configuration file.
    /// - Throws: ``ConfigError`` listing every problem with its line.
    public static func load(from file: URL) throws(ConfigError) -> Config {
        let display = file.relativePath
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ConfigError(problems: [.init(file: display, line: 0,
                message: "cannot read the configuration file (\(Self.reason(error))); pass --config or set FINEWS_CONFIG")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(problems: [.init(file: display, line: 0, message: "the file is not valid UTF-8")])
        }
        return try parse(text, file: file.standardizedFileURL, displayName: display)
    }

    /// Validates configuration text; relative paths resolve against `file`'s folder.
    public static func parse(_ text: String, file: URL, displayName: String) throws(ConfigError) -> Config {
        let table: TOMLTable
        do {
            table = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(problems: [.init(file: displayName, line: error.line, message: error.message)])
        }
        var reader = ConfigReader(file: displayName, folder: file.deletingLastPathComponent())
        let config = reader.read(table, file: file)
        if !reader.problems.isEmpty { throw ConfigError(problems: reader.problems) }
        guard let config else { throw ConfigError(problems: [.init(file: displayName, line: 0, message: "invalid configuration")]) }
        return config
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}

/// Walks the TOML tables, checking keys and types and collecting every problem.
private struct ConfigReader {
    let file: String
    let folder: URL
    var problems: [ConfigError.Problem] = []
    /// `[schedule] min_interval`, which per-feed intervals are checked against.
    var minInterval = 60

    static let siteKeys = ["output", "base_url", "timezone", "archive_dir", "archive_after"]
    static let fetchKeys = ["concurrency", "per_host", "timeout", "max_size", "user_agent", "allow_private_networks"]
    static let scheduleKeys = ["interval", "max_backoff", "min_interval", "respect_hints"]
    static let feedKeys = ["name", "url", "tag", "category", "interval", "respect_hints", "user_agent", "timeout",
                           "max_size", "infocode_pattern", "fulltext_url", "fulltext_json", "fulltext_xpath",
                           "allow_private_networks", "format", "items", "item", "block", "keep", "headers",
                           "username", "password_file"]
    static let filterKeys = ["block", "keep"]
    static let dedupeKeys = ["similar", "window", "threshold"]
    static let stateKeys = ["database", "password_file", "node", "lease", "publish"]
    static let tables = ["site", "fetch", "schedule", "slugs", "feed", "filter", "hooks", "metrics", "post", "dedupe",
                         "state"]

    mutating func read(_ root: TOMLTable, file configFile: URL) -> Config? {
        for entry in root.entries where !Self.tables.contains(entry.key) {
            unknown(entry.key, line: entry.keyLine, context: "at the top level", known: Self.tables)
        }
        let siteTable = table(root, "site")
        let fetchTable = table(root, "fetch")
        let scheduleTable = table(root, "schedule")
        checkKeys(siteTable, Self.siteKeys, context: "in [site]")
        checkKeys(fetchTable, Self.fetchKeys, context: "in [fetch]")
        checkKeys(scheduleTable, Self.scheduleKeys, context: "in [schedule]")

        let outputPath = string(siteTable, "output") ?? "site"
        let output = URL(fileURLWithPath: outputPath, relativeTo: folder).standardizedFileURL
        var baseURL = string(siteTable, "base_url") ?? ""
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        // The machine's zone only when none is named: finding it reads /etc/localtime.
        var timeZone: TimeZone
        if let name = string(siteTable, "timezone") {
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
            } else {
                timeZone = TimeZone.current
                problem(siteTable?.entry("timezone")?.keyLine ?? 0,
                        "unknown timezone '\(name)' in [site]; use an IANA name such as \"Asia/Shanghai\"")
            }
        } else {
            timeZone = TimeZone.current
        }
        let archiveDir = string(siteTable, "archive_dir") ?? "old_post"
        if !Self.isSafeName(archiveDir) {
            problem(siteTable?.entry("archive_dir")?.keyLine ?? 0,
                    "archive_dir '\(archiveDir)' must be a plain folder name of letters, digits, '_' and '-'")
        }
        let site = Config.Site(
            output: output, baseURL: baseURL, timeZone: timeZone, archiveDir: archiveDir,
            archiveAfter: duration(siteTable, "archive_after") ?? 0)

        var fetch = Config.Fetch()
        fetch.concurrency = positive(fetchTable, "concurrency") ?? fetch.concurrency
        fetch.perHost = positive(fetchTable, "per_host") ?? fetch.perHost
        fetch.timeout = duration(fetchTable, "timeout") ?? fetch.timeout
        fetch.maxSize = size(fetchTable, "max_size") ?? fetch.maxSize
        fetch.userAgent = string(fetchTable, "user_agent")
        fetch.allowPrivateNetworks = boolean(fetchTable, "allow_private_networks") ?? fetch.allowPrivateNetworks

        var schedule = Config.Schedule()
        if let minInterval = duration(scheduleTable, "min_interval") {
            if minInterval < 1 || minInterval > Config.Schedule.maximumInterval {
                problem(scheduleTable?.entry("min_interval")?.keyLine ?? 0,
                        "'min_interval' must be from 1s to 24h")
            } else {
                schedule.minInterval = minInterval
            }
        }
        if let interval = duration(scheduleTable, "interval") {
            checkInterval(interval, line: scheduleTable?.entry("interval")?.keyLine ?? 0,
                          context: "in [schedule]", minInterval: schedule.minInterval)
            schedule.interval = interval
        }
        if let maxBackoff = duration(scheduleTable, "max_backoff") {
            if maxBackoff < schedule.minInterval {
                problem(scheduleTable?.entry("max_backoff")?.keyLine ?? 0,
                        "'max_backoff' must be at least min_interval (\(ConfigValues.format(schedule.minInterval)))")
            }
            schedule.maxBackoff = maxBackoff
        }
        schedule.respectHints = boolean(scheduleTable, "respect_hints") ?? schedule.respectHints
        self.minInterval = schedule.minInterval

        var feeds: [Config.Feed] = []
        var names: [String: Int] = [:]
        if let value = root["feed"] {
            guard case .array(let items) = value.kind else {
                problem(value.line, "'feed' must be written as [[feed]] tables")
                return nil
            }
            for item in items {
                guard case .table(let feedTable) = item.kind else {
                    problem(item.line, "each [[feed]] must be a table")
                    continue
                }
                if let feed = readFeed(feedTable) {
                    if let first = names[feed.name] {
                        problem(feed.line, "duplicate feed name '\(feed.name)' (first used on line \(first)); names must be unique")
                    } else {
                        names[feed.name] = feed.line
                        feeds.append(feed)
                    }
                }
            }
        }
        var config = Config(file: configFile, site: site, fetch: fetch, schedule: schedule, feeds: feeds)
        config.slugOverrides = readSlugs(table(root, "slugs"))
        let filterTable = table(root, "filter")
        checkKeys(filterTable, Self.filterKeys, context: "in [filter]")
        config.filter = readFilter(filterTable, label: "[filter]")
        config.hooks = readHooks(table(root, "hooks"))
        config.metrics = readMetrics(table(root, "metrics"))
        config.post = readPost(table(root, "post"))
        config.dedupe = readDedupe(table(root, "dedupe"))
        config.state = readState(table(root, "state"), config: config,
                                 outputGiven: table(root, "site")?.entry("output") != nil)
        return config
    }

    /// `[state]`: `database`, `password_file`, `node`, `lease`, `publish`. What a
    /// shared database does not support yet is refused here, with the key to change.
    /// A node of a cluster without `[site] output` has no site: it only fetches.
    private mutating func readState(_ table: TOMLTable?, config: Config, outputGiven: Bool) -> Config.State {
        var state = Config.State()
        guard let table else { return state }
        checkKeys(table, Self.stateKeys, context: "in [state]")
        func line(_ key: String) -> Int { table.entry(key)?.keyLine ?? table.line }
        if let database = string(table, "database") {
            if database.hasPrefix("postgresql://") || database.hasPrefix("postgres://") {
                state.database = database
            } else {
                problem(line("database"), "database in [state] must be a PostgreSQL URL such as "
                    + "\"postgresql://finews@db.internal:5432/finews\"; leave it out for the SQLite file in <output>/.finews")
            }
        }
        if let path = string(table, "password_file") {
            let file = URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
            if let data = FileManager.default.contents(atPath: file.path), var password = String(data: data, encoding: .utf8) {
                while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
                state.password = password
            } else {
                problem(line("password_file"), "cannot read password_file '\(path)' of [state] (\(file.path)); "
                    + "check that the file exists and finews may read it")
            }
        }
        if let node = string(table, "node") {
            if node.isEmpty || node.count > 63 || node.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) {
                problem(line("node"), "node in [state] must be 1 to 63 visible characters without spaces, such as \"web-1\"")
            } else {
                state.node = node
            }
        }
        if let lease = duration(table, "lease") {
            if lease < 5 || lease > 3600 {
                problem(line("lease"), "'lease' in [state] must be from 5s to 1h")
            } else {
                state.lease = lease
            }
        }
        let publish = boolean(table, "publish")
        state.publish = publish ?? state.publish
        if state.database != nil, !outputGiven {
            if publish == true {
                problem(line("publish"), "publish = true in [state] needs the site this node writes: "
                    + "set output in [site], or leave publish out for a node that only fetches")
            }
            state.publish = false
        }
        if state.database != nil {
            // Parts of a cycle that keep their own state in SQLite; each is refused by the key that asks for it.
            let unsupported = "is not supported yet with a PostgreSQL [state] database; remove it, or leave the "
                + "database out to keep the SQLite state"
            if let feed = config.feeds.first(where: { $0.fullText != nil }) {
                problem(feed.line, "fulltext_url in [[feed]] '\(feed.name)' " + unsupported)
            }
            if config.site.archiveAfter > 0 { problem(line("database"), "[site] archive_after " + unsupported) }
            if config.hooks.afterWrite != nil { problem(line("database"), "[hooks] after_write " + unsupported) }
        } else if table.entry("node") != nil || table.entry("lease") != nil || table.entry("publish") != nil {
            problem(table.line, "node, lease and publish in [state] only apply with a PostgreSQL database = \"postgresql://...\"")
        }
        return state
    }

    /// `[dedupe]`: `similar = "off" | "skip" | "mark"`, `window = "3d"`, `threshold = 0.85`.
    private mutating func readDedupe(_ table: TOMLTable?) -> NearDuplicatePolicy {
        var policy = NearDuplicatePolicy()
        guard let table else { return policy }
        checkKeys(table, Self.dedupeKeys, context: "in [dedupe]")
        if let mode = string(table, "similar") {
            if let known = NearDuplicatePolicy.Mode(rawValue: mode) {
                policy.mode = known
            } else {
                let modes = NearDuplicatePolicy.Mode.allCases.map(\.rawValue)
                var message = "'similar' in [dedupe] must be \"off\", \"skip\" or \"mark\", not \"\(mode)\""
                if let suggestion = Self.closest(to: mode, in: modes) { message += " — did you mean \"\(suggestion)\"?" }
                problem(table.entry("similar")?.keyLine ?? table.line, message)
            }
        }
        if let window = duration(table, "window") {
            if window < 60 || window > 90 * 86_400 {
                problem(table.entry("window")?.keyLine ?? table.line, "'window' in [dedupe] must be from 1m to 90d")
            } else {
                policy.window = window
            }
        }
        if let entry = table.entry("threshold") {
            let value: Double? = switch entry.value.kind {
            case .float(let number): number
            case .integer(let number): Double(number)
            default: nil
            }
            if let value, value > 0, value <= 1 {
                policy.threshold = value
            } else {
                problem(entry.keyLine, "'threshold' in [dedupe] must be a number above 0 and at most 1, such as 0.85")
            }
        }
        return policy
    }

    /// `[slugs]`: `"漯河日报" = "taheribao"`, one outlet per key.
    private mutating func readSlugs(_ table: TOMLTable?) -> [String: String] {
        guard let table else { return [:] }
        var overrides: [String: String] = [:]
        var lines: [String: Int] = [:]
        for entry in table.entries {
            guard case .string(let slug) = entry.value.kind else {
                problem(entry.keyLine, "the slug of '\(entry.key)' in [slugs] must be a string, not \(entry.value.typeName)")
                continue
            }
            let outlet = SlugRegistry.key(entry.key)
            if outlet.isEmpty {
                problem(entry.keyLine, "an outlet name in [slugs] must not be empty")
            } else if !Slug.isValidOverride(slug) {
                problem(entry.keyLine, "the slug '\(slug)' of '\(entry.key)' in [slugs] must be 1 to \(Slug.maximumLength) "
                    + "letters, digits, '_' and '-' (it names a file)")
            } else if let first = lines[outlet] {
                problem(entry.keyLine, "'\(entry.key)' in [slugs] names the same outlet as line \(first)")
            } else {
                overrides[outlet] = slug
                lines[outlet] = entry.keyLine
            }
        }
        return overrides
    }

    private mutating func readFeed(_ table: TOMLTable) -> Config.Feed? {
        let name = string(table, "name")
        let label = name.map { "[[feed]] '\($0)'" } ?? "[[feed]] on line \(table.line)"
        checkKeys(table, Self.feedKeys, context: "in \(label)")
        guard let name else {
            problem(table.line, "\(label) has no name; add name = \"...\" (letters, digits, '_' and '-')")
            return nil
        }
        guard Self.isSafeName(name) else {
            problem(table.entry("name")?.keyLine ?? table.line,
                    "feed name '\(name)' may only hold letters, digits, '_' and '-'")
            return nil
        }
        guard let urlText = string(table, "url") else {
            problem(table.line, "\(label) has no url; add url = \"https://...\" or a path to a local file")
            return nil
        }
        let urlLine = table.entry("url")?.keyLine ?? table.line
        guard let url = resolveURL(urlText, line: urlLine, label: label) else { return nil }
        let categoryText = string(table, "category")
        let categoryLine = table.entry("category")?.keyLine ?? table.line
        var categoryTemplate = FilingTemplate(plain: name)
        if let categoryText, let parsed = template(categoryText, key: "category", line: categoryLine, label: label) {
            checkCategory(parsed, written: categoryText, name: name, line: categoryLine, label: label)
            categoryTemplate = parsed
        }
        let tagText = string(table, "tag")
        let tagTemplate = tagText.flatMap {
            template($0, key: "tag", line: table.entry("tag")?.keyLine ?? table.line, label: label)
        } ?? FilingTemplate(plain: name)
        let pattern = string(table, "infocode_pattern")
        if let pattern {
            do {
                let regex = try NSRegularExpression(pattern: pattern)
                if regex.numberOfCaptureGroups < 1 {
                    problem(table.entry("infocode_pattern")?.keyLine ?? table.line,
                            "infocode_pattern in \(label) needs one capture group, as in \"id=(\\\\d+)\"")
                }
            } catch {
                problem(table.entry("infocode_pattern")?.keyLine ?? table.line,
                        "infocode_pattern in \(label) is not a valid regular expression")
            }
        }
        let interval = duration(table, "interval")
        if let interval {
            checkInterval(interval, line: table.entry("interval")?.keyLine ?? table.line, context: "in \(label)",
                          minInterval: minInterval)
        }
        return Config.Feed(
            name: name, url: url, urlAsWritten: urlText, tag: tagText ?? name, category: categoryText ?? name,
            tagTemplate: tagTemplate, categoryTemplate: categoryTemplate, interval: interval,
            respectHints: boolean(table, "respect_hints"), userAgent: string(table, "user_agent"),
            timeout: duration(table, "timeout"), maxSize: size(table, "max_size"),
            allowPrivateNetworks: boolean(table, "allow_private_networks"), infocodePattern: pattern,
            fullText: readFullText(table, label: label), line: table.line, list: readList(table, label: label),
            filter: readFilter(table, label: label), headers: readHeaders(table, label: label),
            credentials: readCredentials(table, label: label))
    }

    // MARK: Sources that are not feeds, rules, HTTP settings

    /// `format`, `items` and the `item.*` keys of a JSON API or HTML list source.
    private mutating func readList(_ table: TOMLTable, label: String) -> StoryListMapping? {
        func line(_ key: String) -> Int { table.entry(key)?.keyLine ?? table.line }
        let formats = StoryListMapping.Format.allCases.map(\.rawValue)
        guard let formatText = string(table, "format") else {
            for key in ["items", "item"] where table.entry(key) != nil {
                problem(line(key), "\(key) in \(label) needs format = \"json\" (a JSON API) or format = \"html\" "
                    + "(an HTML list page); feeds are read without them")
            }
            return nil
        }
        guard let format = StoryListMapping.Format(rawValue: formatText.lowercased()) else {
            var message = "unknown format '\(formatText)' in \(label); use \"json\" for a JSON API or \"html\" for an "
                + "HTML list page (RSS, Atom, RDF and JSON Feed are recognized without format)"
            if let suggestion = Self.closest(to: formatText.lowercased(), in: formats) {
                message = "unknown format '\(formatText)' in \(label) — did you mean '\(suggestion)'?"
            }
            problem(line("format"), message)
            return nil
        }
        let example = format == .json ? "\"data.list\"" : "\"//ul[@class='list']/li\""
        guard let items = string(table, "items") else {
            problem(line("format"), "\(label) has format = \"\(format.rawValue)\" but no items; add items = \(example), "
                + "where the stories are")
            return nil
        }
        var valid = true
        if let message = StoryListMapping.problem(format: format, expression: items, field: nil) {
            problem(line("items"), "items in \(label): \(message)")
            valid = false
        }
        var fields: [StoryListMapping.Field: String] = [:]
        let names = StoryListMapping.Field.allCases.map(\.rawValue)
        if let value = table["item"] {
            guard case .table(let itemTable) = value.kind else {
                problem(line("item"), "item in \(label) must hold keys such as item.title = \"title\", not \(value.typeName)")
                return nil
            }
            for entry in itemTable.entries {
                guard let field = StoryListMapping.Field(rawValue: entry.key) else {
                    unknown("item.\(entry.key)", line: entry.keyLine, context: "in \(label)", known: names.map { "item.\($0)" })
                    valid = false
                    continue
                }
                guard case .string(let expression) = entry.value.kind else {
                    problem(entry.keyLine, "'item.\(entry.key)' in \(label) must be a string, not \(entry.value.typeName)")
                    valid = false
                    continue
                }
                if let message = StoryListMapping.problem(format: format, expression: expression, field: field) {
                    problem(entry.keyLine, "item.\(entry.key) in \(label): \(message)")
                    valid = false
                }
                fields[field] = expression
            }
        }
        if fields[.title] == nil, fields[.link] == nil {
            problem(line("items"), "\(label) reads no title and no link of its stories; add item.title and item.link, "
                + (format == .json ? "as in item.title = \"title\"" : "as in item.title = \".//a\" and item.link = \".//a/@href\""))
            valid = false
        }
        return valid ? StoryListMapping(format: format, items: items, fields: fields) : nil
    }

    /// `block` and `keep`: arrays of `field=pattern` rules, each checked at its own line.
    private mutating func readFilter(_ table: TOMLTable?, label: String) -> StoryFilter {
        guard let table else { return .none }
        func rules(_ key: String) -> [StoryRule] {
            guard let entry = table.entry(key) else { return [] }
            guard case .array(let items) = entry.value.kind else {
                problem(entry.keyLine, "'\(key)' in \(label) must be an array of rules, as in \(key) = [\"title=(?i)广告\"]")
                return []
            }
            var rules: [StoryRule] = []
            for item in items {
                guard case .string(let text) = item.kind else {
                    problem(item.line, "each rule of '\(key)' in \(label) must be a string such as \"title=(?i)广告\", "
                        + "not \(item.typeName)")
                    continue
                }
                do {
                    rules.append(try StoryRule(parsing: text))
                } catch {
                    problem(item.line, error.message(in: "\(key) of \(label)"))
                }
            }
            return rules
        }
        return StoryFilter(block: rules("block"), keep: rules("keep"))
    }

    /// `headers = { Referer = "...", Cookie = "..." }`: names are HTTP tokens; no
    /// value may hold CR, LF or another control character (it would start a header).
    private mutating func readHeaders(_ table: TOMLTable, label: String) -> [(name: String, value: String)] {
        guard let entry = table.entry("headers") else { return [] }
        guard case .table(let headers) = entry.value.kind else {
            problem(entry.keyLine, "'headers' in \(label) must be a table, as in headers = { Referer = \"https://example.com/\" }")
            return []
        }
        var result: [(name: String, value: String)] = []
        for header in headers.entries {
            guard case .string(let value) = header.value.kind else {
                problem(header.keyLine, "the header '\(header.key)' in \(label) must be a string, not \(header.value.typeName)")
                continue
            }
            if !Self.isHeaderName(header.key) {
                problem(header.keyLine, "'\(header.key)' in headers of \(label) is not a header name; use letters, digits and '-'")
            } else if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problem(header.keyLine, "the header '\(header.key)' in \(label) holds a line break or control character; "
                    + "a header value is one line")
            } else {
                result.append((header.key, value))
            }
        }
        return result
    }

    /// `username` with `password_file` (relative to the config's folder), read now:
    /// the password is kept out of feeds.conf and never printed.
    private mutating func readCredentials(_ table: TOMLTable, label: String) -> BasicCredentials? {
        let username = string(table, "username")
        let passwordFile = string(table, "password_file")
        func line(_ key: String) -> Int { table.entry(key)?.keyLine ?? table.line }
        switch (username, passwordFile) {
        case (nil, nil):
            return nil
        case (_?, nil):
            problem(line("username"), "username in \(label) needs password_file = \"...\", a file holding the password")
            return nil
        case (nil, _?):
            problem(line("password_file"), "password_file in \(label) needs username = \"...\"")
            return nil
        case (let username?, let path?):
            if username.contains(":") || username.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problem(line("username"), "username in \(label) may not hold ':' or control characters (HTTP basic authentication)")
                return nil
            }
            let file = URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
            guard let data = FileManager.default.contents(atPath: file.path), var password = String(data: data, encoding: .utf8)
            else {
                problem(line("password_file"), "cannot read password_file '\(path)' of \(label) (\(file.path)); "
                    + "check that the file exists and finews may read it")
                return nil
            }
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problem(line("password_file"), "the password in '\(path)' of \(label) holds a line break or control "
                    + "character; the file must hold the password on one line")
                return nil
            }
            return BasicCredentials(username: username, password: password)
        }
    }

    /// An HTTP field name: RFC 9110's token characters.
    static func isHeaderName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// `fulltext_url` with at most one of `fulltext_json` and `fulltext_xpath`.
    private mutating func readFullText(_ table: TOMLTable, label: String) -> FullTextSource? {
        let urlText = string(table, "fulltext_url")
        let jsonPath = string(table, "fulltext_json")
        let xpath = string(table, "fulltext_xpath")
        func line(_ key: String) -> Int { table.entry(key)?.keyLine ?? table.line }
        guard let urlText else {
            for key in ["fulltext_json", "fulltext_xpath"] where table.entry(key) != nil {
                problem(line(key), "\(key) in \(label) needs fulltext_url: \"link\" to fetch each entry's link, "
                    + "or a URL such as \"https://host/article?id={infoCode}\"")
            }
            return nil
        }
        let target: FullTextSource.Target
        if urlText == "link" {
            target = .link
        } else {
            do {
                target = .template(try FullTextURLTemplate(parsing: urlText))
            } catch {
                problem(line("fulltext_url"), error.message(in: "fulltext_url of \(label)"))
                return nil
            }
        }
        let rule: ExtractionRule
        switch (jsonPath, xpath) {
        case (let path?, nil): rule = .json(path)
        case (nil, let expression?): rule = .xpath(expression)
        case (nil, nil): rule = .readability
        case (_?, _?):
            problem(line("fulltext_xpath"), "\(label) sets both fulltext_json and fulltext_xpath; "
                + "keep fulltext_json for a JSON answer or fulltext_xpath for an HTML page")
            return nil
        }
        if let message = ArticleExtractor.problem(with: rule) {
            problem(line(jsonPath != nil ? "fulltext_json" : "fulltext_xpath"), "\(message) in \(label)")
            return nil
        }
        return FullTextSource(target: target, rule: rule)
    }

    /// The `tag` or `category` of a feed, parsed; nil, with the problem recorded, when it has a mistake.
    private mutating func template(_ text: String, key: String, line: Int, label: String) -> FilingTemplate? {
        do {
            return try FilingTemplate(parsing: text)
        } catch {
            problem(line, Self.templateMessage(error, key: key, label: label))
            return nil
        }
    }

    /// A template problem in words, with the likely fix.
    static func templateMessage(_ error: FilingTemplate.ParseError, key: String, label: String) -> String {
        let place = "in \(key) of \(label)"
        switch error.code {
        case .unknownPlaceholder:
            var message = "unknown placeholder '\(error.written)' \(place)"
            let names = FilingTemplate.Placeholder.allCases.map(\.rawValue)
            if !error.name.isEmpty, let suggestion = closest(to: error.name, in: names),
               let range = error.written.range(of: error.name) {
                message += " — did you mean '\(error.written.replacingCharacters(in: range, with: suggestion))'?"
            } else {
                message += "; use " + names.map { "{\($0)}" }.joined(separator: ", ")
            }
            return message
        case .unknownFilter:
            var message = "unknown filter '|\(error.name)' in '\(error.written)' \(place)"
            let names = FilingTemplate.Filter.allCases.map(\.rawValue)
            if let suggestion = closest(to: error.name, in: names) {
                message += " — did you mean '|\(suggestion)'?"
            } else {
                message += "; the filter is " + names.map { "|\($0)" }.joined(separator: ", ")
            }
            return message
        case .tooManyFilters:
            return "'\(error.written)' \(place) has more than one filter; a placeholder takes one"
        case .unclosedBrace:
            return "'{' without '}' in '\(error.written)' \(place); write {{ for a literal brace"
        case .strayClosingBrace:
            return "'}' without '{' \(place); write }} for a literal brace"
        }
    }

    /// A category names a file: its text must be `[A-Za-z0-9_-]` and every value
    /// in it must go through `|slug`, except `{feed}` (names are already safe).
    private mutating func checkCategory(
        _ template: FilingTemplate, written: String, name: String, line: Int, label: String
    ) {
        if let plain = template.plainText {
            if !Self.isSafeName(plain) {
                problem(line, "category '\(written)' in \(label) may only hold letters, digits, '_' and '-' (it names a file)")
            }
            return
        }
        let literal = template.literalText
        if !literal.isEmpty, !Self.isSafeName(literal) {
            problem(line, "category '\(written)' in \(label) may only hold letters, digits, '_' and '-' "
                + "around its placeholders (it names a file)")
        }
        var longest = literal.utf8.count
        for (placeholder, filter) in template.placeholders {
            if filter == .slug {
                longest += Slug.maximumLength
            } else if placeholder == .feed {
                longest += name.utf8.count
            } else {
                problem(line, "'{\(placeholder.rawValue)}' in category of \(label) needs |slug, since a category names "
                    + "a file: write '{\(placeholder.rawValue)|slug}'")
            }
        }
        if longest > 200 {
            problem(line, "category '\(written)' in \(label) can be up to \(longest) characters long; "
                + "a category names a file, keep it within 200")
        }
    }

    private mutating func resolveURL(_ text: String, line: Int, label: String) -> String? {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file://") { return text }
        if let colon = text.firstIndex(of: ":"), text[..<colon].count > 1,
           text[..<colon].allSatisfy({ $0.isLetter }) {
            problem(line, "url '\(text)' in \(label) uses an unsupported scheme; use http, https or a file path")
            return nil
        }
        return URL(fileURLWithPath: text, relativeTo: folder).standardizedFileURL.absoluteString
    }

    static func isSafeName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    // MARK: Typed access

    private mutating func table(_ root: TOMLTable, _ key: String) -> TOMLTable? {
        guard let value = root[key] else { return nil }
        guard case .table(let table) = value.kind else {
            problem(value.line, "'\(key)' must be a table: write [\(key)]")
            return nil
        }
        return table
    }

    private mutating func checkKeys(_ table: TOMLTable?, _ known: [String], context: String) {
        guard let table else { return }
        for entry in table.entries where !known.contains(entry.key) {
            unknown(entry.key, line: entry.keyLine, context: context, known: known)
        }
    }

    private mutating func unknown(_ key: String, line: Int, context: String, known: [String]) {
        var message = "unknown key '\(key)' \(context)"
        if let suggestion = Self.closest(to: key, in: known) { message += " — did you mean '\(suggestion)'?" }
        problem(line, message)
    }

    private mutating func string(_ table: TOMLTable?, _ key: String) -> String? {
        guard let entry = table?.entry(key) else { return nil }
        guard case .string(let text) = entry.value.kind else {
            problem(entry.keyLine, "'\(key)' must be a string, not \(entry.value.typeName)")
            return nil
        }
        return text
    }

    private mutating func boolean(_ table: TOMLTable?, _ key: String) -> Bool? {
        guard let entry = table?.entry(key) else { return nil }
        guard case .boolean(let value) = entry.value.kind else {
            problem(entry.keyLine, "'\(key)' must be true or false, not \(entry.value.typeName)")
            return nil
        }
        return value
    }

    /// An interval must lie within [min_interval, 24h]: hints may lengthen it, nothing shortens it.
    private mutating func checkInterval(_ seconds: Int, line: Int, context: String, minInterval: Int) {
        if seconds < minInterval {
            problem(line, "'interval' \(context) is shorter than min_interval (\(ConfigValues.format(minInterval))); "
                + "lower [schedule] min_interval to allow it")
        } else if seconds > Config.Schedule.maximumInterval {
            problem(line, "'interval' \(context) must be at most 24h")
        }
    }

    private mutating func positive(_ table: TOMLTable?, _ key: String) -> Int? {
        guard let entry = table?.entry(key) else { return nil }
        guard case .integer(let value) = entry.value.kind, value > 0, value <= 10_000 else {
            problem(entry.keyLine, "'\(key)' must be a whole number from 1 to 10000")
            return nil
        }
        return Int(value)
    }

    private mutating func duration(_ table: TOMLTable?, _ key: String) -> Int? {
        guard let entry = table?.entry(key) else { return nil }
        if case .string(let text) = entry.value.kind, let seconds = ConfigValues.duration(text) { return seconds }
        problem(entry.keyLine, "'\(key)' must be a duration such as \"90s\", \"15m\", \"2h\" or \"3d\"")
        return nil
    }

    private mutating func size(_ table: TOMLTable?, _ key: String) -> Int? {
        guard let entry = table?.entry(key) else { return nil }
        if case .string(let text) = entry.value.kind, let bytes = ConfigValues.size(text) { return bytes }
        if case .integer(let value) = entry.value.kind, value > 0 { return Int(value) }
        problem(entry.keyLine, "'\(key)' must be a size such as \"512KiB\" or \"10MiB\"")
        return nil
    }

    private mutating func problem(_ line: Int, _ message: String) {
        problems.append(.init(file: file, line: line, message: message))
    }

    /// The known key nearest to `key` by edit distance, when it is close enough to be a typo.
    static func closest(to key: String, in known: [String]) -> String? {
        let scored = known.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (candidate, distance) = scored, distance <= max(2, key.count / 3) else { return nil }
        return candidate
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// Parsers for the value forms of feeds.conf.
public enum ConfigValues {
    /// Seconds in a duration such as `90s`, `15m`, `2h`, `3d` (or `0`); nil if malformed.
    public static func duration(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return 0 }
        guard let unit = trimmed.last, let value = Int(trimmed.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86_400
        default: return nil
        }
    }

    /// A duration in the largest unit that divides it: `90s`, `15m`, `2h`, `3d`.
    public static func format(_ seconds: Int) -> String {
        if seconds == 0 { return "0" }
        for (unit, factor) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds % factor == 0 {
            return "\(seconds / factor)\(unit)"
        }
        return "\(seconds)s"
    }

    /// Bytes in a size such as `512KiB`, `10MiB`, `1GiB`, `500KB` or `2048`; nil if malformed.
    public static func size(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000),
                                      ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value > 0
            else { return nil }
            return value * factor
        }
        return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }
}

// MARK: Publishing: [hooks], [metrics], [post]

extension Config {
    /// The `[hooks]` table.
    public struct Hooks: Sendable {
        /// A shell command (`/bin/sh -c`, in the site folder) run after every cycle
        /// that wrote or moved files; `{new}`, `{updated}` and `{archived}` are
        /// replaced by the cycle's counts. Nil runs nothing.
        public var afterWrite: String?
        /// Seconds the command may run before its process group is killed.
        public var timeout = 120
    }

    /// The `[metrics]` table.
    public struct Metrics: Sendable {
        /// Where `finews run` serves `/metrics` and `/healthz`; nil serves nothing.
        public var listen: ListenAddress?
        /// A file to write the figures to after every cycle, for node_exporter's
        /// textfile collector (absolute); nil writes none.
        public var textfile: URL?

        /// Whether finews keeps figures at all.
        public var isEnabled: Bool { listen != nil || textfile != nil }
    }

    /// An IP address and port to listen on.
    public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
        /// An IPv4 or IPv6 literal (`127.0.0.1`, `::1`).
        public var host: String
        /// The port; 0 lets the system choose one (the log names it).
        public var port: UInt16
        /// Whether ``host`` is an IPv6 address.
        public var isIPv6: Bool { host.contains(":") }

        public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Reads `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464`; nil when malformed.
        public init?(parsing text: String) {
            var host: Substring
            let portText: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                    return nil
                }
                host = text[text.index(after: text.startIndex)..<close]
                portText = text[text.index(close, offsetBy: 2)...]
            } else {
                guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            guard let port = UInt16(portText) else { return nil }
            if host == "localhost" { host = "127.0.0.1" }
            var ipv4 = in_addr()
            var ipv6 = in6_addr()
            let isIPv6 = host.contains(":")
            let valid = isIPv6 ? inet_pton(AF_INET6, String(host), &ipv6) == 1 : inet_pton(AF_INET, String(host), &ipv4) == 1
            guard valid else { return nil }
            self.host = String(host)
            self.port = port
        }
    }

    /// The `[post]` table: what a post holds beyond the reference post model.
    public struct PostFormat: Sendable, Hashable {
        /// A front matter field written after the reference ones.
        public enum Field: String, Sendable, Hashable, CaseIterable {
            /// The entry's author.
            case author
            /// The story's link on the publisher's site.
            case originalURL = "original_url"
            /// The first 150 characters of the text.
            case description
            /// When the post was last rewritten (absent on a first write).
            case lastModifiedAt = "last_modified_at"
            /// The first image of the body, else the first image attached to the entry.
            case image
            /// The story's infoCode.
            case infocode
        }

        /// How `date` (and `last_modified_at`) are written.
        public enum DateFormat: String, Sendable, Hashable, CaseIterable {
            /// `2022-03-02 08:08:45 +0800`, as the reference posts.
            case reference
            /// `2022-03-02T08:08:45+08:00`, as Eleventy and Hugo expect.
            case rfc3339
        }

        /// The extra fields, in the order written in feeds.conf.
        public var frontMatter: [Field] = []
        public var dateFormat = DateFormat.reference
    }
}

extension ConfigReader {
    static let hooksKeys = ["after_write", "timeout"]
    static let metricsKeys = ["listen", "textfile"]
    static let postKeys = ["front_matter", "date_format"]

    mutating func readHooks(_ table: TOMLTable?) -> Config.Hooks {
        var hooks = Config.Hooks()
        guard let table else { return hooks }
        checkKeys(table, Self.hooksKeys, context: "in [hooks]")
        if let command = string(table, "after_write") {
            if command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problem(table.entry("after_write")?.keyLine ?? table.line,
                        "after_write in [hooks] is empty; remove it, or give a shell command such as \"jekyll build\"")
            } else {
                hooks.afterWrite = command
            }
        }
        if let timeout = duration(table, "timeout") {
            if timeout < 1 {
                problem(table.entry("timeout")?.keyLine ?? table.line,
                        "'timeout' in [hooks] must be at least 1s, such as \"2m\"")
            } else {
                hooks.timeout = timeout
            }
        }
        return hooks
    }

    mutating func readMetrics(_ table: TOMLTable?) -> Config.Metrics {
        var metrics = Config.Metrics()
        guard let table else { return metrics }
        checkKeys(table, Self.metricsKeys, context: "in [metrics]")
        if let text = string(table, "listen") {
            if let address = Config.ListenAddress(parsing: text) {
                metrics.listen = address
            } else {
                problem(table.entry("listen")?.keyLine ?? table.line,
                        "listen '\(text)' in [metrics] must be an IP address and port, such as \"127.0.0.1:9464\" "
                            + "or \"[::1]:9464\"")
            }
        }
        if let path = string(table, "textfile") {
            if !path.hasSuffix(".prom") {
                problem(table.entry("textfile")?.keyLine ?? table.line,
                        "textfile '\(path)' in [metrics] must end in .prom (node_exporter's textfile collector "
                            + "reads only *.prom files), such as \"/var/lib/node_exporter/finews.prom\"")
            } else {
                metrics.textfile = URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL
            }
        }
        return metrics
    }

    mutating func readPost(_ table: TOMLTable?) -> Config.PostFormat {
        var post = Config.PostFormat()
        guard let table else { return post }
        checkKeys(table, Self.postKeys, context: "in [post]")
        let names = Config.PostFormat.Field.allCases.map(\.rawValue)
        if let entry = table.entry("front_matter") {
            guard case .array(let items) = entry.value.kind else {
                problem(entry.keyLine, "'front_matter' in [post] must be a list of field names, such as "
                    + "[\"author\", \"description\"]; the fields are " + names.joined(separator: ", "))
                return post
            }
            for item in items {
                guard case .string(let name) = item.kind else {
                    problem(item.line, "each field in [post] front_matter must be a string, not \(item.typeName)")
                    continue
                }
                guard let field = Config.PostFormat.Field(rawValue: name) else {
                    var message = "unknown field '\(name)' in [post] front_matter"
                    if let suggestion = Self.closest(to: name, in: names) {
                        message += " — did you mean '\(suggestion)'?"
                    } else {
                        message += "; the fields are " + names.joined(separator: ", ")
                    }
                    problem(item.line, message)
                    continue
                }
                if post.frontMatter.contains(field) {
                    problem(item.line, "'\(name)' is listed twice in [post] front_matter")
                } else {
                    post.frontMatter.append(field)
                }
            }
        }
        if let text = string(table, "date_format") {
            if let format = Config.PostFormat.DateFormat(rawValue: text) {
                post.dateFormat = format
            } else {
                let formats = Config.PostFormat.DateFormat.allCases.map(\.rawValue)
                var message = "unknown date_format '\(text)' in [post]"
                if let suggestion = Self.closest(to: text, in: formats) {
                    message += " — did you mean '\(suggestion)'?"
                } else {
                    message += "; use \"reference\" (2022-03-02 08:08:45 +0800) or \"rfc3339\" (2022-03-02T08:08:45+08:00)"
                }
                problem(table.entry("date_format")?.keyLine ?? table.line, message)
            }
        }
        return post
    }
}
