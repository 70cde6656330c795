import PostgresNIO

/// The shared state's tables, created and migrated by finews itself: versioned
/// migrations, each applied once, in one transaction with the record of its version.
/// A transaction-scoped advisory lock makes nodes that start at once take turns:
/// the second finds the work done.
enum ClusterSchema {
    /// `pg_advisory_xact_lock` keys (one namespace for finews: 0x66696E65, "fine").
    static let migrationLock: Int64 = 0x6669_6E65_0000_0001
    /// Held for the session by the node that writes the site (``SitePublication``).
    static let publisherLock: Int64 = 0x6669_6E65_0000_0002
    /// Taken by each lease transaction, so that per-host counts are exact.
    static let leaseLock: Int64 = 0x6669_6E65_0000_0003
    /// Taken by a claim that compares new stories by their text (`[dedupe] similar`):
    /// shared with a lock on each band key, or alone and exclusive for a claim with
    /// too many keys to lock one by one (``ClusterDatabase/lockBands(_:on:logger:)``).
    static let bandsLock: Int64 = 0x6669_6E65_0000_0004

    /// The migrations, in order; version N is `migrations[N - 1]`. Never edit one
    /// that shipped: add the next.
    static let migrations: [[PostgresQuery]] = [
        // 1: feeds and their leases, story keys and posts, hosts, nodes, categories, slugs.
        [
            """
            CREATE TABLE feeds (
                name text PRIMARY KEY,
                rank integer NOT NULL,
                url text NOT NULL,
                host text NOT NULL,
                removed boolean NOT NULL DEFAULT false,
                next_check_at timestamptz NOT NULL DEFAULT '-infinity',
                lease_owner text,
                lease_until timestamptz,
                checked_by text,
                checked_at timestamptz,
                state jsonb
            )
            """,
            "CREATE INDEX feeds_due ON feeds (next_check_at, rank) WHERE NOT removed",
            // The feeds leased now or lately (a recorded check clears its lease): what
            // per_host counts, without reading every feed at each lease.
            "CREATE INDEX feeds_leased ON feeds (host) WHERE lease_until IS NOT NULL",
            "CREATE INDEX feeds_rank ON feeds (rank) WHERE NOT removed",
            """
            CREATE TABLE story_keys (
                key text PRIMARY KEY,
                info_code text NOT NULL
            )
            """,
            "CREATE INDEX story_keys_info_code ON story_keys (info_code)",
            """
            CREATE TABLE posts (
                info_code text PRIMARY KEY,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                feed text NOT NULL,
                path text NOT NULL UNIQUE,
                bytes bytea NOT NULL,
                content_hash text NOT NULL,
                first_seen timestamptz NOT NULL,
                category text NOT NULL,
                tag text NOT NULL,
                outlet text,
                claimed_by text NOT NULL,
                claimed_at timestamptz NOT NULL DEFAULT now(),
                revision integer NOT NULL DEFAULT 1,
                published_revision integer NOT NULL DEFAULT 0,
                published_at timestamptz,
                published_by text
            )
            """,
            "CREATE INDEX posts_pending ON posts (seq) WHERE published_revision < revision",
            """
            CREATE TABLE hosts (
                host text PRIMARY KEY,
                next_allowed_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE nodes (
                name text PRIMARY KEY,
                hostname text NOT NULL,
                pid integer NOT NULL,
                site text,
                started_at timestamptz NOT NULL,
                seen_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE categories (
                slug text PRIMARY KEY,
                tag text NOT NULL,
                outlet text
            )
            """,
            """
            CREATE TABLE slugs (
                text text PRIMARY KEY,
                slug text NOT NULL
            )
            """,
        ],
        // 2: near-duplicates across outlets (`[dedupe] similar`): the MinHash signature
        // of each story written as an original (256 bytes), its 16 LSH band keys
        // (`MinHashSignature.bandKeys`) naming it by the signature's id — small rows,
        // and the primary key is the index a lookup by key uses — and the stories found
        // to copy an earlier one, which `finews status` counts per feed.
        [
            """
            CREATE TABLE signatures (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                info_code text NOT NULL UNIQUE,
                first_seen timestamptz NOT NULL,
                signature bytea NOT NULL
            )
            """,
            """
            CREATE TABLE bands (
                key bigint NOT NULL,
                story bigint NOT NULL,
                PRIMARY KEY (key, story)
            )
            """,
            """
            CREATE TABLE similar_stories (
                info_code text PRIMARY KEY,
                feed text NOT NULL,
                duplicate_of text NOT NULL
            )
            """,
        ],
    ]

    /// Applies the migrations not yet applied.
    /// - Throws: ``ClusterError`` `.schema` when the database is newer than this finews.
    static func migrate(_ database: ClusterDatabase) async throws(ClusterError) {
        let known = migrations.count
        let found: Int = try await database.transaction("bringing the schema up to date") { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: database.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS finews_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: database.logger)
            var current = 0
            for try await version in try await connection.query(
                "SELECT coalesce(max(version), 0) FROM finews_schema", logger: database.logger).decode(Int.self) {
                current = version
            }
            guard current <= known else { return current }
            for version in (current + 1)...max(current + 1, known) where version <= known {
                for statement in migrations[version - 1] {
                    try await connection.query(statement, logger: database.logger)
                }
                try await connection.query("INSERT INTO finews_schema (version) VALUES (\(version))", logger: database.logger)
                database.logger.notice("state schema migrated", metadata: ["version": "\(version)"])
            }
            return current
        }
        if found > known {
            throw ClusterError(.schema, "the database \(database.settings) holds state schema version \(found); this "
                + "finews knows up to \(known). Upgrade finews on this node to the version the other nodes run")
        }
    }
}
