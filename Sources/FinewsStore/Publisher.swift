public import FinewsNormalize
public import FinewsParse
public import Foundation
import Synchronization

/// A story taken from a feed that may become a post, with what is needed to
/// render it.
public struct StoryCandidate: Sendable {
    /// The feed it came from.
    public var feed: String
    /// The infoCode the entry was given (``InfoCodeAssigner``).
    public var infoCode: InfoCode
    /// The entry's other keys (``StoryKeys``).
    public var aliases: [String]
    public var entry: FeedEntry
    public var normalizer: Normalizer
    /// The feed's category and tag templates.
    public var filing: FeedFiling
    /// The feed document's title, for `{source}` when an entry names no outlet.
    public var feedTitle: String?
    /// What fetching the story's full text gave this cycle; nil when it was not tried.
    public var fullText: FullTextResult?
    /// Whether a `block` or `keep` rule leaves the story out: it is recorded as seen,
    /// with no post, so that it never comes back.
    public var isBlocked = false
    /// The post's title and body (``Normalizer/text(for:infoCode:)``), when the reader
    /// made them beforehand (``prepare(signing:)``); the publisher makes them otherwise.
    public var text: PostText?
    /// The signature of the post's text for `[dedupe] similar`, when the reader
    /// computed it beforehand (``prepare(signing:)``); the publisher computes it otherwise.
    public var signature: MinHashSignature?

    /// Creates a candidate.
    public init(
        feed: String, infoCode: InfoCode, aliases: [String], entry: FeedEntry, normalizer: Normalizer,
        filing: FeedFiling, feedTitle: String?, fullText: FullTextResult? = nil
    ) {
        self.feed = feed
        self.infoCode = infoCode
        self.aliases = aliases
        self.entry = entry
        self.normalizer = normalizer
        self.filing = filing
        self.feedTitle = feedTitle
        self.fullText = fullText
    }
}

extension StoryCandidate {
    /// Makes the post's text — and, with `signing`, the MinHash signature the publisher
    /// compares a new story by (`[dedupe] similar`) — from the entry with its full text
    /// when one was fetched, as ``Publisher`` would. Sanitizing a body is most of a
    /// post's cost: done where the cycle has a core to spare, it leaves the publisher,
    /// which takes the feeds one at a time, only the filing, rendering and writing.
    /// The entry's own content and summary are dropped: the text replaces them.
    public mutating func prepare(signing: Bool) {
        var entry = self.entry
        if case .fetched(let html, let pageURL)? = fullText {
            entry.content = FeedText(html, kind: .html)
            entry.baseURL = pageURL
        }
        let text = normalizer.text(for: entry, infoCode: infoCode)
        self.text = text
        self.entry.content = nil
        self.entry.summary = nil
        self.entry.secondarySummary = nil
        if signing { signature = MinHashSignature(text: SimilarityText.of(title: text.title, bodyHTML: text.body)) }
    }
}

/// What fetching a story's full text gave.
public enum FullTextResult: Sendable {
    /// The article's HTML (not yet sanitized) and the page relative URLs resolve against.
    case fetched(html: String, pageURL: String)
    /// It failed, for this reason; the post keeps the feed's content and a later
    /// cycle tries again.
    case failed(reason: String)
}

/// What ``Publisher/publish(_:)`` did with one feed's candidates.
public struct PublishResult: Sendable, Hashable {
    /// Stories written for the first time.
    public var new = 0
    /// Posts rewritten in place because the story changed.
    public var updated = 0
    /// Candidates whose story was already written (before, or earlier this cycle).
    public var duplicates = 0
    /// Stories whose full text could not be fetched this time.
    public var fullTextsMissing = 0
    /// Stories left out by a rule this time, recorded as seen with no post.
    public var blocked = 0
    /// New stories found to be near-copies of one written earlier (`[dedupe] similar`):
    /// not written (`skip`) or written marked (`mark`).
    public var similar = 0

