public import Foundation
public import FinewsStore
public import Logging
import NIOCore
import PostgresNIO

/// The publisher lock: a PostgreSQL session-level advisory lock, held on a
/// connection of its own for as long as this node writes the site. When the node
/// dies its session ends and the lock is free; a standby takes it at its next try.
final class PublisherLock: Sendable {
    private let connection: PostgresConnection

    private init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The lock, or nil when another node holds it.
    static func tryAcquire(_ database: ClusterDatabase) async throws(ClusterError) -> PublisherLock? {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try database.settings.connectionConfiguration(applicationName: database.node),
                id: 1, logger: database.logger)
        } catch {
            throw ClusterDatabase.clusterError(error, what: "connecting for the publisher lock", settings: database.settings)
        }
        do {
            var got = false
            for try await value in try await connection.query(
                "SELECT pg_try_advisory_lock(\(ClusterSchema.publisherLock))", logger: database.logger).decode(Bool.self) {
                got = value
            }
            if got { return PublisherLock(connection: connection) }
            try? await connection.close()
            return nil
        } catch {
            try? await connection.close()
            throw ClusterDatabase.clusterError(error, what: "taking the publisher lock", settings: database.settings)
        }
    }

    /// Whether the lock's session is still alive (a dropped connection lost the lock).
    func isHeld(logger: Logger) async -> Bool {
        guard !connection.isClosed else { return false }
        do {
            try await connection.query("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }

    func release() async {
        try? await connection.close()
    }
}

/// One site, written by one node: the node that holds the publisher lock takes
/// the claimed posts not yet written, in the order they were claimed, and writes
/// them with the same durable group commit as a single node (files flushed, renamed,
/// folders flushed); only then are they marked published. A crash in between
/// writes the same bytes again.
public final class SitePublisher: Sendable {
    private let database: ClusterDatabase
    private let writer: ArchiveWriter
    private let renderer: PostRenderer
    private let logger: Logger
    /// Posts per group (as ``ArchiveWriter``'s groups).
    private let groupSize: Int

    /// - Parameters:
    ///   - root: the site folder; temporary files go to `stateDirectory/tmp`.
    public init(database: ClusterDatabase, root: URL, stateDirectory: URL, renderer: PostRenderer, logger: Logger,
                groupSize: Int = 2048) {
        self.database = database
        self.writer = ArchiveWriter(root: root, stateDirectory: stateDirectory)
        self.renderer = renderer
        self.logger = logger
        self.groupSize = groupSize
    }

    /// Publishes until `stop` says so: tries for the lock every `retry` while a
    /// standby, and writes pending posts every `poll` while the publisher.
    /// Returns once stopped, releasing the lock.
    /// - Parameter drained: with `untilDrained`, returns once nothing is pending
    ///   and `isDone()` (`finews refresh`); a node that cannot get the lock then returns at once.
    public func run(
        poll: Duration = .milliseconds(200), retry: Duration = .seconds(1), untilDrained: Bool = false,
        isDone: @escaping @Sendable () -> Bool = { false }, onWrite: @escaping @Sendable (Int) -> Void = { _ in }
    ) async {
        var lock: PublisherLock?
        loop: while !Task.isCancelled {
            if lock == nil {
                do {
                    lock = try await PublisherLock.tryAcquire(database)
                } catch {
                    logger.warning("cannot take the publisher lock", metadata: ["reason": "\(error.message)"])
                }
                if lock != nil {
                    logger.notice("this node now writes the site", metadata: ["node": "\(database.node)"])
                } else {
                    if untilDrained { break loop }
                    try? await Task.sleep(for: retry)
                    continue
                }
            }
            guard let held = lock, await held.isHeld(logger: logger) else {
                logger.warning("lost the publisher lock (connection closed); trying again")
                lock = nil
                continue
            }
            let finished = isDone()
            do {
                let written = try await publishGroup()
                if written > 0 { onWrite(written); continue }
            } catch {
                // A node that stops cancels its writing: not a failure (the group is
                // written again by whoever publishes next).
                if Task.isCancelled { break loop }
                logger.error("writing the site failed; trying again", metadata: ["reason": "\(error)"])
            }
            if untilDrained && finished { break loop }
            try? await Task.sleep(for: poll)
        }
        if let lock { await lock.release() }
        lock = nil
    }

    private struct Pending {
        var infoCode: String
        var path: String
        var bytes: ByteBuffer
        var revision: Int
        var category: String
        var tag: String
        var outlet: String?
    }

    /// Writes one group of pending posts (and the pages of their new categories)
    /// and marks them published. Returns how many posts it wrote.
    func publishGroup() async throws -> Int {
        let logger = self.logger
        let limit = groupSize
        let pending: [Pending] = try await database.run("reading posts to publish") { connection in
            var pending: [Pending] = []
            for try await (code, path, bytes, revision, category, tag, outlet) in try await connection.query("""
                SELECT info_code, path, bytes, revision, category, tag, outlet FROM posts
                WHERE published_revision < revision ORDER BY seq LIMIT \(limit)
                """, logger: logger).decode((String, String, ByteBuffer, Int, String, String, String?).self) {
                pending.append(Pending(infoCode: code, path: path, bytes: bytes, revision: revision, category: category,
                                       tag: tag, outlet: outlet))
            }
            return pending
        }
        guard !pending.isEmpty else { return 0 }
        var categories: [String: Pending] = [:]
        for post in pending where categories[post.category] == nil { categories[post.category] = post }
        let slugs = Array(categories.keys)
        let known: Set<String> = try await database.run("reading categories") { connection in
            var known: Set<String> = []
            for try await slug in try await connection.query(
                "SELECT slug FROM categories WHERE slug = ANY(\(slugs)::text[])", logger: logger).decode(String.self) {
                known.insert(slug)
            }
            return known
        }
        let batch = try writer.begin()
        for post in pending {
            try batch.stage(ArchiveFile(relativePath: post.path, contents: Array(buffer: post.bytes)))
        }
        // The first post of a new category gives its page, in the same group; a page
        // the user made or edited is never overwritten.
        let newCategories = categories.values.filter { !known.contains($0.category) }.sorted { $0.category < $1.category }
        for post in newCategories {
            let page = renderer.categoryPagePath(for: post.category)
            if !FileManager.default.fileExists(atPath: writer.root.appendingPathComponent(page).path) {
                try batch.stage(ArchiveFile(
                    relativePath: page, contents: Array(renderer.renderCategoryPage(category: post.category, tag: post.tag).utf8)))
            }
        }
        try await batch.commit()
        let codes = pending.map(\.infoCode)
        let revisions = pending.map(\.revision)
        let categorySlugs = newCategories.map(\.category)
        let categoryTags = newCategories.map(\.tag)
        let categoryOutlets = newCategories.map { $0.outlet ?? "" }
        let node = database.node
        try await database.transaction("marking posts published") { connection in
            try await connection.query("""
                UPDATE posts SET published_revision = t.r, published_at = now(), published_by = \(node)
                FROM unnest(\(codes)::text[], \(revisions)::int8[]) AS t(c, r)
                WHERE posts.info_code = t.c AND posts.published_revision < t.r
                """, logger: logger)
            if !categorySlugs.isEmpty {
                try await connection.query("""
                    INSERT INTO categories (slug, tag, outlet)
                    SELECT s, t, NULLIF(o, '') FROM unnest(\(categorySlugs)::text[], \(categoryTags)::text[], \(categoryOutlets)::text[]) AS x(s, t, o)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
        return pending.count
    }
}
