import Foundation
import Testing

/// A damaged state database (issue 15): every command that opens it says what
/// happened and what to do, and `finews repair` rebuilds it from the site so that
/// the next refresh writes no story twice and rewrites no post.
@Suite("Repairing a damaged state database, end to end", .serialized)
struct RepairTests {
    /// How the database is damaged, and what SQLite then says.
    enum Damage: String, CaseIterable, Sendable {
        /// Cut to half its size.
        case truncated
        /// Its first two pages overwritten with junk.
        case overwritten

        var sqliteError: String {
            switch self {
            case .truncated: "SQLite error 11: database disk image is malformed"
            case .overwritten: "SQLite error 26: file is not a database"
            }
        }

        func apply(to url: URL) throws {
            let bytes = try Data(contentsOf: url)
            try #require(bytes.count >= 16_384, "the database is too small to damage: \(bytes.count) bytes")
            switch self {
            case .truncated:
                try bytes.prefix(bytes.count / 2).write(to: url)
            case .overwritten:
                var damaged = bytes
                for index in 0..<8192 { damaged[index] = UInt8(truncatingIfNeeded: index &* 37 &+ 11) }
                try damaged.write(to: url)
            }
        }
    }

    /// The sites: the reference story, the aggregated feed, and both feeds in one site.
    enum SiteKind: String, CaseIterable, Sendable {
        case seed, aggregated, both

        /// A copy of the fixture and the config file to use, with the number of posts it writes.
        func make() throws -> (site: SeedSite, config: String, posts: Int) {
            switch self {
            case .seed:
                return (try SeedSite(fixture: "seed"), "feeds.conf", 1)
            case .aggregated:
                return (try SeedSite(fixture: "aggregated"), "feeds.conf", 10)
            case .both:
                let site = try SeedSite(fixture: "aggregated")
                let seed = try #require(Bundle.module.url(forResource: "Fixtures/seed", withExtension: nil))
                try FileManager.default.copyItem(at: seed.appendingPathComponent("rss.xml"), to: site.url("rss.xml"))
                try site.write("both.conf", """
                    [site]
                    output = "out"
                    base_url = "//finews.withounder.com"
                    timezone = "Asia/Shanghai"

                    [slugs]
                    "漯河日报" = "taheribao"

                    [[feed]]
                    name = "taheribao"
                    url = "rss.xml"
                    tag = "漯河日报新闻"

                    [[feed]]
                    name = "agg"
                    url = "agg.xml"
                    category = "{source|slug}"
                    tag = "{source}新闻"

                    """)
                return (site, "both.conf", 11)
            }
        }
    }

