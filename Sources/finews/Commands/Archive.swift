import ArgumentParser
import FinewsConfig
import FinewsDaemon
import Logging

/// `finews archive`: rotate old posts now.
struct Archive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move posts older than archive_after from _posts/ into archive_dir now.",
        discussion: "Every refresh cycle does this too. Moved stories are never written again.")

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Flag(name: .long, help: "Exit with code 75 instead of waiting when a refresh is running.")
    var noWait = false

    func run() async throws {
        let loaded = try loadConfig(config)
        guard loaded.site.archiveAfter > 0 else {
            print("finews: archive_after is \"0\" in \(loaded.file.path): posts are never moved")
            return
        }
        do {
            let moved = try await RefreshCycle(config: loaded, logger: Logger(label: "finews")).archiveOldPosts(wait: !noWait)
            print("finews: moved \(moved) post\(moved == 1 ? "" : "s") into \(loaded.site.archiveDir)/")
        } catch {
            printError("finews: \(error.message)")
            throw error.code == .lockBusy ? ExitStatus.lockBusy : ExitStatus.feedsFailed
        }
    }
}
