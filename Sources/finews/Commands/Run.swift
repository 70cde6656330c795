import ArgumentParser
import FinewsConfig
import FinewsDaemon
import Logging

/// `finews run`: the daemon, in the foreground, for systemd.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the scheduler in the foreground (for systemd): check each feed when it is due.",
        discussion: """
            SIGHUP reloads the configuration (a broken file is reported and the old one keeps running), \
            SIGUSR1 checks every feed now, SIGTERM or SIGINT stops. Talks sd_notify when $NOTIFY_SOCKET is set; \
            logs to standard error, with syslog priorities under journald.
            """)

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Option(name: .long, help: "How much to log on standard error.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = LogSetup.bootstrap(level: logLevel)
        let config = try loadConfig(config)
        try await Daemon(config: config, logger: logger).serviceGroup().run()
    }
}
