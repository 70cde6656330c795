import FinewsNormalize
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Near-duplicates across outlets (`[dedupe] similar`) on the shared state, with
/// the behaviour of a single node: a story new to the state is compared, by its
/// text's MinHash signature, with the stories first seen within the window that
/// share one of its LSH band keys, and is a copy of the most alike of them when
/// that one is at least `threshold` alike.
///
/// Everything happens inside the claim's transaction (``ClusterDatabase/claim(_:configuredFeeds:nearDuplicates:)``):
/// the lookup, the decision, and the rows of an original's signature and band keys,
/// recorded with its keys and its post — a crash leaves all of them or none.
///
/// Two nodes that claim two near-copies at the same moment must not both write.
/// Neither can see the other's band rows before it commits, so each claim first
/// takes a transaction-scoped advisory lock on every band key it will look up (see
/// ``ClusterDatabase/lockBands(_:on:logger:)``): of two claims sharing a key, the
/// second waits until the first commits, and its lookup — a later statement, with
/// a fresh snapshot under READ COMMITTED — then finds the first one's rows.
extension ClusterDatabase {
    /// Band keys a claim locks one by one at most; a claim with more takes
    /// ``ClusterSchema/bandsLock`` exclusively instead.
    ///
    /// Advisory locks live in PostgreSQL's shared lock table, which holds about
    /// `max_locks_per_transaction` × `max_connections` locks (6,400 by default) for
    /// the whole server. A cold batch of 4,096 new stories has 65,536 band keys: one
    /// lock each would fail with "out of shared memory". 256 keys are 16 new stories,
    /// which covers a feed's usual news between two checks.
    static let bandLockLimit = 256

