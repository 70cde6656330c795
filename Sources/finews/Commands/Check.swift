import ArgumentParser
import FinewsConfig
import FinewsDaemon

/// `finews check`: validate the configuration.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration file.",
        discussion: "Prints every problem as file:line: message and exits with code 2, or a short summary and 0.")

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    func run() throws {
        let loaded = try loadConfig(config)
        let count = loaded.feeds.count
        print("\(loaded.file.path): ok, \(count) feed\(count == 1 ? "" : "s"); site at \(loaded.site.output.path)")
    }
}
