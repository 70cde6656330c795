import ArgumentParser
import FinewsConfig
import FinewsDaemon

/// `finews status`: per-feed schedule and results, from the state database.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each feed's interval and why, its last check and result, and its next check; then each category.",
        discussion: """
            Reads the state only: it fetches nothing and needs no lock, so it can run beside the daemon. \
            Below the feeds, each category with the outlet its slug comes from, its tag and its posts. \
            With --json, prints {"feeds":[...],"totals":{...},"categories":[...]} with dates in RFC 3339 (UTC) or null.
            """)

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let config = try loadConfig(config)
        let report: StatusReport
        do {
            report = try await StatusReport.load(config: config)
        } catch {
            printError("finews: \(error.message)")
            throw ExitStatus.feedsFailed
        }
        print(json ? report.json() : report.table())
    }
}
