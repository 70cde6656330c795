public import FinewsNormalize
public import Foundation
import GRDB

/// What finews remembers about a post it wrote.
public struct StoredPost: Sendable, Hashable {
    /// The post's path below the site root (it may have moved to the archive folder).
    public var path: String
    /// SHA-256 (hex) of the file's bytes as last written.
    public var contentHash: String
    /// When finews first saw the story.
    public var firstSeen: Date
    /// The post's category as last written; nil for posts written before finews
    /// recorded it (it is filled in when the story is next seen in its feed).
    public var category: String?
    /// Whether the post holds the publisher's full text (feeds with `fulltext_url`).
    public var fullText: FullTextStatus
    /// The cycle (by its start time) that last took the story from a feed, written or
    /// not: a later feed of the same cycle carrying it again is a duplicate.
    public var lastCycle: Date?
    /// The feed that wrote the post: only it updates the post in place (nil when not read).
    public var feed: String?
    /// Why the last try at the story's full text failed, while it is pending.
    public var fullTextError: String?

    /// Creates a record.
    public init(
        path: String, contentHash: String, firstSeen: Date, category: String? = nil,
        fullText: FullTextStatus = .notRequested, lastCycle: Date? = nil, feed: String? = nil,
        fullTextError: String? = nil
    ) {
        self.feed = feed
        self.fullTextError = fullTextError
        self.path = path
        self.contentHash = contentHash
        self.firstSeen = firstSeen
        self.category = category
        self.fullText = fullText
        self.lastCycle = lastCycle
    }
}

/// Where a post's body came from, for feeds that fetch each story's full text.
public enum FullTextStatus: Sendable, Hashable {
    /// The body is the feed's own content; no full text was asked for.
    case notRequested
    /// The body is the full text fetched from the publisher. A post in this state
    /// is never rewritten from the feed's digest.
    case fetched
    /// Fetching the full text failed this many times in a row; the body is the
    /// feed's own content until a later cycle succeeds.
    case pending(failures: Int)

    /// The stored form: NULL, `fetched`, or `pending`, with the failures in a second column.
    var storedValue: String? {
        switch self {
        case .notRequested: nil
        case .fetched: "fetched"
        case .pending: "pending"
        }
    }

    /// The failed fetches so far (0 unless pending).
    public var failures: Int {
        if case .pending(let failures) = self { return failures }
        return 0
    }

    init(storedValue: String?, failures: Int?) {
        switch storedValue {
        case "fetched": self = .fetched
        case "pending": self = .pending(failures: failures ?? 0)
        default: self = .notRequested
        }
    }
}

/// A category whose page finews has written.
public struct StoredCategory: Sendable, Hashable {
    /// The category, as in `category/<slug>.html`.
    public var slug: String
    /// The outlet whose name gave the slug; nil for a category written as plain
    /// text in feeds.conf (and for categories recorded before finews kept outlets).
    public var outlet: String?
    /// The tag of the post that created the category: the page's title. Nil for
    /// categories recorded before finews kept tags, until a post of theirs is seen again.
    public var tag: String?

    /// Creates a record.
    public init(slug: String, outlet: String? = nil, tag: String? = nil) {
        self.slug = slug
        self.outlet = outlet
        self.tag = tag
    }
}

/// How many posts were written into a category from a feed.
public struct CategoryCount: Sendable, Hashable {
    /// Nil for posts written before finews recorded their category.
    public var category: String?
    public var feed: String
    public var posts: Int

    /// Creates a count.
    public init(category: String?, feed: String, posts: Int) {
        self.category = category
        self.feed = feed
        self.posts = posts
    }
}

