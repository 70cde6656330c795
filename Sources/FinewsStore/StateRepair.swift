public import FinewsNormalize
public import Foundation
import FinewsParse
import GRDB
import Glibc

/// `finews repair`: rebuilds the state database (`.finews/state.sqlite`) from what
/// is on disk when it is damaged — truncated, overwritten, or not a database.
///
/// Every post under `_posts/` and the archive folder gives its infoCode (from its
/// file name), path, content hash, category, link alias and first-seen time (its
/// date, so that a post whose entry has no date keeps its date and path); the
/// category pages give their categories and titles; the tags give each outlet's
/// slug back (``FilingMatch``), so that `{source|slug}` categories keep their URLs.
/// Each post's owner is the first configured feed whose filing could have written
/// it; a post none could have written is left to whichever feed carries it.
///
/// Feed validators cannot be recovered: the next refresh fetches every feed, finds
/// every story it carries already written with the same bytes, and writes nothing.
/// The caller holds the cycle lock, so that no refresh runs meanwhile.
public struct StateRepair: Sendable {
    /// A configured feed, as far as telling which feed wrote a post needs it.
    public struct Feed: Sendable {
        public var name: String
        /// The feed's category and tag templates.
        public var filing: FeedFiling
        /// Whether the feed fetches each story's full text (`fulltext_url`): its
        /// posts then hold the publisher's text and are never rewritten from the digest.
        public var fetchesFullText: Bool

        /// Creates a feed.
        public init(name: String, filing: FeedFiling, fetchesFullText: Bool) {
            self.name = name
            self.filing = filing
            self.fetchesFullText = fetchesFullText
        }
    }

    /// How the database is, before any repair.
    public enum Health: Sendable, Hashable {
        /// There is no `state.sqlite`.
        case missing
        /// SQLite finds nothing wrong; the database records this many posts.
        case healthy(posts: Int)
        /// The file is damaged, or is not a finews state database; the message says how.
        case damaged(String)
        /// The file could not be checked (permissions, say); the message says why.
        case unreadable(String)
    }

    /// What a rebuild found and recorded.
    public struct Report: Sendable {
        /// Posts recorded, and how many of them are in the archive folder.
        public var posts = 0
        public var archived = 0
        /// Link aliases recorded (a link that two posts share is left out).
        public var aliases = 0
        /// Categories recorded, and how many of them have a page.
        public var categories = 0
        public var categoryPages = 0
        /// Outlet slugs recovered.
        public var slugs = 0
        /// Posts that no configured feed's filing could have written.
        public var unowned = 0
        /// Files that were not read, each with the reason.
        public var skipped: [(path: String, reason: String)] = []
        /// Where the old database (and its `-wal`/`-shm` files) went.
        public var movedAside: [String] = []
    }

    public var siteRoot: URL
    public var stateDirectory: URL
    /// The archive folder below the site root (`old_post`).
    public var archiveDir: String
    /// The zone of front-matter dates written without an offset.
    public var timeZone: TimeZone
    /// The configured feeds, in configuration order.
    public var feeds: [Feed]
    /// The `[slugs]` overrides, by outlet (``SlugRegistry/key(_:)``).
    public var slugOverrides: [String: String]

    /// Creates a repair of the site at `siteRoot`, whose state lives in `stateDirectory`.
    public init(
        siteRoot: URL, stateDirectory: URL, archiveDir: String, timeZone: TimeZone, feeds: [Feed],
        slugOverrides: [String: String]
    ) {
        self.siteRoot = siteRoot
        self.stateDirectory = stateDirectory
        self.archiveDir = archiveDir
        self.timeZone = timeZone
        self.feeds = feeds
        self.slugOverrides = slugOverrides
    }

    /// The database file's path.
    public var databasePath: String { stateDirectory.appendingPathComponent("state.sqlite").path }

