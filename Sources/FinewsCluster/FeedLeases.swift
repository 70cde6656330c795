public import Foundation
public import FinewsStore
import PostgresNIO

/// A configured feed as the shared state lists it.
public struct ClusterFeed: Sendable, Hashable {
    public var name: String
    /// Its position in feeds.conf: a story carried by two feeds is taken from the lower.
    public var rank: Int
    public var url: String
    /// The host its requests go to, for politeness across nodes.
    public var host: String

    public init(name: String, rank: Int, url: String, host: String) {
        self.name = name
        self.rank = rank
        self.url = url
        self.host = host
    }
}

/// A feed this node leased, with what the state remembers of it.
public struct LeasedFeed: Sendable {
    public var name: String
    public var rank: Int
    /// Validators, errors, hints and schedule from the last check by any node.
    public var state: FeedState
}

/// Feeds are leased, not assigned: a node takes due feeds with one statement
/// (`FOR UPDATE SKIP LOCKED`), holds them for ``ClusterDatabase/renewLeases(_:seconds:)``'s
/// lease, and gives each back when it records the check. A node that dies loses its
/// leases when they expire, and another node checks those feeds.
extension ClusterDatabase {
    /// Records this node (for `finews status`).
    public func registerNode(site: String?) async throws(ClusterError) {
        let hostname = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let node = self.node
        try await run("registering node \(node)") { connection in
            try await connection.query("""
                INSERT INTO nodes (name, hostname, pid, site, started_at, seen_at) VALUES (\(node), \(hostname), \(pid), \(site), now(), now())
                ON CONFLICT (name) DO UPDATE SET hostname = EXCLUDED.hostname, pid = EXCLUDED.pid, site = EXCLUDED.site,
                    started_at = now(), seen_at = now()
                """, logger: logger)
        }
    }

    /// Makes the shared list of feeds that of `feeds` (this node's feeds.conf): new
    /// feeds are added, due now; changed ones updated; those missing are marked
    /// removed (kept, with their state, should they come back).
    public func syncFeeds(_ feeds: [ClusterFeed]) async throws(ClusterError) {
        let names = feeds.map(\.name)
        let ranks = feeds.map(\.rank)
        let urls = feeds.map(\.url)
        let hosts = feeds.map(\.host)
        try await transaction("recording the feeds of feeds.conf") { connection in
            try await connection.query("""
                INSERT INTO feeds (name, rank, url, host)
                SELECT * FROM unnest(\(names)::text[], \(ranks)::int8[], \(urls)::text[], \(hosts)::text[])
                ON CONFLICT (name) DO UPDATE SET rank = EXCLUDED.rank, url = EXCLUDED.url, host = EXCLUDED.host, removed = false
                WHERE (feeds.rank, feeds.url, feeds.host, feeds.removed) IS DISTINCT FROM (EXCLUDED.rank, EXCLUDED.url, EXCLUDED.host, false)
                """, logger: logger)
            try await connection.query(
                "UPDATE feeds SET removed = true WHERE NOT removed AND NOT (name = ANY(\(names)::text[]))", logger: logger)
        }
    }

    /// Leases up to `limit` due feeds, the longest-due first (then in feeds.conf
    /// order), leaving out hosts that asked to wait (`Retry-After`) and hosts that
    /// already have `perHost` feeds leased by any node.
    public func leaseDueFeeds(limit: Int, perHost: Int, seconds: Int) async throws(ClusterError) -> [LeasedFeed] {
        let node = self.node
        return try await transaction("leasing due feeds") { connection in
            // One lease statement at a time across the cluster, so that per-host counts are exact.
            try await connection.query("SELECT pg_advisory_xact_lock(\(ClusterSchema.leaseLock))", logger: logger)
            let rows = try await connection.query("""
                WITH busy AS (
                    SELECT host, count(*) AS leased FROM feeds
                    WHERE lease_until IS NOT NULL AND lease_until >= now() GROUP BY host
                ), due AS (
                    SELECT f.name, f.host, f.next_check_at, f.rank FROM feeds f
                    WHERE NOT f.removed AND f.next_check_at <= now() AND (f.lease_until IS NULL OR f.lease_until < now())
                      AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = f.host AND h.next_allowed_at > now())
                    ORDER BY f.next_check_at, f.rank
                    LIMIT \(limit * 4)
                    FOR UPDATE SKIP LOCKED
                ), chosen AS (
                    SELECT name FROM (
                        SELECT d.name, d.next_check_at, d.rank,
                               row_number() OVER (PARTITION BY d.host ORDER BY d.next_check_at, d.rank) + coalesce(b.leased, 0) AS slot
                        FROM due d LEFT JOIN busy b ON b.host = d.host
                    ) ranked
                    WHERE slot <= \(perHost)
                    ORDER BY next_check_at, rank
                    LIMIT \(limit)
                )
                UPDATE feeds f SET lease_owner = \(node), lease_until = now() + make_interval(secs => \(Double(seconds)))
                FROM chosen WHERE f.name = chosen.name
                RETURNING f.name, f.rank, f.state::text
                """, logger: logger)
            var leased: [LeasedFeed] = []
            for try await (name, rank, stateJSON) in rows.decode((String, Int, String?).self) {
                leased.append(LeasedFeed(name: name, rank: rank, state: FeedStateCoding.decode(stateJSON)))
            }
            return leased.sorted { $0.rank < $1.rank }
        }
    }