/// What finews remembers about a feed between runs.
public struct FeedState: Sendable, Hashable, Codable {
    /// Validators for the next conditional GET.
    public var etag: String?
    public var lastModified: String?
    /// SHA-256 (hex) of the last body parsed, to skip unchanged bodies.
    public var bodyHash: String?
    /// When the feed was last checked, and how that went.
    public var lastCheck: Date?
    public var lastError: String?
    /// Failures in a row (0 after a success).
    public var consecutiveErrors: Int
    /// Entries in the last body parsed; an unchanged body holds as many known stories.
    public var entryCount: Int
    /// What the last check found: `fetched`, `not-modified`, `unchanged` or `failed`.
    public var lastResult: String?
    /// The HTTP status of the last response (0 for a local file; nil when none arrived).
    public var lastStatus: Int?
    /// The `Retry-After` of the last response, in seconds, when it sent one.
    public var retryAfter: Int?
    /// New posts written from this feed, over its whole life.
    public var postsWritten: Int
    /// The feed's own refresh hints, in seconds, kept from the last body parsed
    /// (`ttl`, `sy:updatePeriod`/`sy:updateFrequency`) and the last response (`max-age`).
    public var hintTTL: Int?
    public var hintSyndication: Int?
    public var hintMaxAge: Int?
    /// When the feed is next due, and the interval (seconds, before jitter) and
    /// reason that set it, so that due times survive restarts.
    public var nextCheck: Date?
    public var intervalSeconds: Int?
    public var intervalReason: String?

    /// Creates a feed state.
    public init(
        etag: String? = nil, lastModified: String? = nil, bodyHash: String? = nil, lastCheck: Date? = nil,
        lastError: String? = nil, consecutiveErrors: Int = 0, entryCount: Int = 0, lastResult: String? = nil,
        lastStatus: Int? = nil, retryAfter: Int? = nil, postsWritten: Int = 0, hintTTL: Int? = nil,
        hintSyndication: Int? = nil, hintMaxAge: Int? = nil, nextCheck: Date? = nil, intervalSeconds: Int? = nil,
        intervalReason: String? = nil
    ) {
        self.etag = etag
        self.lastModified = lastModified
        self.bodyHash = bodyHash
        self.lastCheck = lastCheck
        self.lastError = lastError
        self.consecutiveErrors = consecutiveErrors
        self.entryCount = entryCount
        self.lastResult = lastResult
        self.lastStatus = lastStatus
        self.retryAfter = retryAfter
        self.postsWritten = postsWritten
        self.hintTTL = hintTTL
        self.hintSyndication = hintSyndication
        self.hintMaxAge = hintMaxAge
        self.nextCheck = nextCheck
        self.intervalSeconds = intervalSeconds
        self.intervalReason = intervalReason
    }
}

/// Everything one refresh cycle records, committed in one transaction after the
/// files are on disk, so that a story is marked seen only once its post exists.
public struct StateBatch: Sendable {
    /// Posts written (new or rewritten), by infoCode.
    public var posts: [(infoCode: InfoCode, feed: String, post: StoredPost)] = []
    /// Other keys of stories (``StoryKeys``), each pointing at the infoCode of the
    /// story's post. A key already recorded keeps its story.
    public var aliases: [(key: String, infoCode: InfoCode)] = []
    /// Stories taken again this cycle whose post did not change: their
    /// ``StoredPost/lastCycle`` is set to the cycle's time.
    public var touched: [(infoCode: InfoCode, cycle: Date)] = []
    /// Categories whose page now exists, and known categories whose missing
    /// outlet or tag is now known (stored fields are never replaced).
    public var categories: [StoredCategory] = []
    /// Outlet slugs assigned or changed this cycle (``SlugRegistry/changes``).
    public var slugs: [(text: String, slug: String)] = []
    /// The category of posts that were not rewritten, where the stored one differs.
    public var postCategories: [(infoCode: InfoCode, category: String)] = []
    /// Feed states to store, by feed name.
    public var feeds: [(name: String, state: FeedState)] = []
    /// Signatures of stories written for the first time, for `[dedupe] similar`,
    /// with the row id the publisher gave each (``StoryStateStore/lastSignatureID()``).
    public var signatures: [(id: Int64, infoCode: InfoCode, firstSeen: Date, signature: MinHashSignature)] = []
    /// Stories found to be near-copies of an earlier one, with their feed.
    public var similar: [(infoCode: InfoCode, feed: String, duplicateOf: InfoCode)] = []

    /// Creates an empty batch.
    public init() {}

    /// How many rows the batch holds, to bound a batch that writes no file. A
    /// story's signature is not counted: it comes with the story's post, whose
    /// file bounds the group already.
    public var rowCount: Int {
        posts.count + aliases.count + touched.count + categories.count + slugs.count + postCategories.count + feeds.count
            + similar.count
    }