    /// Checks the database (SQLite's `quick_check`, and that it holds the post
    /// table) on a copy, so that nothing beside it changes: a connection leaves
    /// `-wal` and `-shm` files behind when it is read-only, and removes a damaged
    /// database's WAL when it is not. The caller holds the cycle lock, so no one
    /// writes meanwhile.
    public func health() -> Health {
        let path = databasePath
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: path) else { return .missing }
        let checking = stateDirectory.appendingPathComponent("repair-check")
        defer { try? fileManager.removeItem(at: checking) }
        let copy = checking.appendingPathComponent("state.sqlite").path
        do {
            try? fileManager.removeItem(at: checking)
            try fileManager.createDirectory(at: checking, withIntermediateDirectories: true)
            try fileManager.copyItem(atPath: path, toPath: copy)
            if fileManager.fileExists(atPath: path + "-wal") {
                try fileManager.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
            }
        } catch {
            return .unreadable("cannot check the state database \(path): \(error.localizedDescription)")
        }
        do {
            let queue = try DatabaseQueue(path: copy)
            return try queue.read { db -> Health in
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                guard check == ["ok"] else {
                    return .damaged("the state database \(path) is damaged (SQLite's check: "
                        + check.prefix(3).joined(separator: "; ") + ")")
                }
                guard try db.tableExists("post") else {
                    return .damaged("the state database \(path) is not a finews state database (it has no post table)")
                }
                return .healthy(posts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM post") ?? 0)
            }
        } catch {
            if let problem = StoreError.damage(in: error) {
                return .damaged("the state database \(path) is damaged (\(problem))")
            }
            return .unreadable("cannot check the state database \(path): \(error)")
        }
    }

    /// How many files under `_posts/` and the archive folder are named as posts.
    public func postFileCount() -> Int {
        postFolders.reduce(0) { count, folder in
            count + ((try? FileManager.default.contentsOfDirectory(atPath: siteRoot.appendingPathComponent(folder).path))?
                .filter { PostFile.infoCode(fromFileName: $0) != nil }.count ?? 0)
        }
    }

    private var postFolders: [String] {
        archiveDir == "_posts" || archiveDir.isEmpty ? ["_posts"] : ["_posts", archiveDir]
    }

