public import Foundation
public import FinewsNormalize
public import FinewsStore
import NIOCore
import PostgresNIO

/// A post rendered by the node that claims its story.
public struct RenderedStory: Sendable {
    /// The infoCode it was rendered as (the story's, as resolved before the claim).
    public var infoCode: String
    /// Relative to the site root.
    public var path: String
    public var bytes: [UInt8]
    public var contentHash: String
    public var firstSeen: Date
    public var category: String
    public var tag: String
    /// The outlet named by the entry, for the category page's title.
    public var outlet: String?

    public init(infoCode: String, path: String, bytes: [UInt8], contentHash: String, firstSeen: Date, category: String,
                tag: String, outlet: String?) {
        self.infoCode = infoCode
        self.path = path
        self.bytes = bytes
        self.contentHash = contentHash
        self.firstSeen = firstSeen
        self.category = category
        self.tag = tag
        self.outlet = outlet
    }
}

/// One entry of a feed, as it is claimed.
public struct StoryClaim: Sendable {
    public var infoCode: String
    /// `code:<infoCode>` and the story's aliases (``StoryKeys``).
    public var keys: [String]
    /// Left out by a `block` or `keep` rule: its keys are claimed, with no post.
    public var isBlocked: Bool
    /// The post, when the node expects to write or rewrite it; nil when a lookup
    /// before the claim found the story written, unchanged or owned by another feed.
    public var rendered: RenderedStory?
    /// `[dedupe] similar`: the MinHash signature of the post's text
    /// (`SimilarityText.of(title:bodyHTML:)`), for a story the node rendered as new;
    /// nil when `[dedupe]` is off or the story looked written.
    public var signature: MinHashSignature?
    /// `[dedupe] similar = "mark"`: the post as written when the story is a near-copy
    /// of the one named, with `duplicate_of` in its front matter. When nil, a copy
    /// found in `mark` mode is written as ``rendered``.
    public var markedCopy: (@Sendable (_ original: InfoCode) -> RenderedStory)?

    public init(
        infoCode: String, keys: [String], isBlocked: Bool, rendered: RenderedStory?, signature: MinHashSignature? = nil,
        markedCopy: (@Sendable (_ original: InfoCode) -> RenderedStory)? = nil
    ) {
        self.infoCode = infoCode
        self.keys = keys
        self.isBlocked = isBlocked
        self.rendered = rendered
        self.signature = signature
        self.markedCopy = markedCopy
    }
}

/// A post the shared state holds, as a node needs it before claiming.
public struct ClaimedPost: Sendable {
    public var infoCode: String
    public var feed: String
    public var path: String
    public var contentHash: String
    public var firstSeen: Date
    /// The story it was found to copy when it was claimed (`[dedupe] similar`), if any:
    /// a post marked `duplicate_of` stays marked when it is rewritten.
    public var duplicateOf: String?
}

/// The check of one feed, recorded with its stories in one transaction.
public struct FeedCheck: Sendable {
    public var feed: String
    /// The feed's state after the check; its `postsWritten` is counted up by the claim.
    public var state: FeedState
    public var nextCheck: Date
    /// The feed's host and how long it asked every node to wait (`Retry-After`).
    public var hostWait: (host: String, seconds: Int)?
    /// Outlet slugs this node assigned while rendering.
    public var slugs: [(text: String, slug: String)]

    public init(feed: String, state: FeedState, nextCheck: Date, hostWait: (host: String, seconds: Int)? = nil,
                slugs: [(text: String, slug: String)] = []) {
        self.feed = feed
        self.state = state
        self.nextCheck = nextCheck
        self.hostWait = hostWait
        self.slugs = slugs
    }
}

/// One feed's stories and check, for a batch claim.
public struct FeedClaims: Sendable {
    public var stories: [StoryClaim]
    public var check: FeedCheck

    public init(stories: [StoryClaim], check: FeedCheck) {
        self.stories = stories
        self.check = check
    }
}