    /// Whether the batch records nothing.
    public var isEmpty: Bool { rowCount == 0 && signatures.isEmpty }

    /// Appends every row of `other`.
    public mutating func append(contentsOf other: StateBatch) {
        posts += other.posts
        aliases += other.aliases
        touched += other.touched
        categories += other.categories
        slugs += other.slugs
        postCategories += other.postCategories
        feeds += other.feeds
        signatures += other.signatures
        similar += other.similar
    }
}

/// The SQLite database under `.finews/` (DESIGN.md §3): seen infoCodes and their
/// aliases, feed validators, categories and outlet slugs. Seen codes outlive the
/// deletion of post files.
///
/// The database runs in WAL mode with `synchronous = FULL`: a cycle commits one
/// transaction per group of posts from a background queue while it keeps looking
/// stories up, and readers (`finews status`, a backup) never wait for it.
public final class StateStore: Sendable {
    private let database: DatabasePool

    /// The connection settings shared by the writer and the read-only opener.
    private static func configuration(readonly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = readonly
        configuration.prepareDatabase { db in
            // A commit is on disk when it returns: a post's record is never lost
            // after its file was written, even on a power cut.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Opens (creating if needed) `state.sqlite` in `directory` and brings its schema up to date.
    /// - Throws: ``StoreError`` with code `.state` when the database cannot be opened.
    public init(directory: URL) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = try DatabasePool(
                path: directory.appendingPathComponent("state.sqlite").path, configuration: Self.configuration(readonly: false))
            try Self.migrator.migrate(database)
        } catch {
            throw .state("cannot open the state database in \(directory.path)", error,
                         database: directory.appendingPathComponent("state.sqlite").path)
        }
    }