    /// Builds a new database from the site, keeps the old one (with its `-wal` and
    /// `-shm` files) as `state.sqlite.broken-<UTC time>` — or `.replaced-` when it
    /// was healthy — and puts the new one in its place with one rename.
    /// - Throws: ``StoreError`` when a folder cannot be read, the new database
    ///   cannot be written, or a file cannot be moved; the old database is then
    ///   where it was, unless the message says otherwise.
    public func rebuild(now: Date = Date()) throws(StoreError) -> Report {
        var report = Report()
        let batch = try collect(into: &report)
        let fileManager = FileManager.default
        let building = stateDirectory.appendingPathComponent("repair")
        do {
            try? fileManager.removeItem(at: building)
            try fileManager.createDirectory(at: building, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create \(building.path): \(error.localizedDescription)", underlying: error)
        }
        try Self.write(batch, into: building)
        let built = building.appendingPathComponent("state.sqlite").path

        var label = "broken"
        if case .healthy = health() { label = "replaced" }
        let stamp = Self.stamp(now)
        var aside = databasePath + ".\(label)-\(stamp)"
        var number = 2
        while fileManager.fileExists(atPath: aside) {
            aside = databasePath + ".\(label)-\(stamp)-\(number)"
            number += 1
        }
        // The old files get their second name first (a hard link, or a copy), and the
        // new database then replaces the old one in one rename: a crash at any point
        // leaves a database in place, and the old one's files kept.
        for suffix in ["", "-wal", "-shm", "-journal"] where fileManager.fileExists(atPath: databasePath + suffix) {
            if link(databasePath + suffix, aside + suffix) != 0 {
                do {
                    try fileManager.copyItem(atPath: databasePath + suffix, toPath: aside + suffix)
                } catch {
                    throw StoreError(.io, "cannot keep \(databasePath + suffix) as \(aside + suffix): "
                        + "\(error.localizedDescription); nothing was changed", underlying: error)
                }
            }
            report.movedAside.append(aside + suffix)
        }
        // Beside the new database, SQLite would read the old one's journal as its own.
        for suffix in ["-wal", "-shm", "-journal"] {
            guard unlink(databasePath + suffix) != 0 else { continue }
            let failure = errno
            guard failure != ENOENT else { continue }
            throw StoreError(.io, "cannot remove \(databasePath + suffix): \(String(cString: strerror(failure))); "
                + "the old database is kept as \(aside), the new one is \(built)")
        }
        guard rename(built, databasePath) == 0 else {
            let failure = errno
            throw StoreError(.io, "cannot move the rebuilt database \(built) to \(databasePath): "
                + "\(String(cString: strerror(failure))); the old database is kept as \(aside)")
        }
        try? fileManager.removeItem(at: building)
        Self.syncDirectory(stateDirectory)
        return report
    }

    /// Reads the site into the rows of the new database.
    private func collect(into report: inout Report) throws(StoreError) -> StateBatch {
        var posts: [PostFile] = []
        var seen: Set<InfoCode> = []
        for folder in postFolders {
            for name in try listing(folder) {
                let path = folder + "/" + name
                let url = siteRoot.appendingPathComponent(path)
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else {
                    report.skipped.append((path + "/", "a folder; finews writes no posts into folders"))
                    continue
                }
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    report.skipped.append((path, "cannot be read"))
                    continue
                }
                let post: PostFile
                do {
                    post = try PostFile.read(Array(data), path: path, timeZone: timeZone)
                } catch {
                    let prefix = path + ": "
                    report.skipped.append((path, error.message.hasPrefix(prefix)
                        ? String(error.message.dropFirst(prefix.count)) : error.message))
                    continue
                }
                guard seen.insert(post.infoCode).inserted else {
                    report.skipped.append((path, "a second post of the story \(post.infoCode); the first one found is kept"))
                    continue
                }
                posts.append(post)
            }
        }
        posts.sort { ($0.date, $0.path) < ($1.date, $1.path) }

        // Category pages: the category and its title (the tag of its first post).
        var pageTitles: [(slug: String, title: String?)] = []
        for name in try listing("category") where name.hasSuffix(".html") {
            let slug = String(name.dropLast(5))
            guard FrontMatter.isCategory(slug) else { continue }
            let data = FileManager.default.contents(atPath: siteRoot.appendingPathComponent("category/" + name).path)
            let fields = data.flatMap { String(validating: Array($0), as: UTF8.self) }.flatMap(FrontMatter.split)?.0
            pageTitles.append((slug, fields?["title"].flatMap(FrontMatter.scalar)))
        }

        // Each outlet's slug, from the pages first (their titles are the first
        // posts' tags), then from the posts, oldest first: the first found wins.
        var slugs: [String: String] = [:]
        var slugOrder: [String] = []
        var outlets: [String: String] = [:]
        let templated = feeds.filter { $0.filing.category.plainText == nil || $0.filing.tag.plainText == nil }
        var distinctPairs: Set<[String]> = []
        let pairs = (pageTitles.map { ($0.slug, $0.title) } + posts.map { ($0.category, $0.tag) }).filter { pair in
            pair.1.map { distinctPairs.insert([pair.0, $0]).inserted } ?? false
        }
        for (category, tag) in pairs {
            guard let tag else { continue }
            for feed in templated {
                guard let match = FilingMatch.match(feed.filing, category: category, tag: tag, overrides: slugOverrides),
                      !match.slugs.isEmpty else { continue }
                for item in match.slugs where slugs[item.text] == nil {
                    slugs[item.text] = item.slug
                    slugOrder.append(item.text)
                }
                if outlets[category] == nil { outlets[category] = match.outlet }
                break
            }
        }

        var batch = StateBatch()
        var links: [String: [InfoCode]] = [:]
        var written: [String: Int] = [:]
        // Posts share a few categories and tags: each pair's owner is looked for once.
        var owners: [[String?]: Feed?] = [:]
        for post in posts {
            let pair = [post.category, post.tag]
            let owner = owners[pair] ?? feeds.first { feed in
                FilingMatch.match(feed.filing, category: post.category, tag: post.tag, overrides: slugOverrides) != nil
            }
            owners[pair] = owner
            if owner == nil { report.unowned += 1 }
            // An empty owner is no configured feed: the first feed that carries the
            // story takes it, as for a feed removed from the configuration.
            batch.posts.append((post.infoCode, owner?.name ?? "", StoredPost(
                path: post.path, contentHash: post.contentHash, firstSeen: post.date, category: post.category,
                fullText: owner?.fetchesFullText == true ? .fetched : .notRequested)))
            if let key = post.link.flatMap(StoryKeys.linkKey) { links[key, default: []].append(post.infoCode) }
            if !post.path.hasPrefix("_posts/") { report.archived += 1 }
            if let owner { written[owner.name, default: 0] += 1 }
        }
        // Each feed's post count for `finews status`; no validators, no due time:
        // the next refresh checks every feed.
        for feed in feeds {
            if let count = written.removeValue(forKey: feed.name) {
                batch.feeds.append((feed.name, FeedState(postsWritten: count)))
            }
        }
        for (key, codes) in links.sorted(by: { $0.key < $1.key }) where codes.count == 1 {
            batch.aliases.append((key, codes[0]))
        }

        var categories: [String: StoredCategory] = [:]
        var categoryOrder: [String] = []
        for page in pageTitles {
            categories[page.slug] = StoredCategory(slug: page.slug, outlet: outlets[page.slug], tag: page.title)
            categoryOrder.append(page.slug)
        }
        // A post's category without a page: its page was deleted, and stays so.
        for post in posts where categories[post.category] == nil {
            categories[post.category] = StoredCategory(slug: post.category, outlet: outlets[post.category], tag: post.tag)
            categoryOrder.append(post.category)
        }
        batch.categories = categoryOrder.compactMap { categories[$0] }
        batch.slugs = slugOrder.compactMap { text in slugs[text].map { (text, $0) } }

        report.posts = posts.count
        report.aliases = batch.aliases.count
        report.categories = batch.categories.count
        report.categoryPages = pageTitles.count
        report.slugs = batch.slugs.count
        return batch
    }