    /// Extends this node's leases on `names` (those it is still working on).
    public func renewLeases(_ names: [String], seconds: Int) async throws(ClusterError) {
        guard !names.isEmpty else { return }
        let node = self.node
        try await run("renewing leases") { connection in
            try await connection.query("""
                UPDATE feeds SET lease_until = now() + make_interval(secs => \(Double(seconds)))
                WHERE lease_owner = \(node) AND name = ANY(\(names)::text[])
                """, logger: logger)
            try await connection.query("UPDATE nodes SET seen_at = now() WHERE name = \(node)", logger: logger)
        }
    }

    /// Gives back leases without recording a check (a node that stops early).
    public func releaseLeases(_ names: [String]) async throws(ClusterError) {
        guard !names.isEmpty else { return }
        let node = self.node
        try await run("releasing leases") { connection in
            try await connection.query("""
                UPDATE feeds SET lease_owner = NULL, lease_until = NULL
                WHERE lease_owner = \(node) AND name = ANY(\(names)::text[])
                """, logger: logger)
        }
    }

    /// The lowest feeds.conf position among due feeds that are not this node's to
    /// record (leased by another node, or by nobody yet), and whether a live lease
    /// holds it. A story carried by two feeds is taken from the lower, so a node
    /// records a feed once no lower feed is pending elsewhere (within a patience).
    /// Hosts told to wait do not count.
    public func lowestPendingRank() async throws(ClusterError) -> (rank: Int, leased: Bool)? {
        let node = self.node
        return try await run("reading pending feeds") { connection in
            let rows = try await connection.query("""
                SELECT f.rank, coalesce(f.lease_until >= now(), false) FROM feeds f
                WHERE NOT f.removed AND f.next_check_at <= now()
                  AND (f.lease_owner IS DISTINCT FROM \(node) OR f.lease_until < now())
                  AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = f.host AND h.next_allowed_at > now())
                ORDER BY f.rank LIMIT 1
                """, logger: logger)
            for try await (rank, leased) in rows.decode((Int, Bool).self) { return (rank, leased) }
            return nil
        }
    }

    /// When the next feed falls due (nil when there is none).
    public func nextDueTime() async throws(ClusterError) -> Date? {
        try await run("reading the schedule") { connection in
            let rows = try await connection.query("""
                SELECT min(greatest(f.next_check_at, coalesce(f.lease_until, '-infinity'), coalesce(h.next_allowed_at, '-infinity')))
                FROM feeds f LEFT JOIN hosts h ON h.host = f.host WHERE NOT f.removed
                """, logger: logger)
            for try await due in rows.decode(Date?.self) { return due }
            return nil
        }
    }

    /// Whether any feed is due now and not leased by a live node.
    public func hasUnleasedDueFeeds() async throws(ClusterError) -> Bool {
        try await run("reading the schedule") { connection in
            let rows = try await connection.query("""
                SELECT EXISTS (SELECT 1 FROM feeds f WHERE NOT f.removed AND f.next_check_at <= now()
                    AND (f.lease_until IS NULL OR f.lease_until < now()))
                """, logger: logger)
            for try await exists in rows.decode(Bool.self) { return exists }
            return false
        }
    }
}

/// A feed's state as stored in the `state` column (JSON).
enum FeedStateCoding {
    static func encode(_ state: FeedState) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let data = try? encoder.encode(state), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }

    static func decode(_ text: String?) -> FeedState {
        guard let text, let data = text.data(using: .utf8) else { return FeedState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode(FeedState.self, from: data)) ?? FeedState()
    }
}
