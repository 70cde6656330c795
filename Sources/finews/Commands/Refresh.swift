import ArgumentParser
import FinewsDaemon
import Logging

/// `finews refresh`: one cycle now, a summary line, an exit code.
struct Refresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch the feeds now and write new posts.",
        discussion: "Prints one summary line; each failed feed is reported on standard error with its reason.")

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Flag(name: .long, help: "Print only errors (for cron).")
    var quiet = false

    @Flag(name: .long, help: "Exit with code 75 instead of waiting when another refresh is running.")
    var noWait = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    @Argument(help: "Refresh only these feeds (by name).")
    var feeds: [String] = []

    func run() async throws {
        let logger = LogSetup.bootstrap(level: logLevel)
        let config = try loadConfig(config)
        let summary: RefreshSummary
        do {
            summary = try await RefreshCycle(config: config, logger: logger).run(feedNames: feeds, wait: !noWait)
        } catch {
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