/// What claiming a feed's stories did.
public struct ClaimResult: Sendable, Hashable {
    public var new = 0
    public var updated = 0
    public var duplicates = 0
    public var blocked = 0
    /// Stories another node claimed between this node's lookup and its claim.
    public var lost = 0
    /// New stories found to be near-copies of one written earlier (`[dedupe] similar`):
    /// not written (`skip`, and not counted as new) or written marked (`mark`, and
    /// counted as new too).
    public var similar = 0
    public init() {}
}

/// Stories are claimed once: every key of a story (its infoCode and aliases) is
/// claimed with `INSERT … ON CONFLICT DO NOTHING`; a story all of whose keys were
/// free is this node's to write, one with a key already held is the story that
/// key names. Two nodes that meet the same story in two feeds at once write one post.
extension ClusterDatabase {
    /// What the state knows of `keys`: the infoCode each names, and the posts of those infoCodes.
    public func lookUp(keys: [String]) async throws(ClusterError) -> (codes: [String: String], posts: [String: ClaimedPost]) {
        guard !keys.isEmpty else { return ([:], [:]) }
        return try await run("looking up stories") { connection in
            var codes: [String: String] = [:]
            for try await (key, code) in try await connection.query(
                "SELECT key, info_code FROM story_keys WHERE key = ANY(\(keys)::text[])", logger: logger
            ).decode((String, String).self) {
                codes[key] = code
            }
            let posts = try await Self.posts(Array(Set(codes.values)), on: connection, logger: logger, lock: false)
            return (codes, posts)
        }
    }

    private static func posts(
        _ codes: [String], on connection: PostgresConnection, logger: Logger, lock: Bool
    ) async throws -> [String: ClaimedPost] {
        guard !codes.isEmpty else { return [:] }
        var posts: [String: ClaimedPost] = [:]
        let rows = try await connection.query(lock
            ? """
              SELECT p.info_code, p.feed, p.path, p.content_hash, p.first_seen, s.duplicate_of
              FROM posts p LEFT JOIN similar_stories s ON s.info_code = p.info_code
              WHERE p.info_code = ANY(\(codes)::text[]) FOR UPDATE OF p
              """
            : """
              SELECT p.info_code, p.feed, p.path, p.content_hash, p.first_seen, s.duplicate_of
              FROM posts p LEFT JOIN similar_stories s ON s.info_code = p.info_code
              WHERE p.info_code = ANY(\(codes)::text[])
              """,
            logger: logger)
        for try await (code, feed, path, hash, firstSeen, original) in rows.decode(
            (String, String, String, String, Date, String?).self) {
            posts[code] = ClaimedPost(infoCode: code, feed: feed, path: path, contentHash: hash, firstSeen: firstSeen,
                                      duplicateOf: original)
        }
        return posts
    }

    /// Claims the stories of one feed and records its check, in one transaction:
    /// a crash or a lost connection leaves both or neither.
    /// - Parameters:
    ///   - configuredFeeds: a post is rewritten only from the feed that wrote
    ///     it, unless that feed has left the configuration.
    ///   - nearDuplicates: `[dedupe]`: whether a new story is compared by its text
    ///     with the stories first seen within the window (``StoryClaim/signature``).
    public func claim(
        _ stories: [StoryClaim], check: FeedCheck, configuredFeeds: Set<String>,
        nearDuplicates: NearDuplicatePolicy = NearDuplicatePolicy()
    ) async throws(ClusterError) -> ClaimResult {
        try await claim([FeedClaims(stories: stories, check: check)], configuredFeeds: configuredFeeds,
                        nearDuplicates: nearDuplicates).first ?? ClaimResult()
    }

