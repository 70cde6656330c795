public import FinewsConfig
public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// `finews run`: the scheduler as a service that systemd can supervise.
///
/// - SIGHUP reloads feeds.conf (a broken file is reported; the old one keeps running),
///   SIGUSR1 checks every feed now; SIGTERM and SIGINT stop it through the service
///   group's graceful shutdown, discarding fetching in progress (writing, once begun,
///   finishes).
/// - sd_notify: `READY=1` once signals are handled, `STATUS=` after each cycle,
///   `RELOADING=1` and `READY=1` around a reload, `STOPPING=1`, and `WATCHDOG=1` every
///   half `WATCHDOG_USEC` while the scheduler makes progress.
public struct Daemon: Service {
    private let config: Config
    private let logger: Logger
    private let notifier: SystemdNotifier

    /// Creates the daemon for a loaded configuration; `environment` supplies the
    /// systemd variables (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`).
    public init(config: Config, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.logger = logger
        self.notifier = SystemdNotifier(environment: environment)
    }

    /// The service group that runs the daemon and stops it gracefully on SIGTERM and SIGINT.
    public func serviceGroup() -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: self, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "finews")],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A cycle stops within a second or two; this only bounds a stuck one, within
        // the 10 seconds promised to systemd's stop.
        configuration.maximumGracefulShutdownDuration = .seconds(8)
        return ServiceGroup(configuration: configuration)
    }

    /// Runs until the service group's graceful shutdown (SIGTERM, SIGINT); returns once
    /// the cycle in progress has been discarded or finished. Never throws: failing feeds
    /// and failing cycles are logged and tried again.
    public func run() async throws {
        if config.state.database != nil {
            try await runClusterNode()
            return
        }
        let mailbox = EventMailbox()
        let stop = StopRequest()
        let heartbeat = Heartbeat()
        let notifier = self.notifier
        let logger = self.logger
        // Both are reported through the mailbox; none may take its default action
        // (SIGHUP would end the process) while the handlers are being set up.
        signal(SIGHUP, SIG_IGN)
        signal(SIGUSR1, SIG_IGN)
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        let observer = SchedulerObserver(
            heartbeat: { heartbeat.beat() },
            cycleFinished: { summary, nextDue in
                // A cycle that found nothing due (a refresh by hand got there first) keeps the last status.
                guard !summary.feeds.isEmpty else { return }
                notifier.status(Self.status(summary, nextDue: nextDue))
            },
            cycleFailed: { error in notifier.status("last cycle failed: \(error.message)") },
            reloadStarted: { notifier.reloading() },
            reloadFinished: { result in
                switch result {
                case .success(let config):
                    notifier.ready(status: "configuration reloaded: \(Self.feeds(config.feeds.count))")
                case .failure(let error):
                    let first = error.problems.first?.description ?? "invalid configuration"
                    notifier.ready(status: "reload failed, still running the previous configuration: \(first)")
                }
            })
        let maximumNap = min(Duration.seconds(60), notifier.watchdogInterval ?? .seconds(60))
        let scheduler = Scheduler(
            config: config, logger: logger, clock: ContinuousClock(), maximumNap: maximumNap, observer: observer)
        // `/healthz` fails when the watchdog would go silent.
        let healthInterval = notifier.watchdogInterval ?? maximumNap
        let metricsServer = config.metrics.listen.map { address in
            let stateDirectory = config.stateDirectory
            let started = Date()
            return MetricsServer(
                address: address,
                metrics: {
                    PrometheusText.render(MetricsLedger.load(from: stateDirectory), daemon: DaemonGauges(
                        healthy: heartbeat.isFresh(within: healthInterval), heartbeatAge: heartbeat.age.inSeconds,
                        started: started))
                },
                healthy: { heartbeat.isFresh(within: healthInterval) }, logger: logger)
        }

        logger.notice("finews started", metadata: [
            "config": "\(config.file.path)", "feeds": "\(config.feeds.count)", "site": "\(config.site.output.path)",
        ])
        notifier.ready(status: "started; \(Self.feeds(config.feeds.count))")
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await signal in signals {
                        switch signal {
                        case .sighup:
                            logger.notice("reloading the configuration (SIGHUP)")
                            mailbox.post(.reload)
                        case .sigusr1:
                            mailbox.post(.refreshAll)
                        default:
                            break
                        }
                    }
                }
                if let metricsServer {
                    group.addTask { await metricsServer.run() }
                }
                if let interval = notifier.watchdogInterval {
                    group.addTask {
                        await Self.watchdog(every: interval, heartbeat: heartbeat, notifier: notifier, stop: stop)
                    }
                }
                await scheduler.run(events: mailbox, stop: stop)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            logger.notice("stopping")
            notifier.stopping()
            stop.request()
        }
        logger.notice("finews stopped")
    }

    /// `finews run` with a PostgreSQL `[state] database`: one node of the cluster
    /// (``ClusterNode``) until SIGTERM or SIGINT. A node that cannot reach the
    /// database when it starts fails, so that systemd restarts it.
    private func runClusterNode() async throws {
        let node: ClusterNode
        do {
            node = try await ClusterNode.open(config: config, logger: logger)
        } catch {
            logger.critical("cannot start the cluster node", metadata: ["reason": "\(error.message)"])
            throw error
        }
        let stop = StopRequest()
        let notifier = self.notifier
        let logger = self.logger
        logger.notice("finews node started", metadata: [
            "node": "\(ClusterNode.nodeName(for: config))", "feeds": "\(config.feeds.count)",
            "publishes": "\(config.state.publish ? config.site.output.path : "no")",
        ])
        notifier.ready(status: "cluster node started; \(Self.feeds(config.feeds.count))")
        let heartbeat = Heartbeat()
        // A node reads feeds.conf when it starts: a reload is a restart, said so in the log.
        signal(SIGHUP, SIG_IGN)
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals {
                        logger.warning(
                            "SIGHUP: a cluster node does not reload feeds.conf; restart it (systemctl restart finews) to apply a change")
                        notifier.ready(status: "reload ignored: restart the node to apply feeds.conf")
                    }
                }
                if let interval = notifier.watchdogInterval {
                    group.addTask {
                        await Self.watchdog(every: interval, heartbeat: heartbeat, notifier: notifier, stop: stop)
                    }
                }
                await node.run(stop: stop, heartbeat: { heartbeat.beat() }) { summary in
                    notifier.status(Self.status(summary, nextDue: nil))
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            logger.notice("stopping")
            notifier.stopping()
            stop.request()
        }
        await node.close()
        logger.notice("finews stopped")
    }

    /// Pings the watchdog every `interval` (half of `WATCHDOG_USEC`) as long as the
    /// scheduler made progress within the whole timeout; a stuck loop goes silent
    /// and systemd restarts the service.
    static func watchdog(every interval: Duration, heartbeat: Heartbeat, notifier: SystemdNotifier, stop: StopRequest)
        async {
        while !Task.isCancelled, !stop.isRequested {
            if heartbeat.isFresh(within: interval) { notifier.watchdog() }
            try? await Task.sleep(for: interval)
        }
    }

    private static func feeds(_ count: Int) -> String {
        "\(count) feed\(count == 1 ? "" : "s")"
    }

    /// `STATUS=` after a cycle: its summary and when the next check is due.
    static func status(_ summary: RefreshSummary, nextDue: Date?, now: Date = Date()) -> String {
        var text = "last cycle: \(summary.line)"
        if let nextDue {
            text += "; next check in \(ConfigValues.format(max(0, Int(nextDue.timeIntervalSince(now).rounded()))))"
        }
        return text
    }
}

/// The time of the scheduler's last sign of progress, shared with the watchdog.
final class Heartbeat: Sendable {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let nanoseconds = Atomic<Int64>(0)

    init() {
        start = clock.now
    }

    func beat() {
        let elapsed = clock.now - start
        nanoseconds.store(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000,
                          ordering: .relaxed)
    }

    var last: ContinuousClock.Instant {
        start + .nanoseconds(nanoseconds.load(ordering: .relaxed))
    }

    /// Time since the last beat.
    var age: Duration { clock.now - last }

    /// The watchdog's rule, which `/healthz` shares: progress within two of the
    /// intervals at which the watchdog is pinged.
    func isFresh(within interval: Duration) -> Bool {
        age < interval * 2
    }
}