    /// Creates a result.
    public init(new: Int = 0, updated: Int = 0, duplicates: Int = 0, fullTextsMissing: Int = 0, blocked: Int = 0) {
        self.new = new
        self.updated = updated
        self.duplicates = duplicates
        self.fullTextsMissing = fullTextsMissing
        self.blocked = blocked
    }
}

/// The part of the state the publisher needs: the SQLite ``StateStore``, or another
/// database behind the same calls.
public protocol StoryStateStore: Sendable {
    /// The stored stories known by any of `codes` (as infoCodes) or `aliases`; for
    /// each alias found, the infoCode of its story.
    func stories(
        codes: [InfoCode], aliases: [String]
    ) async throws(StoreError) -> (posts: [InfoCode: StoredPost], aliases: [String: InfoCode])
    /// Records `batch` in one transaction, on the calling thread; on disk when it returns.
    func commitNow(_ batch: StateBatch) throws(StoreError)
    /// The signatures of the stories first seen since `since`, in id order, from the
    /// first id above `afterID`, at most `limit` of them (`[dedupe] similar`).
    func signatures(
        since: Date, afterID: Int64, limit: Int
    ) async throws(StoreError) -> [(id: Int64, signature: MinHashSignature)]
    /// The stories and signatures recorded under `ids`, by id.
    func signatures(ids: [Int64]) async throws(StoreError) -> [Int64: (infoCode: InfoCode, signature: MinHashSignature)]
    /// The highest signature id recorded, 0 when none.
    func lastSignatureID() async throws(StoreError) -> Int64
    /// The story `code` was marked a near-copy of, if any.
    func duplicateOf(_ code: InfoCode) async throws(StoreError) -> InfoCode?
}

extension StoryStateStore {
    /// A state that keeps no signatures has none.
    public func signatures(
        since: Date, afterID: Int64, limit: Int
    ) async throws(StoreError) -> [(id: Int64, signature: MinHashSignature)] { [] }

    /// A state that keeps no signatures has none.
    public func signatures(
        ids: [Int64]
    ) async throws(StoreError) -> [Int64: (infoCode: InfoCode, signature: MinHashSignature)] { [:] }

    /// A state that keeps no signatures has none.
    public func lastSignatureID() async throws(StoreError) -> Int64 { 0 }

    /// A state that keeps no signatures has no marked stories.
    public func duplicateOf(_ code: InfoCode) async throws(StoreError) -> InfoCode? { nil }
}

extension StateStore: StoryStateStore {}

/// One cycle's writer (DESIGN.md §3): each feed's candidates go through one call,
/// ``publish(_:)``, which deduplicates them against the state and against what the
/// cycle already took (by infoCode and by every alias), renders the posts and
/// stages their files. Files are committed in groups on a background queue; each
/// group's state — its posts, their aliases, the feeds recorded after them — is
/// recorded in one transaction only once the group's files and folders are on
/// disk. A crash therefore leaves every recorded story written, and a story that was
/// written but not recorded is written again, byte for byte, by the next cycle.
///
/// Used from one task at a time; the background queue never touches its state.
public final class Publisher {
    private let state: any StoryStateStore
    private let renderer: PostRenderer
    private let siteRoot: URL
    private let cycleTime: Date
    private let files: ArchiveBatch
    private let maximumRows: Int
    /// The feeds of the configuration: a post whose feed is among them is updated only from it.
    private let feedNames: Set<String>
    private var slugs: SlugRegistry
    private var slugChangesRecorded = 0
    private var knownCategories: [String: StoredCategory]
    /// What the group being staged will record once its files are on disk.
    private var batch = StateBatch()
    /// The keys (`code:` + infoCode, and aliases) of every story taken by groups not
    /// yet recorded: until its transaction commits, the state cannot answer for them.
    private let unrecorded = UnrecordedKeys()
    private var groupKeys: Set<String> = []
    private var groupNumber = 0
    /// Every file staged this cycle (posts written or rewritten, new category
    /// pages), relative to the site root, in order: what the after-write hook is told.
    /// Kept only when asked (`keepsStagedPaths`): a cold refresh of 5,000 feeds
    /// stages 155,000 files, 12 MB of paths.
    public private(set) var stagedPaths: [String] = []
    private let keepsStagedPaths: Bool
    /// `[dedupe]`: whether and how new stories are compared with earlier ones by their text.
    private let nearDuplicates: NearDuplicatePolicy
    /// `[dedupe]`: the stories of the window — recorded before this cycle (read
    /// from the state at the first new story) and written by it — indexed by band,
    /// with each one's signature id by its number in the index.
    private var nearCopies = NearCopyIndex()
    private var signatureIDs: [Int64] = []
    /// The next signature id to give; nil until the window is read.
    private var nextSignatureID: Int64?
    /// The signatures written by the group being staged, by id, and those of the
    /// groups handed over and not yet recorded: the state cannot answer for them yet.
    private var groupSignatures: [Int64: SignedStory] = [:]
    private let unrecordedSignatures = UnrecordedSignatures()