    /// Claims the stories of several feeds, in the order given (feeds.conf order: a
    /// story in two of them goes to the first), and records their checks, all in one
    /// transaction — one commit, one flush of PostgreSQL's log, for the lot.
    ///
    /// With `[dedupe] similar` on, a story new to the state (none of its keys held)
    /// that carries a signature is compared with the stories first seen within the
    /// window that share a band key with it, and with the originals of the batch
    /// before it; a copy at least `threshold` alike is not written (`skip`: its keys
    /// name the original) or written marked (`mark`), and recorded in `similar_stories`. An
    /// original's signature and band keys are recorded with its post. See
    /// ``lockBands(_:on:logger:)`` for how two nodes claiming near-copies at once
    /// write one of them.
    /// - Throws: ``ClusterError`` when the transaction fails; nothing of it is recorded.
    public func claim(
        _ feeds: [FeedClaims], configuredFeeds: Set<String>, nearDuplicates: NearDuplicatePolicy = NearDuplicatePolicy()
    ) async throws(ClusterError) -> [ClaimResult] {
        let node = self.node
        // Every story of the batch, in order, with the feed it came from.
        var stories: [(feed: Int, story: StoryClaim)] = []
        for (index, feed) in feeds.enumerated() {
            for story in feed.stories { stories.append((index, story)) }
        }
        let what = feeds.count == 1 ? "recording feed '\(feeds[0].check.feed)'" : "recording \(feeds.count) feeds"
        return try await transaction(what) { connection in
            // Each key goes to the first story of the batch that holds it; keys are
            // inserted in sorted order so that two nodes never wait on each other in a circle.
            var firstStory: [String: Int] = [:]
            for (index, entry) in stories.enumerated() {
                for key in entry.story.keys where firstStory[key] == nil { firstStory[key] = index }
            }
            let sortedKeys = firstStory.keys.sorted()
            let sortedCodes = sortedKeys.map { stories[firstStory[$0] ?? 0].story.infoCode }
            var inserted: Set<String> = []
            if !sortedKeys.isEmpty {
                for try await key in try await connection.query("""
                    INSERT INTO story_keys (key, info_code)
                    SELECT * FROM unnest(\(sortedKeys)::text[], \(sortedCodes)::text[])
                    ON CONFLICT (key) DO NOTHING RETURNING key
                    """, logger: logger).decode(String.self) {
                    inserted.insert(key)
                }
            }
            var held: [String: String] = [:]
            let older = sortedKeys.filter { !inserted.contains($0) }
            if !older.isEmpty {
                for try await (key, code) in try await connection.query(
                    "SELECT key, info_code FROM story_keys WHERE key = ANY(\(older)::text[])", logger: logger
                ).decode((String, String).self) {
                    held[key] = code
                }
            }
            let posts = try await Self.posts(Array(Set(held.values)), on: connection, logger: logger, lock: true)

            // Near-copies: the stories new to the state (each key first met with them in
            // the batch, none held) that carry a signature, as the loop below finds them.
            var compared: Set<Int> = []
            var bandKeys: [Int64] = []
            var since = Date.distantFuture
            if nearDuplicates.isOn {
                for (index, entry) in stories.enumerated() {
                    let story = entry.story
                    guard !story.isBlocked, let signature = story.signature, !signature.isEmpty,
                          let rendered = story.rendered, rendered.infoCode == story.infoCode,
                          story.keys.allSatisfy({ firstStory[$0] == index && held[$0] == nil }) else { continue }
                    compared.insert(index)
                    bandKeys += signature.bandKeys
                    since = min(since, rendered.firstSeen.addingTimeInterval(-Double(nearDuplicates.window)))
                }
            }
            var originals = NearCopyIndex()
            if !compared.isEmpty {
                try await Self.lockBands(bandKeys, on: connection, logger: logger)
                originals = try await Self.storedSignatures(keys: bandKeys, since: since, on: connection, logger: logger)
            }
            var signatures: [(infoCode: String, firstSeen: Date, signature: MinHashSignature)] = []
            var similar: [(infoCode: String, feed: String, duplicateOf: String)] = []

            var results = [ClaimResult](repeating: ClaimResult(), count: feeds.count)
            var newPosts: [(feed: String, post: RenderedStory)] = []
            var rewrites: [RenderedStory] = []
            // Keys this transaction inserted for a story that turned out to be another
            // (an empty code: free them again).
            var repoint: [(key: String, code: String)] = []
            // The infoCode each story of the batch resolved to, for its later copies.
            var resolved: [Int: String] = [:]
            for (index, entry) in stories.enumerated() {
                let story = entry.story
                let feedName = feeds[entry.feed].check.feed
                let ours = story.keys.filter { inserted.contains($0) && firstStory[$0] == index }
                let earlier = story.keys.lazy.compactMap { key -> Int? in
                    guard let first = firstStory[key], first != index else { return nil }
                    return first
                }.first
                if let earlier {
                    // A second entry of a story met earlier in the batch (this feed or a lower one).
                    results[entry.feed].duplicates += 1
                    if let code = resolved[earlier] { repoint += ours.map { ($0, code) } }
                    continue
                }
                guard let code = story.keys.lazy.compactMap({ held[$0] }).first else {
                    // Every key was free: the story is this node's.
                    resolved[index] = story.infoCode
                    if story.isBlocked {
                        results[entry.feed].blocked += 1
                    } else if let rendered = story.rendered, rendered.infoCode == story.infoCode {
                        if compared.contains(index), let signature = story.signature {
                            let keys = signature.bandKeys
                            if let original = originals.original(
                                of: signature, keys: keys,
                                since: rendered.firstSeen.addingTimeInterval(-Double(nearDuplicates.window)),
                                threshold: nearDuplicates.threshold, other: story.infoCode) {
                                results[entry.feed].similar += 1
                                similar.append((story.infoCode, feedName, original.value))
                                if nearDuplicates.mode == .mark {
                                    newPosts.append((feedName, story.markedCopy?(original) ?? rendered))
                                    results[entry.feed].new += 1
                                } else {
                                    // Not written: every key names the original, so that neither
                                    // the copy nor its later updates come back.
                                    resolved[index] = original.value
                                    repoint += ours.map { ($0, original.value) }
                                }
                                continue
                            }
                            signatures.append((story.infoCode, rendered.firstSeen, signature))
                            if let code = InfoCode(story.infoCode) {
                                originals.insert(code, firstSeen: rendered.firstSeen, signature: signature, keys: keys)
                            }
                        }
                        newPosts.append((feedName, rendered))
                        results[entry.feed].new += 1
                    } else {
                        // Looked up as written, yet free now: nothing to write it from; the next check writes it.
                        repoint += ours.map { ($0, "") }
                        results[entry.feed].lost += 1
                    }
                    continue
                }
                resolved[index] = code
                repoint += ours.map { ($0, code) }
                if let post = posts[code], post.feed == feedName || !configuredFeeds.contains(post.feed),
                   let rendered = story.rendered, rendered.infoCode == code, rendered.contentHash != post.contentHash {
                    var rewrite = rendered
                    rewrite.path = post.path
                    rewrites.append(rewrite)
                    results[entry.feed].updated += 1
                } else {
                    if story.rendered != nil, posts[code] == nil || story.rendered?.infoCode != code {
                        results[entry.feed].lost += 1
                    }
                    results[entry.feed].duplicates += 1
                }
            }

            if !newPosts.isEmpty {
                let codes = newPosts.map(\.post.infoCode)
                let feedNames = newPosts.map(\.feed)
                let paths = newPosts.map(\.post.path)
                let bodies = newPosts.map { ByteBuffer(bytes: $0.post.bytes) }
                let hashes = newPosts.map(\.post.contentHash)
                let firstSeen = newPosts.map(\.post.firstSeen)
                let categories = newPosts.map(\.post.category)
                let tags = newPosts.map(\.post.tag)
                let outlets = newPosts.map { $0.post.outlet ?? "" }
                try await connection.query("""
                    INSERT INTO posts (info_code, feed, path, bytes, content_hash, first_seen, category, tag, outlet, claimed_by)
                    SELECT c, f, p, b, h, s, cat, t, NULLIF(o, ''), \(node)
                    FROM unnest(\(codes)::text[], \(feedNames)::text[], \(paths)::text[], \(bodies)::bytea[], \(hashes)::text[],
                                \(firstSeen)::timestamptz[], \(categories)::text[], \(tags)::text[], \(outlets)::text[])
                         WITH ORDINALITY AS t(c, f, p, b, h, s, cat, t, o, n)
                    ORDER BY n
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            if !rewrites.isEmpty {
                let codes = rewrites.map(\.infoCode)
                let bodies = rewrites.map { ByteBuffer(bytes: $0.bytes) }
                let hashes = rewrites.map(\.contentHash)
                let categories = rewrites.map(\.category)
                let tags = rewrites.map(\.tag)
                try await connection.query("""
                    UPDATE posts SET bytes = t.b, content_hash = t.h, category = t.cat, tag = t.tg, revision = revision + 1
                    FROM unnest(\(codes)::text[], \(bodies)::bytea[], \(hashes)::text[], \(categories)::text[], \(tags)::text[])
                         AS t(c, b, h, cat, tg)
                    WHERE posts.info_code = t.c
                    """, logger: logger)
            }
            try await Self.recordSignatures(signatures, on: connection, logger: logger)
            try await Self.recordSimilar(similar, on: connection, logger: logger)
            let toMove = repoint.filter { !$0.code.isEmpty }
            if !toMove.isEmpty {
                let keys = toMove.map(\.key)
                let codes = toMove.map(\.code)
                try await connection.query("""
                    UPDATE story_keys SET info_code = t.c FROM unnest(\(keys)::text[], \(codes)::text[]) AS t(k, c)
                    WHERE story_keys.key = t.k
                    """, logger: logger)
            }
            let toFree = repoint.filter { $0.code.isEmpty }.map(\.key)
            if !toFree.isEmpty {
                try await connection.query("DELETE FROM story_keys WHERE key = ANY(\(toFree)::text[])", logger: logger)
            }
            let slugChanges = feeds.flatMap(\.check.slugs)
            if !slugChanges.isEmpty {
                let texts = slugChanges.map(\.text)
                let slugs = slugChanges.map(\.slug)
                try await connection.query("""
                    INSERT INTO slugs (text, slug) SELECT * FROM unnest(\(texts)::text[], \(slugs)::text[]) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            var checks = feeds.map(\.check)
            for index in checks.indices { checks[index].state.postsWritten += results[index].new }
            try await Self.recordChecks(checks, node: node, on: connection, logger: logger)
            return results
        }
    }

    /// Records a feed's check (no stories: a failure, a 304, an unchanged body).
    public func record(_ check: FeedCheck) async throws(ClusterError) {
        let node = self.node
        try await transaction("recording feed '\(check.feed)'") { connection in
            try await Self.recordChecks([check], node: node, on: connection, logger: logger)
        }
    }

    /// Records checks: each feed's state and next check, its lease given back.
    private static func recordChecks(
        _ checks: [FeedCheck], node: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !checks.isEmpty else { return }
        let names = checks.map(\.feed)
        let states = checks.map { FeedStateCoding.encode($0.state) }
        let nextChecks = checks.map(\.nextCheck)
        try await connection.query("""
            UPDATE feeds SET state = t.s::jsonb, next_check_at = t.n, checked_by = \(node), checked_at = now(),
                lease_owner = NULL, lease_until = NULL
            FROM unnest(\(names)::text[], \(states)::text[], \(nextChecks)::timestamptz[]) AS t(f, s, n)
            WHERE feeds.name = t.f
            """, logger: logger)
        for check in checks {
            guard let wait = check.hostWait else { continue }
            try await connection.query("""
                INSERT INTO hosts (host, next_allowed_at) VALUES (\(wait.host), now() + make_interval(secs => \(Double(wait.seconds))))
                ON CONFLICT (host) DO UPDATE SET next_allowed_at = greatest(hosts.next_allowed_at, EXCLUDED.next_allowed_at)
                """, logger: logger)
        }
    }

    /// The outlets' slugs stored by any node.
    public func slugs() async throws(ClusterError) -> [String: String] {
        try await run("reading slugs") { connection in
            var slugs: [String: String] = [:]
            for try await (text, slug) in try await connection.query("SELECT text, slug FROM slugs", logger: logger)
                .decode((String, String).self) {
                slugs[text] = slug
            }
            return slugs
        }
    }
}
