public import Foundation
public import FinewsNormalize
import FinewsExtract

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
    /// The `[dedupe]` table: near-copies of a story across outlets.
    public var dedupe = NearDuplicatePolicy()

    /// The state folder (`<output>/.finews`).
    public var stateDirectory: URL { site.output.appendingPathComponent(".finews", isDirectory: true) }
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
                           "allow_private_networks"]
    static let dedupeKeys = ["similar", "window", "threshold"]
    static let tables = ["site", "fetch", "schedule", "slugs", "feed", "dedupe"]

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
        var timeZone = TimeZone.current
        if let name = string(siteTable, "timezone") {
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
            } else {
                problem(siteTable?.entry("timezone")?.keyLine ?? 0,
                        "unknown timezone '\(name)' in [site]; use an IANA name such as \"Asia/Shanghai\"")
            }
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
        config.dedupe = readDedupe(table(root, "dedupe"))
        return config
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
            fullText: readFullText(table, label: label), line: table.line)
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
