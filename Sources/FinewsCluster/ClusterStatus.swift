public import Foundation
public import FinewsStore
import PostgresNIO

/// What `finews status` shows of a cluster: which node writes the site, what it
/// has still to write, the nodes seen, and each feed's state with the node that checked it.
public struct ClusterStatus: Sendable {
    /// A node that registered with the shared state.
    public struct Node: Sendable, Hashable {
        public var name: String
        public var hostname: String
        public var pid: Int
        /// The site it writes when it holds the publisher lock; nil for a node that only fetches.
        public var site: String?
        public var startedAt: Date
        /// When it last renewed its leases or registered.
        public var seenAt: Date
    }

    /// The node holding the publisher lock now (its connection's `application_name`); nil when none does.
    public var publisher: String?
    /// Posts claimed (or rewritten) and not yet written into the site.
    public var pendingPosts: Int
    public var nodes: [Node]
    /// Each feed's stored state, by name.
    public var feedStates: [String: FeedState]
    /// The node that last checked each feed.
    public var checkedBy: [String: String]
    /// Feeds leased now, and by which node.
    public var leasedBy: [String: String]
    public var categories: [String: StoredCategory]
    public var categoryCounts: [CategoryCount]
    /// How many of each feed's new stories were near-copies of an earlier one
    /// (`[dedupe] similar`), by feed; a feed with none is missing.
    public var similarCounts: [String: Int] = [:]
}

extension ClusterDatabase {
    /// Reads the shared state for `finews status`; changes nothing.
    public func status() async throws(ClusterError) -> ClusterStatus {
        try await run("reading the cluster's state") { connection in
            var status = ClusterStatus(publisher: nil, pendingPosts: 0, nodes: [], feedStates: [:], checkedBy: [:],
                                       leasedBy: [:], categories: [:], categoryCounts: [])
            let lock = ClusterSchema.publisherLock
            // A bigint advisory lock shows in pg_locks as its high and low 32 bits.
            let high = Int64(lock >> 32)
            let low = Int64(lock & 0xFFFF_FFFF)
            for try await name in try await connection.query("""
                SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = \(high) AND l.objid::bigint = \(low)
                  AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, logger: logger).decode(String.self) {
                status.publisher = name
            }
            for try await count in try await connection.query(
                "SELECT count(*) FROM posts WHERE published_revision < revision", logger: logger).decode(Int.self) {
                status.pendingPosts = count
            }
            for try await (name, hostname, pid, site, started, seen) in try await connection.query(
                "SELECT name, hostname, pid, site, started_at, seen_at FROM nodes ORDER BY name", logger: logger
            ).decode((String, String, Int, String?, Date, Date).self) {
                status.nodes.append(.init(name: name, hostname: hostname, pid: pid, site: site, startedAt: started, seenAt: seen))
            }
            for try await (name, state, checkedBy, leaseOwner, leased) in try await connection.query("""
                SELECT name, state::text, checked_by, lease_owner, coalesce(lease_until >= now(), false) FROM feeds WHERE NOT removed
                """, logger: logger).decode((String, String?, String?, String?, Bool).self) {
                if state != nil { status.feedStates[name] = FeedStateCoding.decode(state) }
                if let checkedBy { status.checkedBy[name] = checkedBy }
                if leased, let leaseOwner { status.leasedBy[name] = leaseOwner }
            }
            for try await (slug, tag, outlet) in try await connection.query(
                "SELECT slug, tag, outlet FROM categories", logger: logger).decode((String, String, String?).self) {
                status.categories[slug] = StoredCategory(slug: slug, outlet: outlet, tag: tag)
            }
            for try await (category, feed, posts) in try await connection.query(
                "SELECT category, feed, count(*) FROM posts GROUP BY 1, 2", logger: logger).decode((String, String, Int).self) {
                status.categoryCounts.append(CategoryCount(category: category, feed: feed, posts: posts))
            }
            status.similarCounts = try await Self.similarCounts(on: connection, logger: logger)
            return status
        }
    }
}