    /// A story written this cycle with its signature (a struct, not a tuple: tuple
    /// types in a dictionary are looked up at run time, on every access).
    private struct SignedStory: Sendable {
        var code: InfoCode
        var signature: MinHashSignature
    }

    /// The signatures of the groups handed over and not yet recorded, by group.
    private final class UnrecordedSignatures: Sendable {
        private let byGroup = Mutex<[Int: [Int64: SignedStory]]>([:])

        func add(_ signatures: [Int64: SignedStory], group: Int) {
            guard !signatures.isEmpty else { return }
            byGroup.withLock { $0[group] = signatures }
        }

        func remove(group: Int) {
            byGroup.withLock { _ = $0.removeValue(forKey: group) }
        }

        /// Those of `ids` that an unrecorded group holds.
        func find(_ ids: [Int64]) -> [Int64: SignedStory] {
            byGroup.withLock { groups in
                var found: [Int64: SignedStory] = [:]
                for id in ids {
                    for group in groups.values {
                        if let item = group[id] { found[id] = item; break }
                    }
                }
                return found
            }
        }
    }

    /// The keys of the groups handed over and not yet recorded, by group, shared
    /// with the background queue that removes a group's keys once it is recorded.
    private final class UnrecordedKeys: Sendable {
        private let byGroup = Mutex<[Int: Set<String>]>([:])

        func add(_ keys: Set<String>, group: Int) {
            byGroup.withLock { $0[group] = keys }
        }

        func remove(group: Int) {
            byGroup.withLock { _ = $0.removeValue(forKey: group) }
        }

        /// Those of `keys` that some unrecorded group holds.
        func hits(among keys: [String]) -> Set<String> {
            byGroup.withLock { groups in
                Set(keys.filter { key in groups.values.contains { $0.contains(key) } })
            }
        }
    }

    /// Starts a cycle's writing.
    /// - Parameters:
    ///   - slugs: the outlets' slugs as stored, with the overrides and reserved names.
    ///   - categories: the categories whose page exists, by slug.
    ///   - feeds: the names of the configured feeds. A post is updated in place only
    ///     from the feed that wrote it; copies of the story in other feeds are
    ///     duplicates, unless that feed is gone from the configuration.
    ///   - maximumRows: state rows a group records at most, so that a cycle that takes
    ///     many stories but writes few files still records as it goes.
    ///   - nearDuplicates: `[dedupe]`: whether a new story is compared by its text
    ///     with the stories written within the window.
    ///   - keepsStagedPaths: whether ``stagedPaths`` lists the files staged.
    /// - Throws: ``StoreError`` when the temporary folder cannot be made.
    public init(
        state: any StoryStateStore, writer: ArchiveWriter, renderer: PostRenderer, cycleTime: Date,
        slugs: SlugRegistry, categories: [String: StoredCategory], feeds: Set<String>, maximumRows: Int = 4096,
        nearDuplicates: NearDuplicatePolicy = NearDuplicatePolicy(), keepsStagedPaths: Bool = true
    ) throws(StoreError) {
        self.nearDuplicates = nearDuplicates
        self.keepsStagedPaths = keepsStagedPaths
        self.feedNames = feeds
        self.state = state
        self.renderer = renderer
        self.siteRoot = writer.root
        self.cycleTime = cycleTime
        self.files = try writer.begin()
        self.slugs = slugs
        self.knownCategories = categories
        self.maximumRows = max(1, maximumRows)
    }

