import ArgumentParser
import FinewsConfig
import FinewsDaemon
import FinewsStore
import Foundation

/// `finews repair`: rebuild a damaged state database from the site.
struct Repair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Rebuild a damaged state database (.finews/state.sqlite) from the posts and category pages on disk.",
        discussion: """
            Checks the database first; when it is fine, says so and changes nothing unless --force is given. \
            Otherwise, under the refresh lock, builds a new one from every post under _posts/ and archive_dir \
            and every category page, keeps the old one as state.sqlite.broken-<UTC time> (with its -wal and \
            -shm files) and puts the new one in its place. Feed validators cannot be recovered: the next \
            refresh fetches every feed again, and finds the stories it carries already written.
            """)

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Flag(name: .long, help: "Rebuild the database even when it is fine.")
    var force = false

    @Flag(name: .long, help: "Exit with code 75 instead of waiting when a refresh is running.")
    var noWait = false

    func run() async throws {
        let loaded = try loadConfig(config)
        let repair = StateRepair(
            siteRoot: loaded.site.output, stateDirectory: loaded.stateDirectory, archiveDir: loaded.site.archiveDir,
            timeZone: loaded.site.timeZone,
            feeds: loaded.feeds.map { .init(name: $0.name, filing: $0.filing, fetchesFullText: $0.fullText != nil) },
            slugOverrides: loaded.slugOverrides)
        let lock: CycleLock
        do {
            try FileManager.default.createDirectory(at: loaded.stateDirectory, withIntermediateDirectories: true)
            lock = try await CycleLock.acquire(
                at: loaded.stateDirectory.appendingPathComponent("lock"), wait: !noWait,
                onWait: { holder in printError("finews: waiting for the refresh of \(holder) to finish") })
        } catch let error as RefreshError {
            printError("finews: \(error.message)")
            throw error.code == .lockBusy ? ExitStatus.lockBusy : ExitStatus.feedsFailed
        } catch {
            printError("finews: cannot create \(loaded.stateDirectory.path): \(error.localizedDescription)")
            throw ExitStatus.feedsFailed
        }
        defer { withExtendedLifetime(lock) {} }

        switch repair.health() {
        case .healthy(let posts) where !force:
            let files = repair.postFileCount()
            print("finews: the state database \(repair.databasePath) is fine (\(posts) post\(posts == 1 ? "" : "s") "
                + "recorded); nothing was changed")
            if posts == 0, files > 0 {
                print("finews: it records no posts while the site holds \(files); "
                    + "'finews repair --force' rebuilds it from the site")
            }
            return
        case .healthy:
            print("finews: the state database \(repair.databasePath) is fine; rebuilding it anyway (--force)")
        case .unreadable(let message) where !force:
            printError("finews: \(message); fix that, or rebuild the database anyway with --force")
            throw ExitStatus.feedsFailed
        case .unreadable(let message):
            print("finews: \(message); rebuilding it (--force)")
        case .damaged(let message):
            print("finews: \(message)")
        case .missing:
            print("finews: there is no state database \(repair.databasePath); building one from the site")
        }

        let clock = ContinuousClock()
        let start = clock.now
        let report: StateRepair.Report
        do {
            report = try repair.rebuild()
        } catch {
            printError("finews: \(error.message)")
            throw ExitStatus.feedsFailed
        }
        let elapsed = clock.now - start
        if let aside = report.movedAside.first { print("finews: the old database is kept as \(aside)") }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("finews: rebuilt \(repair.databasePath) in \(String(format: "%.2f", seconds))s: "
            + "\(Self.count(report.posts, "post")) (\(report.archived) in \(loaded.site.archiveDir)/), "
            + "\(Self.count(report.aliases, "link alias", "link aliases")), "
            + "\(Self.count(report.categories, "category", "categories")) (\(report.categoryPages) with a page), "
            + "\(Self.count(report.slugs, "outlet slug"))")
        if report.unowned > 0 {
            print("finews: \(Self.count(report.unowned, "post")) could not have come from any configured feed; "
                + "the first feed that carries such a story takes it")
        }
        for skipped in report.skipped {
            printError("finews: skipped \(skipped.path): \(skipped.reason)")
        }
        print("finews: feed validators cannot be recovered: the next refresh fetches every feed again")
    }

    private static func count(_ number: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(number) \(number == 1 ? singular : plural ?? singular + "s")"
    }
}