    /// Opens an existing `state.sqlite` in `directory` for reading only (`finews status`):
    /// nothing is created or migrated. Nil when there is no database yet.
    /// - Throws: ``StoreError`` with code `.state` when the database cannot be opened
    ///   or was written by an older finews and needs a refresh to be upgraded.
    public init?(readingFrom directory: URL) throws(StoreError) {
        let path = directory.appendingPathComponent("state.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            database = try DatabasePool(path: path, configuration: Self.configuration(readonly: true))
        } catch {
            throw .state("cannot open the state database \(path)", error, database: path)
        }
        let upToDate: Bool
        do {
            upToDate = try database.read { db in try Self.migrator.hasCompletedMigrations(db) }
        } catch {
            throw .state("cannot read the state database \(path)", error, database: path)
        }
        guard upToDate else {
            throw StoreError(.state, "the state database \(path) comes from an older finews; run `finews refresh` once to upgrade it")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "post") { table in
                table.primaryKey("infoCode", .text)
                table.column("feed", .text).notNull()
                table.column("path", .text).notNull()
                table.column("contentHash", .text).notNull()
                table.column("firstSeen", .double).notNull()
            }
            try db.create(table: "feed") { table in
                table.primaryKey("name", .text)
                table.column("etag", .text)
                table.column("lastModified", .text)
                table.column("bodyHash", .text)
                table.column("lastCheck", .double)
                table.column("lastError", .text)
                table.column("consecutiveErrors", .integer).notNull().defaults(to: 0)
                table.column("entryCount", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "category") { table in
                table.primaryKey("slug", .text)
            }
        }
        // The scheduler's memory (DESIGN.md §6): due times, the interval and its reason,
        // the feed's hints, and what the last check found.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "feed") { table in
                table.add(column: "lastResult", .text)
                table.add(column: "lastStatus", .integer)
                table.add(column: "retryAfter", .integer)
                table.add(column: "postsWritten", .integer).notNull().defaults(to: 0)
                table.add(column: "hintTTL", .integer)
                table.add(column: "hintSyndication", .integer)
                table.add(column: "hintMaxAge", .integer)
                table.add(column: "nextCheck", .double)
                table.add(column: "intervalSeconds", .integer)
                table.add(column: "intervalReason", .text)
            }
        }
        // Category and tag per story (templates, `|slug`): each outlet's slug, each
        // category's outlet and page title, each post's category for `finews status`.
        migrator.registerMigration("v3") { db in
            try db.create(table: "slug") { table in
                table.primaryKey("text", .text)
                table.column("slug", .text).notNull()
            }
            try db.alter(table: "category") { table in
                table.add(column: "outlet", .text)
                table.add(column: "tag", .text)
            }
            try db.alter(table: "post") { table in
                table.add(column: "category", .text)
            }
        }
        // Full text for summary-only feeds: whether each post holds the publisher's
        // text, and how often fetching it has failed.
        migrator.registerMigration("v4") { db in
            try db.alter(table: "post") { table in
                table.add(column: "fullText", .text)
                table.add(column: "fullTextFailures", .integer).notNull().defaults(to: 0)
            }
        }
        // Streaming cycles and aliases: each story's other keys (its link, its global
        // id), and the cycle that last took each story, so that a later feed of the
        // same cycle carrying it again is a duplicate.
        migrator.registerMigration("v5") { db in
            try db.create(table: "alias") { table in
                table.primaryKey("key", .text)
                table.column("infoCode", .text).notNull()
            }
            try db.alter(table: "post") { table in
                table.add(column: "lastCycle", .double)
            }
        }
        // Why a story's full text is still missing, for `finews status`.
        migrator.registerMigration("v6") { db in
            try db.alter(table: "post") { table in
                table.add(column: "fullTextError", .text)
            }
        }
        // Near-duplicates across outlets (`[dedupe] similar`): each written story's
        // MinHash signature, its LSH band keys (``MinHashSignature/bandKeys``, the
        // band's number hashed in; dropped in v8), and the stories found to copy an earlier one.
        migrator.registerMigration("v7") { db in
            try db.create(table: "signature") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("infoCode", .text).notNull().unique()
                table.column("firstSeen", .double).notNull()
                table.column("signature", .blob).notNull()
            }
            try db.create(index: "signature_firstSeen", on: "signature", columns: ["firstSeen"])
            // A band row names its story by the signature's id: 16 rows per story, kept small.
            try db.create(table: "band", options: [.withoutRowID]) { table in
                table.column("hash", .integer).notNull()
                table.column("story", .integer).notNull()
                table.primaryKey(["hash", "story"])
            }
            try db.create(table: "similar") { table in
                table.primaryKey("infoCode", .text)
                table.column("feed", .text).notNull()
                table.column("duplicateOf", .text).notNull()
            }
        }
        // The band rows go: a cycle indexes the window's signatures in memory
        // (``NearCopyIndex``, about 100 bytes a story), which costs less than 16
        // random B-tree rows per story, rewritten into the WAL at every group.
        migrator.registerMigration("v8") { db in
            try db.drop(table: "band")
        }
        return migrator
    }

    /// The signatures of the stories first seen since `since`, in id order, from the
    /// first id above `afterID`, at most `limit` of them: a cycle reads its window in pages.
    public func signatures(
        since: Date, afterID: Int64, limit: Int
    ) async throws(StoreError) -> [(id: Int64, signature: MinHashSignature)] {
        try await lookUp { db in
            let statement = try db.cachedStatement(
                sql: "SELECT id, signature FROM signature WHERE id > ? AND firstSeen >= ? ORDER BY id LIMIT ?")
            var found: [(id: Int64, signature: MinHashSignature)] = []
            let rows = try Row.fetchCursor(statement, arguments: [afterID, since.timeIntervalSince1970, limit])
            while let row = try rows.next() {
                guard let bytes = row[1] as Data?, let signature = MinHashSignature(bytes: Array(bytes)) else { continue }
                found.append((row[0], signature))
            }
            return found
        }
    }

    /// The stories and signatures recorded under `ids`, by id.
    public func signatures(
        ids: [Int64]
    ) async throws(StoreError) -> [Int64: (infoCode: InfoCode, signature: MinHashSignature)] {
        guard !ids.isEmpty else { return [:] }
        return try await lookUp { db in
            var found: [Int64: (infoCode: InfoCode, signature: MinHashSignature)] = [:]
            try Self.forChunks(of: ids.map(String.init)) { chunk, placeholders in
                let statement = try db.cachedStatement(
                    sql: "SELECT id, infoCode, signature FROM signature WHERE id IN (\(placeholders))")
                for row in try Row.fetchAll(statement, arguments: StatementArguments(chunk.compactMap(Int64.init))) {
                    guard let infoCode = InfoCode(row[1]), let bytes = row[2] as Data?,
                          let signature = MinHashSignature(bytes: Array(bytes)) else { continue }
                    found[row[0]] = (infoCode, signature)
                }
            }
            return found
        }
    }

    /// The highest signature id recorded, 0 when none: the publisher numbers the
    /// signatures it records from the next one.
    public func lastSignatureID() async throws(StoreError) -> Int64 {
        try await lookUp { db in
            try Int64.fetchOne(db, sql: "SELECT max(id) FROM signature") ?? 0
        }
    }

    /// The story `code` was marked a near-copy of, if any.
    public func duplicateOf(_ code: InfoCode) async throws(StoreError) -> InfoCode? {
        try await lookUp { db in
            try String.fetchOne(db, sql: "SELECT duplicateOf FROM similar WHERE infoCode = ?", arguments: [code.value])
                .flatMap(InfoCode.init)
        }
    }

    /// How many stories of each feed were near-copies of an earlier story.
    public func similarCounts() async throws(StoreError) -> [String: Int] {
        try await read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT feed, COUNT(*) FROM similar GROUP BY feed") {
                result[row[0]] = row[1]
            }
            return result
        }
    }

    /// The stored stories known by any of `codes` or `aliases`: the posts by infoCode,
    /// and for each alias found, the infoCode of its story (whose post is among the
    /// posts returned).
    public func stories(
        codes: [InfoCode], aliases: [String]
    ) async throws(StoreError) -> (posts: [InfoCode: StoredPost], aliases: [String: InfoCode]) {
        try await lookUp { db in
            var targets: [String: InfoCode] = [:]
            try Self.forChunks(of: aliases) { chunk, placeholders in
                let statement = try db.cachedStatement(sql: "SELECT key, infoCode FROM alias WHERE key IN (\(placeholders))")
                for row in try Row.fetchAll(statement, arguments: StatementArguments(chunk)) {
                    if let code = InfoCode(row[1]) { targets[row[0]] = code }
                }
            }
            var wanted = codes.map(\.value)
            wanted += targets.values.map(\.value)
            let posts = try Self.posts(in: db, for: wanted)
            return (posts, targets)
        }
    }

    /// The stored posts among `codes`.
    public func posts(for codes: [InfoCode]) async throws(StoreError) -> [InfoCode: StoredPost] {
        guard !codes.isEmpty else { return [:] }
        return try await lookUp { db in try Self.posts(in: db, for: codes.map(\.value)) }
    }

    private static func posts(in db: Database, for codes: [String]) throws -> [InfoCode: StoredPost] {
        var result: [InfoCode: StoredPost] = [:]
        try forChunks(of: codes) { chunk, placeholders in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT infoCode, path, contentHash, firstSeen, category, fullText, fullTextFailures, lastCycle, feed,
                        fullTextError
                    FROM post WHERE infoCode IN (\(placeholders))
                    """)
            for row in try Row.fetchAll(statement, arguments: StatementArguments(chunk)) {
                guard let code = InfoCode(row[0]) else { continue }
                result[code] = StoredPost(
                    path: row[1], contentHash: row[2], firstSeen: Date(timeIntervalSince1970: row[3]), category: row[4],
                    fullText: FullTextStatus(storedValue: row[5], failures: row[6]),
                    lastCycle: (row[7] as Double?).map(Date.init(timeIntervalSince1970:)), feed: row[8],
                    fullTextError: row[9])
            }
        }
        return result
    }

    /// Calls `body` for each chunk of `keys` with the placeholders of its IN list.
    /// A cycle looks keys up as each feed arrives: the list is padded (by repeating a
    /// key) to one of a few sizes, so that a handful of prepared statements serve
    /// every lookup instead of SQLite parsing a new statement per feed.
    private static func forChunks(of keys: [String], _ body: ([String], String) throws -> Void) throws {
        for start in stride(from: 0, to: keys.count, by: lookupChunk) {
            let chunk = Array(keys[start..<min(start + lookupChunk, keys.count)])
            guard let last = chunk.last else { continue }
            let size = lookupSizes.first { $0 >= chunk.count } ?? lookupChunk
            let padded = chunk + Array(repeating: last, count: size - chunk.count)
            try body(padded, Array(repeating: "?", count: size).joined(separator: ","))
        }
    }

    /// The most codes looked up by one statement, and the sizes a shorter IN list
    /// is padded to.
    private static let lookupChunk = 500
    private static let lookupSizes = [8, 16, 32, 64, 128, 256, lookupChunk]

    /// Every written post whose file is under `folder` (such as `_posts`), by infoCode;
    /// with `bound`, only those whose file name sorts before it (byte by byte), such
    /// as the posts named for a day before `"2026-12-04"`.
    public func posts(
        under folder: String, namedBefore bound: String? = nil
    ) async throws(StoreError) -> [(infoCode: InfoCode, path: String)] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        // SQLite picks the rows: the post table holds every story the site ever
        // wrote, and rotation wants the few days' worth that are old enough.
        var sql = "SELECT infoCode, path FROM post WHERE substr(path, 1, ?) = ?"
        var arguments: StatementArguments = [prefix.utf8.count, prefix]
        if let bound {
            sql += " AND path < ?"
            arguments += [prefix + bound]
        }
        let rows = try await read { [sql, arguments] db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row -> (String, String) in
                (row["infoCode"], row["path"])
            }
        }
        return rows.compactMap { code, path in InfoCode(code).map { ($0, path) } }
    }

    /// Records that posts now live at new paths (after rotation), in one transaction.
    public func movePosts(_ moves: [(infoCode: InfoCode, path: String)]) async throws(StoreError) {
        guard !moves.isEmpty else { return }
        do {
            try await database.write { db in
                for move in moves {
                    try db.execute(sql: "UPDATE post SET path = ? WHERE infoCode = ?", arguments: [move.path, move.infoCode.value])
                }
            }
        } catch {
            throw .state("cannot record moved posts in the state database", error, database: database.path)
        }
    }

    /// The number of infoCodes recorded as seen.
    public func seenCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM post") ?? 0 }
    }

    /// The feeds with posts first seen after `since` that still wait for their full
    /// text after fewer than `maximumFailures` failed fetches. Such a feed is parsed
    /// again even when its body has not changed, so that the missing texts are tried again.
    public func feedsAwaitingFullText(maximumFailures: Int, since: Date) async throws(StoreError) -> Set<String> {
        try await read { db in
            Set(try String.fetchAll(
                db, sql: """
                    SELECT DISTINCT feed FROM post
                    WHERE fullText = 'pending' AND fullTextFailures < ? AND firstSeen > ?
                    """,
                arguments: [maximumFailures, since.timeIntervalSince1970]))
        }
    }

    /// Every feed's stored state, by feed name.
    public func feedStates() async throws(StoreError) -> [String: FeedState] {
        try await lookUp { db in
            var result: [String: FeedState] = [:]
            // Columns by position: looking each one up by name for every row was
            // most of this query's time, which a warm refresh of many feeds waits for.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT name, etag, lastModified, bodyHash, lastCheck, lastError, consecutiveErrors, entryCount,
                    lastResult, lastStatus, retryAfter, postsWritten, hintTTL, hintSyndication, hintMaxAge, nextCheck,
                    intervalSeconds, intervalReason
                FROM feed
                """)
            while let row = try rows.next() {
                result[row[0]] = FeedState(
                    etag: row[1], lastModified: row[2], bodyHash: row[3],
                    lastCheck: (row[4] as Double?).map(Date.init(timeIntervalSince1970:)),
                    lastError: row[5], consecutiveErrors: row[6], entryCount: row[7], lastResult: row[8],
                    lastStatus: row[9], retryAfter: row[10], postsWritten: row[11], hintTTL: row[12],
                    hintSyndication: row[13], hintMaxAge: row[14],
                    nextCheck: (row[15] as Double?).map(Date.init(timeIntervalSince1970:)),
                    intervalSeconds: row[16], intervalReason: row[17])
            }
            return result
        }
    }

    /// Categories whose page has been written.
    public func knownCategories() async throws(StoreError) -> Set<String> {
        try await read { db in Set(try String.fetchAll(db, sql: "SELECT slug FROM category")) }
    }

    /// Every category whose page has been written, by slug.
    public func categories() async throws(StoreError) -> [String: StoredCategory] {
        try await read { db in
            var result: [String: StoredCategory] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT slug, outlet, tag FROM category") {
                let slug: String = row["slug"]
                result[slug] = StoredCategory(slug: slug, outlet: row["outlet"], tag: row["tag"])
            }
            return result
        }
    }

    /// Posts still waiting for their full text (feeds with `fulltext_url`), counted by feed.
    public func postsAwaitingFullText() async throws(StoreError) -> [String: Int] {
        try await read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT feed, COUNT(*) FROM post WHERE fullText = 'pending' GROUP BY feed") {
                result[row[0]] = row[1]
            }
            return result
        }
    }

    /// For each feed with posts still waiting for their full text, why the latest
    /// of them failed.
    public func latestFullTextErrors() async throws(StoreError) -> [String: String] {
        try await read { db in
            var result: [String: String] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT feed, fullTextError FROM post WHERE fullText = 'pending' AND fullTextError IS NOT NULL
                ORDER BY firstSeen
                """)
            for row in rows { result[row[0]] = row[1] }
            return result
        }
    }

    /// Posts written, counted by category and feed.
    public func categoryCounts() async throws(StoreError) -> [CategoryCount] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT category, feed, COUNT(*) AS posts FROM post GROUP BY category, feed")
                .map { row in CategoryCount(category: row["category"], feed: row["feed"], posts: row["posts"]) }
        }
    }

    /// The stored slug of every outlet, by its normalized name (``SlugRegistry/key(_:)``).
    public func slugs() async throws(StoreError) -> [String: String] {
        try await read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT text, slug FROM slug") { result[row["text"]] = row["slug"] }
            return result
        }
    }

    /// Records a cycle's results in one transaction.
    public func commit(_ batch: StateBatch) async throws(StoreError) {
        do {
            try await database.write { db in try Self.record(batch, in: db) }
        } catch {
            throw .state("cannot record the cycle in the state database", error, database: database.path)
        }
    }

    /// ``commit(_:)`` on the calling thread, for the background queue that commits
    /// a cycle's groups: it returns once the transaction is on disk.
    public func commitNow(_ batch: StateBatch) throws(StoreError) {
        guard !batch.isEmpty else { return }
        do {
            try database.write { db in try Self.record(batch, in: db) }
        } catch {
            throw .state("cannot record the cycle in the state database", error, database: database.path)
        }
    }

    private static func record(_ batch: StateBatch, in db: Database) throws {
        // Each statement is prepared once and run for every row: parsing the
        // SQL again for each of thousands of posts was most of the commit's time.
        let insertPost = try db.cachedStatement(sql: """
            INSERT INTO post (infoCode, feed, path, contentHash, firstSeen, category, fullText, fullTextFailures,
                lastCycle, fullTextError)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(infoCode) DO UPDATE SET path = excluded.path, contentHash = excluded.contentHash,
                category = excluded.category, fullText = excluded.fullText,
                fullTextFailures = excluded.fullTextFailures, lastCycle = excluded.lastCycle, feed = excluded.feed,
                fullTextError = excluded.fullTextError
            """)
        let postRows = RowWriter(insertPost)
        for item in batch.posts {
            try postRows.run { row in
                row.bind(item.infoCode.value)
                row.bind(item.feed)
                row.bind(item.post.path)
                row.bind(item.post.contentHash)
                row.bind(item.post.firstSeen.timeIntervalSince1970)
                row.bind(item.post.category)
                row.bind(item.post.fullText.storedValue)
                row.bind(item.post.fullText.failures)
                row.bind(item.post.lastCycle?.timeIntervalSince1970)
                row.bind(item.post.fullTextError)
            }
        }
        let insertAlias = try db.cachedStatement(sql: "INSERT OR IGNORE INTO alias (key, infoCode) VALUES (?, ?)")
        let aliasRows = RowWriter(insertAlias)
        for item in batch.aliases {
            try aliasRows.run { row in
                row.bind(item.key)
                row.bind(item.infoCode.value)
            }
        }
        let touch = try db.cachedStatement(sql: "UPDATE post SET lastCycle = ? WHERE infoCode = ?")
        for item in batch.touched {
            try touch.execute(arguments: [item.cycle.timeIntervalSince1970, item.infoCode.value])
        }
        let updateCategory = try db.cachedStatement(sql: "UPDATE post SET category = ? WHERE infoCode = ?")
        for item in batch.postCategories {
            try updateCategory.execute(arguments: [item.category, item.infoCode.value])
        }
        let insertCategory = try db.cachedStatement(sql: """
            INSERT INTO category (slug, outlet, tag) VALUES (?, ?, ?)
            ON CONFLICT(slug) DO UPDATE SET outlet = coalesce(category.outlet, excluded.outlet),
                tag = coalesce(category.tag, excluded.tag)
            """)
        for category in batch.categories {
            try insertCategory.execute(arguments: [category.slug, category.outlet, category.tag])
        }
        let insertSlug = try db.cachedStatement(sql: "INSERT OR REPLACE INTO slug (text, slug) VALUES (?, ?)")
        for item in batch.slugs {
            try insertSlug.execute(arguments: [item.text, item.slug])
        }
        if !batch.signatures.isEmpty {
            let insertSignature = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO signature (id, infoCode, firstSeen, signature) VALUES (?, ?, ?, ?)")
            for item in batch.signatures {
                try insertSignature.execute(arguments: [
                    item.id, item.infoCode.value, item.firstSeen.timeIntervalSince1970, Data(item.signature.bytes)])
            }
        }
        if !batch.similar.isEmpty {
            let insertSimilar = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO similar (infoCode, feed, duplicateOf) VALUES (?, ?, ?)")
            for item in batch.similar {
                try insertSimilar.execute(arguments: [item.infoCode.value, item.feed, item.duplicateOf.value])
            }
        }
        let insertFeed = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO feed (name, etag, lastModified, bodyHash, lastCheck, lastError,
                consecutiveErrors, entryCount, lastResult, lastStatus, retryAfter, postsWritten,
                hintTTL, hintSyndication, hintMaxAge, nextCheck, intervalSeconds, intervalReason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let feedRows = RowWriter(insertFeed)
        for (name, state) in batch.feeds {
            try feedRows.run { row in
                row.bind(name)
                row.bind(state.etag)
                row.bind(state.lastModified)
                row.bind(state.bodyHash)
                row.bind(state.lastCheck?.timeIntervalSince1970)
                row.bind(state.lastError)
                row.bind(state.consecutiveErrors)
                row.bind(state.entryCount)
                row.bind(state.lastResult)
                row.bind(state.lastStatus)
                row.bind(state.retryAfter)
                row.bind(state.postsWritten)
                row.bind(state.hintTTL)
                row.bind(state.hintSyndication)
                row.bind(state.hintMaxAge)
                row.bind(state.nextCheck?.timeIntervalSince1970)
                row.bind(state.intervalSeconds)
                row.bind(state.intervalReason)
            }
        }
    }

    /// How many stories a `block` or `keep` rule left out, by feed (recorded as
    /// aliases without a post, see ``Publisher/blockedKeyPrefix``).
    public func blockedCounts() async throws(StoreError) -> [String: Int] {
        try await read { db in
            let prefix = Publisher.blockedKeyPrefix
            let rows = try Row.fetchAll(db, sql: """
                SELECT substr(key, ?, length(key) - ? - length(infoCode)) AS feed, count(*) AS n FROM alias
                WHERE key >= ? AND key < ? GROUP BY feed
                """, arguments: [prefix.count + 1, prefix.count + 1, prefix, String(prefix.dropLast()) + ";"])
            var counts: [String: Int] = [:]
            for row in rows {
                if let feed: String = row["feed"], let count: Int = row["n"] { counts[feed] = count }
            }
            return counts
        }
    }

    /// Runs SELECT statements that need no transaction: one statement, or several
    /// whose results may come from different moments (lookups by key).
    ///
    /// A pool reader outside a transaction: its cached statements stay prepared
    /// from one lookup to the next, and it never waits for the writer (WAL). Writes
    /// happen only in ``commit(_:)``, ``commitNow(_:)`` and ``movePosts(_:)``.
    private func lookUp<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await database.unsafeRead(body)
        } catch {
            throw .state("cannot read the state database", error, database: database.path)
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await database.read(body)
        } catch {
            throw .state("cannot read the state database", error, database: database.path)
        }
    }
}