    /// Publishes one feed's candidates, in order: a story already taken (this cycle,
    /// or written before with the same bytes) is a duplicate; a changed one is
    /// rewritten at its path; a new one is written. The first candidate of a story
    /// wins; the post keeps the infoCode and path it was first written with, whichever
    /// of its keys matched.
    /// - Throws: ``StoreError`` when the state cannot be read, a file cannot be
    ///   staged, or an earlier group could not be committed.
    public func publish(_ candidates: consuming [StoryCandidate]) async throws(StoreError) -> PublishResult {
        var result = PublishResult()
        guard !candidates.isEmpty else { return result }
        // Keys of groups not yet recorded first, then the state: a group recorded in
        // between is seen by the lookup, which starts after.
        let lookupKeys = candidates.flatMap { candidate in candidate.aliases + ["code:" + candidate.infoCode.value] }
        let unrecordedHits = unrecorded.hits(among: lookupKeys)
        let stored = try await state.stories(codes: candidates.map(\.infoCode), aliases: lookupKeys)

        // Keys taken by this call, and those of groups handed over during it (which
        // the lookups above could not see): both are duplicates from here on.
        var taken: Set<String> = []
        var handedOver: Set<String> = []
        var index = 0
        while index < candidates.count {
            var candidate = candidates[index]
            // The entry is moved out, so that its body is freed once its post is staged.
            candidates[index].entry = FeedEntry()
            index += 1
            let ownKeys = candidate.aliases + ["code:" + candidate.infoCode.value]
            if ownKeys.contains(where: {
                taken.contains($0) || groupKeys.contains($0) || unrecordedHits.contains($0) || handedOver.contains($0)
            }) {
                result.duplicates += 1
                continue
            }
            if candidate.isBlocked || Self.wasBlocked(ownKeys, candidate.infoCode, in: stored) {
                // Left out by a rule, now or before; a story written before the rule keeps its post.
                let code = stored.posts[candidate.infoCode] != nil ? candidate.infoCode
                    : ownKeys.lazy.compactMap { stored.aliases[$0] }.first { stored.posts[$0] != nil }
                if code == nil {
                    groupKeys.formUnion(ownKeys)
                    taken.formUnion(ownKeys)
                    if Self.wasBlocked(ownKeys, candidate.infoCode, in: stored) {
                        result.duplicates += 1
                    } else {
                        result.blocked += 1
                        let marker = Self.blockedKeyPrefix + candidate.feed + ":" + candidate.infoCode.value
                        for key in ownKeys + [marker] { batch.aliases.append((key, candidate.infoCode)) }
                        if files.isGroupFull || batch.rowCount >= maximumRows { handOverGroup() }
                    }
                    continue
                }
            }
            let code = stored.posts[candidate.infoCode] != nil
                ? candidate.infoCode
                : ownKeys.lazy.compactMap { stored.aliases[$0] }.first { stored.posts[$0] != nil } ?? candidate.infoCode
            let previous = stored.posts[code]
            if let previous, previous.lastCycle.map(isThisCycle) ?? false
                || (previous.feed.map { $0 != candidate.feed && feedNames.contains($0) } ?? false) {
                // Taken earlier this cycle (in a group already recorded), or a copy
                // of a story that another feed wrote and still carries.
                result.duplicates += 1
                groupKeys.formUnion(ownKeys)
                taken.formUnion(ownKeys)
                continue
            }
            groupKeys.formUnion(ownKeys)
            groupKeys.insert("code:" + code.value)
            taken.formUnion(ownKeys)
            taken.insert("code:" + code.value)
            let newAliases = ownKeys.filter { key in stored.aliases[key] == nil && key != "code:" + code.value }
            if let original = try await stage(&candidate, as: code, previous: previous, result: &result) {
                // A near-copy not written: all its keys name the first story, so
                // that neither it nor its later updates come back.
                for key in newAliases { batch.aliases.append((key, original)) }
                batch.aliases.append(("code:" + code.value, original))
            } else {
                for key in newAliases { batch.aliases.append((key, code)) }
            }
            if files.isGroupFull || batch.rowCount >= maximumRows { handedOver.formUnion(handOverGroup()) }
        }
        return result
    }