    /// Takes the locks that order the claims of near-copies across nodes, inside the
    /// claim's transaction (released at its commit or rollback).
    ///
    /// Locking is hierarchical: a claim with at most ``bandLockLimit`` keys takes
    /// ``ClusterSchema/bandsLock`` shared, then one exclusive lock per key; a claim
    /// with more takes ``ClusterSchema/bandsLock`` exclusive, which excludes every other
    /// comparing claim. So two claims that share a key never both hold it.
    ///
    /// No deadlock: every claim takes its locks in the same global order — its story
    /// keys first (inserted in sorted order), then ``ClusterSchema/bandsLock``, then the
    /// band keys in sorted order — and waits for nothing else once it holds a band lock.
    ///
    /// A band key is locked in PostgreSQL's two-`int4` advisory key space
    /// (`pg_advisory_xact_lock(int4, int4)`, its high and low 32 bits), which is apart
    /// from the `bigint` space of finews's own locks (``ClusterSchema``): a band key
    /// can never be taken for the publisher's or the migration's lock.
    static func lockBands(_ keys: [Int64], on connection: PostgresConnection, logger: Logger) async throws {
        guard !keys.isEmpty else { return }
        let unique = Set(keys)
        if unique.count > bandLockLimit {
            try await connection.query("SELECT pg_advisory_xact_lock(\(ClusterSchema.bandsLock))", logger: logger)
            return
        }
        try await connection.query("SELECT pg_advisory_xact_lock_shared(\(ClusterSchema.bandsLock))", logger: logger)
        let pairs = unique.map { (Int32(truncatingIfNeeded: $0 >> 32), Int32(truncatingIfNeeded: $0)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let highs = pairs.map(\.0)
        let lows = pairs.map(\.1)
        // unnest reads the arrays in order, and ORDER BY over the ordinality keeps
        // that order for the locks (PostgreSQL evaluates a volatile function of the
        // select list after the sort).
        let rows = try await connection.query("""
            SELECT pg_advisory_xact_lock(h, l) FROM unnest(\(highs)::int4[], \(lows)::int4[]) WITH ORDINALITY AS t(h, l, n)
            ORDER BY n
            """, logger: logger)
        for try await _ in rows {}
    }

    /// The stories first seen at or after `since` that hold one of `keys`, with
    /// their signatures, indexed by band key.
    static func storedSignatures(
        keys: [Int64], since: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> NearCopyIndex {
        var index = NearCopyIndex()
        guard !keys.isEmpty else { return index }
        let rows = try await connection.query("""
            SELECT b.key, s.info_code, s.first_seen, s.signature FROM bands b JOIN signatures s ON s.id = b.story
            WHERE b.key = ANY(\(Array(Set(keys)))::bigint[]) AND s.first_seen >= \(since)
            """, logger: logger)
        for try await (key, code, firstSeen, bytes) in rows.decode((Int64, String, Date, ByteBuffer).self) {
            // A row that is not a signature or an infoCode (written by another program) names nothing.
            guard let code = InfoCode(code), let signature = MinHashSignature(bytes: Array(bytes.readableBytesView)) else {
                continue
            }
            index.insert(code, firstSeen: firstSeen, signature: signature, keys: [key])
        }
        return index
    }

    /// Records the signatures of stories written as originals, with their band keys.
    static func recordSignatures(
        _ items: [(infoCode: String, firstSeen: Date, signature: MinHashSignature)],
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !items.isEmpty else { return }
        let codes = items.map(\.infoCode)
        let firstSeen = items.map(\.firstSeen)
        let signatures = items.map { ByteBuffer(bytes: $0.signature.bytes) }
        var bandCodes: [String] = []
        var bandKeys: [Int64] = []
        for item in items {
            for key in item.signature.bandKeys {
                bandCodes.append(item.infoCode)
                bandKeys.append(key)
            }
        }
        try await connection.query("""
            WITH stored AS (
                INSERT INTO signatures (info_code, first_seen, signature)
                SELECT * FROM unnest(\(codes)::text[], \(firstSeen)::timestamptz[], \(signatures)::bytea[])
                ON CONFLICT (info_code) DO NOTHING
                RETURNING id, info_code)
            INSERT INTO bands (key, story)
            SELECT b.key, stored.id FROM stored JOIN unnest(\(bandCodes)::text[], \(bandKeys)::bigint[]) AS b(code, key)
                ON b.code = stored.info_code
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Records the stories found to copy an earlier one, for `finews status`, and
    /// for a marked post to stay marked when it is rewritten.
    static func recordSimilar(
        _ rows: [(infoCode: String, feed: String, duplicateOf: String)], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !rows.isEmpty else { return }
        let codes = rows.map(\.infoCode)
        let feeds = rows.map(\.feed)
        let originals = rows.map(\.duplicateOf)
        try await connection.query("""
            INSERT INTO similar_stories (info_code, feed, duplicate_of)
            SELECT * FROM unnest(\(codes)::text[], \(feeds)::text[], \(originals)::text[])
            ON CONFLICT (info_code) DO NOTHING
            """, logger: logger)
    }

    /// How many new stories of each feed were near-copies of an earlier one.
    static func similarCounts(on connection: PostgresConnection, logger: Logger) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for try await (feed, count) in try await connection.query(
            "SELECT feed, count(*) FROM similar_stories GROUP BY feed", logger: logger).decode((String, Int).self) {
            counts[feed] = count
        }
        return counts
    }
}

/// Signatures found by their LSH band keys, each with the time its story was first
/// seen: the state's, read inside a claim, and the originals claimed earlier in the
/// same batch.
struct NearCopyIndex {
    private var entries: [(code: InfoCode, firstSeen: Date, signature: MinHashSignature)] = []
    private var positions: [String: Int] = [:]
    private var byKey: [Int64: [Int]] = [:]

    /// Adds a story (once, whatever the number of its keys found) under `keys`.
    mutating func insert(_ code: InfoCode, firstSeen: Date, signature: MinHashSignature, keys: [Int64]) {
        let position: Int
        if let known = positions[code.value] {
            position = known
        } else {
            position = entries.count
            entries.append((code, firstSeen, signature))
            positions[code.value] = position
        }
        for key in keys where byKey[key]?.contains(position) != true { byKey[key, default: []].append(position) }
    }

    /// The story most alike to `signature` among those sharing one of `keys`, first
    /// seen at or after `since` and other than `code`, when it is at least
    /// `threshold` alike. Ties go to the story first seen earliest.
    func original(
        of signature: MinHashSignature, keys: [Int64], since: Date, threshold: Double, other code: String
    ) -> InfoCode? {
        var best: (position: Int, similarity: Double)?
        var seen: Set<Int> = []
        for key in keys {
            for position in byKey[key] ?? [] where seen.insert(position).inserted {
                let entry = entries[position]
                guard entry.code.value != code, entry.firstSeen >= since else { continue }
                let similarity = signature.similarity(to: entry.signature)
                guard similarity >= threshold else { continue }
                if let current = best {
                    let earlier = entries[current.position]
                    guard similarity > current.similarity
                        || (similarity == current.similarity && (entry.firstSeen, entry.code) < (earlier.firstSeen, earlier.code))
                    else { continue }
                }
                best = (position, similarity)
            }
        }
        return best.map { entries[$0.position].code }
    }
}