    /// The visible entries of a folder below the site root, sorted; none when it does not exist.
    private func listing(_ folder: String) throws(StoreError) -> [String] {
        let url = siteRoot.appendingPathComponent(folder)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw StoreError(.io, "cannot list \(url.path): \(error.localizedDescription)", underlying: error)
        }
    }

    /// Creates `state.sqlite` in `directory` with the current schema and records
    /// `batch`, as one file: its journal mode is set back to DELETE once the
    /// store is closed (the next ``StateStore`` turns WAL on again), so that no
    /// `-wal` file has to be moved with it.
    private static func write(_ batch: StateBatch, into directory: URL) throws(StoreError) {
        do {
            let store = try StateStore(directory: directory)
            try store.commitNow(batch)
        }
        let path = directory.appendingPathComponent("state.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        } catch {
            throw StoreError(.state, "cannot finish the rebuilt database \(path): \(error)", underlying: error)
        }
        if FileManager.default.fileExists(atPath: path + "-wal") {
            throw StoreError(.state, "the rebuilt database \(path) still has a WAL file; nothing was changed")
        }
    }

    /// `20261204T021530Z`.
    static func stamp(_ date: Date) -> String {
        let c = CivilTime.components(secondsSinceEpoch: Int(date.timeIntervalSince1970.rounded(.down)))
        return CivilTime.zeroPadded(c.year, width: 4) + CivilTime.zeroPadded(c.month) + CivilTime.zeroPadded(c.day)
            + "T" + CivilTime.zeroPadded(c.hour) + CivilTime.zeroPadded(c.minute) + CivilTime.zeroPadded(c.second) + "Z"
    }

    /// Flushes a folder's entries (the renames in it) to disk.
    private static func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