    /// The alias key that marks a story left out by a rule: `blocked:<feed>:<infoCode>`,
    /// for counting them per feed (``StateStore/blockedCounts()``).
    public static let blockedKeyPrefix = "blocked:"

    /// Whether the state knows one of a story's keys but has no post for it: a story
    /// recorded as blocked (aliases are otherwise only ever recorded with a post).
    private static func wasBlocked(
        _ keys: [String], _ infoCode: InfoCode, in stored: (posts: [InfoCode: StoredPost], aliases: [String: InfoCode])
    ) -> Bool {
        guard stored.posts[infoCode] == nil else { return false }
        return keys.contains { key in stored.aliases[key].map { stored.posts[$0] == nil } ?? false }
    }

    /// Stages the candidate's post; returns the story it is a near-copy of when it
    /// was not written for that reason (`[dedupe] similar = "skip"`), else nil.
    private func stage(
        _ candidate: inout StoryCandidate, as code: InfoCode, previous: StoredPost?, result: inout PublishResult
    ) async throws(StoreError) -> InfoCode? {
        var entry = FeedEntry()
        swap(&entry, &candidate.entry)
        let firstSeen = previous?.firstSeen ?? cycleTime
        var fullText = previous?.fullText ?? .notRequested
        var fullTextError = previous?.fullTextError
        switch candidate.fullText {
        case .fetched(let html, let pageURL)?:
            entry.content = FeedText(html, kind: .html)
            entry.baseURL = pageURL
            fullText = .fetched
            fullTextError = nil
        case .failed(let reason)?:
            fullText = .pending(failures: fullText.failures + 1)
            fullTextError = reason
            result.fullTextsMissing += 1
        case nil:
            // A post holding the publisher's full text is never rewritten from the feed's digest.
            if fullText == .fetched {
                result.duplicates += 1
                batch.touched.append((code, cycleTime))
                return nil
            }
        }
        let filed = candidate.filing.filed(entry, feedTitle: candidate.feedTitle, slugs: &slugs)
        // The reader's text was made under the candidate's own code; a story found
        // under another code (by an alias) titles an untitled entry by that code.
        let text = candidate.text?.titled(by: code)
        candidate.text = nil
        var post = candidate.normalizer.post(
            for: entry, infoCode: code, firstSeen: firstSeen, now: cycleTime, filedAs: filed.settings, text: text)
        if nearDuplicates.isOn {
            if previous == nil {
                // The reader computed it already, from the same title and body, unless
                // the candidate came from elsewhere.
                let signature = candidate.signature
                    ?? MinHashSignature(text: SimilarityText.of(title: post.title, bodyHTML: post.body))
                let keys = signature.bandKeys
                if let original = try await earlierStory(like: signature, keys: keys, code: code) {
                    result.similar += 1
                    batch.similar.append((code, candidate.feed, original))
                    if nearDuplicates.mode == .skip { return original }
                    post.duplicateOf = original
                } else if !keys.isEmpty, let id = nextSignatureID, nearCopies.insert(signature, keys: keys) != nil {
                    nextSignatureID = id + 1
                    signatureIDs.append(id)
                    batch.signatures.append((id, code, cycleTime, signature))
                    groupSignatures[id] = SignedStory(code: code, signature: signature)
                }
            } else if nearDuplicates.mode == .mark {
                // A marked post stays marked when its story is rewritten.
                post.duplicateOf = try await state.duplicateOf(code)
            }
        }
        // Categories recorded before finews kept outlets and tags learn them from their posts.
        if var known = knownCategories[post.category],
           known.tag == nil || (known.outlet == nil && filed.outlet != nil) {
            known.tag = known.tag ?? post.tag
            known.outlet = known.outlet ?? filed.outlet
            knownCategories[post.category] = known
            batch.categories.append(known)
        }
        let extras = PostRenderer.Extras(of: entry)
        var contents = renderer.renderedBytes(post, extras: extras)
        let hash = ContentHash.of(contents)
        if let previous, previous.contentHash == hash {
            var record = previous
            record.lastCycle = cycleTime
            if previous.fullText != fullText || previous.category != post.category {
                // Another failed try at the full text, or a category learned: the file stays as it is.
                record.fullText = fullText
                record.fullTextError = fullTextError
                record.category = post.category
                batch.posts.append((code, candidate.feed, record))
            } else {
                batch.touched.append((code, cycleTime))
            }
            result.duplicates += 1
            return nil
        }
        let path = previous?.path ?? renderer.relativePath(for: post)
        if previous == nil { result.new += 1 } else { result.updated += 1 }
        if previous != nil, renderer.options.frontMatter.contains(.lastModifiedAt) {
            // The hash stays that of the post without the date, so that an unchanged
            // story is not rewritten every cycle for a new last_modified_at.
            var modified = extras
            modified.lastModified = cycleTime
            contents = renderer.renderedBytes(post, extras: modified)
        }
        try files.stage(ArchiveFile(relativePath: path, contents: contents))
        if keepsStagedPaths { stagedPaths.append(path) }
        batch.posts.append((code, candidate.feed, StoredPost(
            path: path, contentHash: hash, firstSeen: firstSeen, category: post.category, fullText: fullText,
            lastCycle: cycleTime, fullTextError: fullTextError)))
        if knownCategories[post.category] == nil {
            // The first post of a new category gives its page's title; the page goes
            // in the same group as the post, so a crash never leaves one without the other.
            let category = StoredCategory(slug: post.category, outlet: filed.outlet, tag: post.tag)
            knownCategories[post.category] = category
            batch.categories.append(category)
            let page = renderer.categoryPagePath(for: category.slug)
            // A page the user made or edited is never overwritten.
            if !FileManager.default.fileExists(atPath: siteRoot.appendingPathComponent(page).path) {
                try files.stage(ArchiveFile(
                    relativePath: page,
                    contents: Array(renderer.renderCategoryPage(category: category.slug, tag: post.tag).utf8)))
                if keepsStagedPaths { stagedPaths.append(page) }
            }
        }
        return nil
    }

