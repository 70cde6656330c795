import FinewsConfig
import ArgumentParser
import FinewsDaemon
import FinewsFetch
import Logging

/// `finews refresh`: one cycle now, a summary line, an exit code.
struct Refresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Fetch the feeds now and write new posts.",
        discussion: """
            Prints one summary line; each failed feed is reported on standard error with its reason. \
            On a terminal, a progress bar shows on standard error while it runs. Waits while another \
            refresh (or the daemon's cycle) holds the lock, unless --no-wait is given.
            """)

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Flag(name: .long, help: "Print only errors (for cron).")
    var quiet = false

    @Flag(name: .long, help: "Exit with code 75 instead of waiting when another refresh is running.")
    var noWait = false

    @Option(name: .long, help: "How much to log on standard error (default: notice; error with --quiet).")
    var logLevel: Logger.Level?

    @Argument(help: "Refresh only these feeds (by name).")
    var feeds: [String] = []

    func run() async throws {
        // libcurl loads on a thread of its own while feeds.conf and the state are read
        // (see CCurl.h). Started any earlier, its mapping of 36 libraries slows the
        // command line's parsing by more than it gains.
        FeedFetcher.prepareInBackground()
        let console = Console(quiet: quiet)
        let logger = LogSetup.bootstrap(level: logLevel ?? (quiet ? .error : .notice), write: { console.write($0) })
        let config = try loadConfig(config)
        let summary: RefreshSummary
        if config.state.database != nil, !feeds.isEmpty {
            printError("finews: refreshing named feeds is not supported with a PostgreSQL [state] database; "
                + "refresh all of them, or let the nodes check them when due")
            throw ExitStatus.usage
        }
        do throws(RefreshError) {
            if config.state.database != nil {
                // One more node of the cluster, for one pass over what is due.
                let node = try await ClusterNode.open(config: config, logger: logger)
                do {
                    summary = try await node.refreshOnce(stop: nil)
                } catch {
                    await node.close()
                    throw error
                }
                await node.close()
            } else {
                summary = try await RefreshCycle(config: config, logger: logger).run(RefreshCycle.Options(
                    feedNames: feeds, wait: !noWait, progress: { console.update($0) }))
            }
            console.finish()
        } catch {
            console.finish()
            printError("finews: \(error.message)")
            switch error.code {
            case .lockBusy: throw ExitStatus.lockBusy
            case .unknownFeed: throw ExitStatus.usage
            default: throw ExitStatus.feedsFailed
            }
        }
        for failure in summary.failures {
            printError("finews: feed '\(failure.feed)' failed: \(failure.message)")
        }
        // Logged as a warning too, which --quiet hides; cron should still hear of it.
        if quiet, let hook = summary.hook, !hook.succeeded {
            printError("finews: the after_write hook failed: \(hook.message); the posts stay written")
        }
        if !quiet { print("finews: \(summary.line)") }
        if summary.feedsFailed > 0 { throw ExitStatus.feedsFailed }
    }
}

/// Loads the configuration or prints its problems and exits with code 2.
func loadConfig(_ explicit: String?) throws -> Config {
    do {
        return try Config.load(from: Config.locate(explicit: explicit))
    } catch {
        for problem in error.problems { printError(problem.description) }
        throw ExitStatus.usage
    }
}