    /// Every published file's bytes and modification time.
    private func snapshot(_ site: SeedSite) throws -> [String: (Data, Date?)] {
        var files: [String: (Data, Date?)] = [:]
        for path in site.publishedFiles() {
            let url = site.url("out/\(path)")
            files[path] = (try Data(contentsOf: url),
                           try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
        }
        return files
    }

    private func expectUnchanged(_ site: SeedSite, since before: [String: (Data, Date?)],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let after = try snapshot(site)
        #expect(after.keys.sorted() == before.keys.sorted(), sourceLocation: sourceLocation)
        for (path, (data, date)) in before {
            #expect(after[path]?.0 == data, "\(path) changed", sourceLocation: sourceLocation)
            #expect(after[path]?.1 == date, "\(path) was touched", sourceLocation: sourceLocation)
        }
    }

    /// The message of every command that opens the damaged database.
    private func damagedMessage(config: String, _ damage: Damage) -> (String, String) {
        ("out/.finews/state.sqlite is damaged (\(damage.sqliteError)); run 'finews repair --config ",
         "\(config)' to rebuild it from the site")
    }

    private func stateFiles(_ site: SeedSite) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: site.url("out/.finews").path).sorted()
    }

    @Test("refresh and status name the damage and the repair; repair rebuilds; the next refresh writes nothing",
          arguments: SiteKind.allCases, Damage.allCases)
    func repair(kind: SiteKind, damage: Damage) async throws {
        let (site, config, posts) = try kind.make()
        let first = try await runFinews(["refresh", "--config", config], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("\(posts) new post"), "stdout: \(first.stdout)")
        let before = try snapshot(site)
        #expect(before.count > posts)
        try await Task.sleep(for: .milliseconds(20))

        try damage.apply(to: site.url("out/.finews/state.sqlite"))
        let (start, end) = damagedMessage(config: config, damage)
        for command in ["refresh", "status"] {
            let run = try await runFinews([command, "--config", config], in: site.folder)
            #expect(run.status == 1, "\(command): \(run.stdout)")
            #expect(run.stderr.hasPrefix("finews: the state database /"), "\(command): \(run.stderr)")
            #expect(run.stderr.contains(start) && run.stderr.contains(end), "\(command): \(run.stderr)")
            #expect(run.stderr.components(separatedBy: "\n").count == 2, "one line: \(run.stderr)")
        }
        try expectUnchanged(site, since: before)

        let repair = try await runFinews(["repair", "--config", config], in: site.folder)
        #expect(repair.status == 0, "stderr: \(repair.stderr)")
        #expect(repair.stderr.isEmpty, "nothing skipped: \(repair.stderr)")
        #expect(repair.stdout.contains("state.sqlite is damaged (\(damage.sqliteError))\n"), "stdout: \(repair.stdout)")
        #expect(repair.stdout.contains("finews: the old database is kept as "), "stdout: \(repair.stdout)")
        #expect(repair.stdout.contains(": \(posts) post\(posts == 1 ? "" : "s") (0 in old_post/), "
            + "\(posts) link alias"), "stdout: \(repair.stdout)")
        let files = try stateFiles(site)
        #expect(files.contains("state.sqlite"))
        #expect(files.contains { $0.hasPrefix("state.sqlite.broken-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") },
                "\(files)")
        #expect(!files.contains("repair"))

        // Every feed is fetched again (its validators are gone): nothing is written.
        let again = try await runFinews(["refresh", "--config", config], in: site.folder)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("0 new posts, 0 updated; \(posts) duplicate"), "stdout: \(again.stdout)")
        try expectUnchanged(site, since: before)

        // The aggregated document changed, so parsed and filed again, under the
        // recovered slugs and owners: still nothing.
        let agg = site.url("agg.xml")
        if FileManager.default.fileExists(atPath: agg.path) {
            let text = String(decoding: try Data(contentsOf: agg), as: UTF8.self)
            try Data(text.replacingOccurrences(of: "<description>Stories from many outlets in one feed</description>",
                                               with: "<description>Stories, once more</description>").utf8).write(to: agg)
            let third = try await runFinews(["refresh", "--config", config], in: site.folder)
            #expect(third.stdout.contains("0 new posts, 0 updated"), "stdout: \(third.stdout)")
            try expectUnchanged(site, since: before)
        }
        let status = try await runFinews(["status", "--config", config], in: site.folder)
        #expect(status.status == 0, "stderr: \(status.stderr)")
    }

    @Test("archive names the damage; archived posts are recovered where they are and stay put")
    func archived() async throws {
        let site = try SeedSite(fixture: "aggregated")
        let text = String(decoding: try site.read("feeds.conf"), as: UTF8.self)
        try site.write("feeds.conf", text.replacingOccurrences(
            of: "timezone = \"Asia/Shanghai\"", with: "timezone = \"Asia/Shanghai\"\narchive_after = \"3d\""))
        let first = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(first.stdout.contains("10 new posts, 0 updated; 0 duplicates skipped; 10 archived"),
                "stdout: \(first.stdout)")
        let before = try snapshot(site)
        #expect(before.keys.filter { $0.hasPrefix("old_post/") }.count == 10)
        try await Task.sleep(for: .milliseconds(20))

        try Damage.truncated.apply(to: site.url("out/.finews/state.sqlite"))
        let archive = try await runFinews(["archive", "--config", "feeds.conf"], in: site.folder)
        #expect(archive.status == 1)
        let (start, end) = damagedMessage(config: "feeds.conf", .truncated)
        #expect(archive.stderr.contains(start) && archive.stderr.contains(end), "stderr: \(archive.stderr)")

        let repair = try await runFinews(["repair", "--config", "feeds.conf"], in: site.folder)
        #expect(repair.status == 0, "stderr: \(repair.stderr)")
        #expect(repair.stdout.contains(": 10 posts (10 in old_post/), 10 link aliases, 9 categories (9 with a page), "
            + "8 outlet slugs"), "stdout: \(repair.stdout)")
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated; 10 duplicates skipped; 0.") , "stdout: \(again.stdout)")
        try expectUnchanged(site, since: before)
    }

    @Test("A healthy database: repair says so and changes nothing; --force rebuilds it; a foreign file is named")
    func healthy() async throws {
        let site = try SeedSite(fixture: "aggregated")
        _ = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        let database = try site.read("out/.finews/state.sqlite")
        let files = try stateFiles(site)

        let repair = try await runFinews(["repair", "--config", "feeds.conf"], in: site.folder)
        #expect(repair.status == 0, "stderr: \(repair.stderr)")
        #expect(repair.stdout.hasPrefix("finews: the state database /"), "stdout: \(repair.stdout)")
        #expect(repair.stdout.contains("out/.finews/state.sqlite is fine (10 posts recorded); nothing was changed\n"),
                "stdout: \(repair.stdout)")
        #expect(try site.read("out/.finews/state.sqlite") == database)
        #expect(try stateFiles(site) == files)

        try site.write("out/_posts/notes.md", "my notes")
        let before = try snapshot(site)
        let forced = try await runFinews(["repair", "--config", "feeds.conf", "--force"], in: site.folder)
        #expect(forced.status == 0, "stderr: \(forced.stderr)")
        #expect(forced.stdout.contains("is fine; rebuilding it anyway (--force)"), "stdout: \(forced.stdout)")
        #expect(forced.stderr == "finews: skipped _posts/notes.md: not a post (its name is not YYYY-MM-DD-<infoCode>.md)\n")
        #expect(try stateFiles(site).contains { $0.hasPrefix("state.sqlite.replaced-") })
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated; 10 duplicates skipped"), "stdout: \(again.stdout)")
        try expectUnchanged(site, since: before)
    }

    @Test("The daemon logs the damage with the repair command and keeps running")
    func daemon() async throws {
        let site = try SeedSite(fixture: "seed")
        _ = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        try Damage.overwritten.apply(to: site.url("out/.finews/state.sqlite"))
        let daemon = try DaemonProcess(["run", "--config", "feeds.conf"], in: site.folder)
        let (start, end) = damagedMessage(config: "feeds.conf", .overwritten)
        #expect(await daemon.waitForLog(end), "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains(start), "stderr: \(daemon.stderr)")
        #expect(daemon.isRunning)
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