    /// The story within the window most alike, when its signature is at least the
    /// threshold alike: the index's candidates whose sketch comes near enough are
    /// confirmed with their full signatures — this group's, those of groups not yet
    /// recorded, then the state's (a group recorded in between is seen by the state).
    private func earlierStory(
        like signature: MinHashSignature, keys: [Int64], code: InfoCode
    ) async throws(StoreError) -> InfoCode? {
        guard !keys.isEmpty else { return nil }
        if nextSignatureID == nil { try await readWindow() }
        // The sketch's estimate is within 0.04 of the signature's (one standard
        // error at the threshold); 0.2 below the threshold loses no copy.
        let found = nearCopies.candidates(
            of: signature, keys: keys, minimumSimilarity: nearDuplicates.threshold - Self.sketchMargin)
        guard !found.isEmpty else { return nil }
        let ids = found.map { signatureIDs[$0.number] }
        var signatures: [Int64: SignedStory] = [:]
        var missing: [Int64] = []
        for id in ids {
            if let item = groupSignatures[id] { signatures[id] = item } else { missing.append(id) }
        }
        if !missing.isEmpty {
            let unrecorded = unrecordedSignatures.find(missing)
            signatures.merge(unrecorded) { first, _ in first }
            let stored = try await state.signatures(ids: missing.filter { unrecorded[$0] == nil })
            for (id, item) in stored { signatures[id] = SignedStory(code: item.infoCode, signature: item.signature) }
        }
        var best: (code: InfoCode, similarity: Double)?
        for id in ids {
            guard let candidate = signatures[id], candidate.code != code else { continue }
            let similarity = signature.similarity(to: candidate.signature)
            if similarity >= nearDuplicates.threshold, similarity > (best?.similarity ?? -1) {
                best = (candidate.code, similarity)
            }
        }
        return best?.code
    }

    /// How far below the threshold a sketch's estimate may be for the candidate to
    /// be confirmed (``NearCopyIndex``).
    private static let sketchMargin = 0.2

    /// Reads the signatures recorded within the window into the index, a page at a
    /// time, and numbers this cycle's signatures after the last one recorded.
    private func readWindow() async throws(StoreError) {
        let since = cycleTime.addingTimeInterval(-Double(nearDuplicates.window))
        let last = try await state.lastSignatureID()
        var after: Int64 = 0
        while true {
            let page = try await state.signatures(since: since, afterID: after, limit: 4096)
            for item in page {
                if nearCopies.insert(item.signature, keys: item.signature.bandKeys) != nil { signatureIDs.append(item.id) }
                after = item.id
            }
            if page.count < 4096 || after >= last { break }
        }
        nextSignatureID = last + 1
    }

    /// Whether a stored cycle time is this cycle's: the time went through SQLite as
    /// seconds since 1970 and may come back a rounding away.
    private func isThisCycle(_ stored: Date) -> Bool {
        abs(stored.timeIntervalSince1970 - cycleTime.timeIntervalSince1970) < 0.001
    }

    /// Records a feed's state with the group being staged, that is after every story
    /// the feed gave: a crash can never leave a feed's validators recorded while
    /// its stories are not (the next cycle would get a 304 and lose them).
    public func record(feed name: String, state feedState: FeedState) {
        batch.feeds.append((name, feedState))
        // A cycle of many unchanged feeds records them as it goes, not all at the end.
        if batch.rowCount >= maximumRows { handOverGroup() }
    }

    /// Stages nothing more, commits the last group and waits for every group to be
    /// on disk and recorded.
    /// - Throws: ``StoreError`` for the first group that failed; the groups before
    ///   it are written and recorded.
    public func finish() async throws(StoreError) {
        let (last, group) = takeGroup()
        let state = self.state
        let unrecorded = self.unrecorded
        let signatures = self.unrecordedSignatures
        try await files.commit { () throws(StoreError) in
            try state.commitNow(last)
            unrecorded.remove(group: group)
            signatures.remove(group: group)
        }
    }

    /// Hands the group over and returns its keys.
    @discardableResult
    private func handOverGroup() -> Set<String> {
        let keys = groupKeys
        let (recorded, group) = takeGroup()
        let state = self.state
        let unrecorded = self.unrecorded
        let signatures = self.unrecordedSignatures
        files.handOver { () throws(StoreError) in
            try state.commitNow(recorded)
            unrecorded.remove(group: group)
            signatures.remove(group: group)
        }
        return keys
    }

    /// The group's state to record, with the slugs assigned since the last group; its
    /// keys move to the unrecorded set until the record commits.
    private func takeGroup() -> (StateBatch, Int) {
        var recorded = StateBatch()
        swap(&recorded, &batch)
        let changes = slugs.changes
        if changes.count > slugChangesRecorded {
            recorded.slugs = Array(changes[slugChangesRecorded...])
            slugChangesRecorded = changes.count
        }
        let group = groupNumber
        groupNumber += 1
        let keys = groupKeys
        groupKeys = []
        unrecorded.add(keys, group: group)
        unrecordedSignatures.add(groupSignatures, group: group)
        groupSignatures = [:]
        return (recorded, group)
    }
}

@available(*, unavailable)
extension Publisher: Sendable {}
