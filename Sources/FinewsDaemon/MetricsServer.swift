import FinewsConfig
import FlyingFox
import FlyingSocks
import Foundation
import Logging

/// `[metrics] listen`: serves `GET /metrics` (the Prometheus text) and `GET /healthz`
/// (200 `ok`, or 503 when the scheduler has made no progress, by the systemd
/// watchdog's rule) on one address only.
///
/// FlyingFox does the HTTP: each connection is a task of its own over non-blocking
/// sockets (epoll waits on a dispatch queue, not on the cooperative pool), with a
/// read timeout, so a slow or stuck client holds only its own connection and never
/// the scheduler. The answers are built from the ledger file and two closures;
/// nothing a client sends reaches the daemon's state.
struct MetricsServer: Sendable {
    var address: Config.ListenAddress
    /// The figures to serve, read at each scrape.
    var metrics: @Sendable () -> String
    /// Whether the scheduler made progress recently.
    var healthy: @Sendable () -> Bool
    var logger: Logger
    /// Seconds a client may take to send its request.
    static let requestTimeout: TimeInterval = 5

    /// Serves until the task is cancelled. A failure to listen (the port is taken,
    /// the address is not this machine's) is logged as an error; the daemon goes on
    /// without metrics.
    func run() async {
        let server: HTTPServer
        do {
            server = try makeServer()
        } catch {
            logger.error("cannot serve metrics on \(address): \(error); check [metrics] listen")
            return
        }
        let metrics = self.metrics
        let healthy = self.healthy
        await server.appendRoute("GET /metrics") { _ in
            HTTPResponse(statusCode: .ok, headers: [.contentType: PrometheusText.contentType],
                         body: Data(metrics().utf8))
        }
        await server.appendRoute("GET /healthz") { _ in
            healthy()
                ? HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain"], body: Data("ok\n".utf8))
                : HTTPResponse(statusCode: .serviceUnavailable, headers: [.contentType: "text/plain"],
                               body: Data("the scheduler has made no progress; see the log\n".utf8))
        }
        let logger = self.logger
        let address = self.address
        // The server's task ends only when it fails (or is cancelled); then the
        // task waiting for it to listen has nothing left to wait for.
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch is CancellationError {
                } catch {
                    if !Task.isCancelled {
                        logger.error("cannot serve metrics on \(address): \(error); check [metrics] listen")
                    }
                }
                return true
            }
            group.addTask {
                guard (try? await server.waitUntilListening(timeout: 10)) != nil else { return false }
                var shown = address
                if case .ip4(_, let port)? = await server.listeningAddress { shown.port = port }
                if case .ip6(_, let port)? = await server.listeningAddress { shown.port = port }
                logger.notice("serving metrics", metadata: ["address": "\(shown)", "paths": "/metrics /healthz"])
                return false
            }
            for await serverEnded in group where serverEnded {
                group.cancelAll()
            }
        }
    }

    private func makeServer() throws -> HTTPServer {
        let log = FlyingFoxLog(logger: logger)
        if address.isIPv6 {
            return HTTPServer(address: try sockaddr_in6.inet6(ip6: address.host, port: address.port),
                              timeout: Self.requestTimeout, logger: log)
        }
        return HTTPServer(address: try sockaddr_in.inet(ip4: address.host, port: address.port),
                          timeout: Self.requestTimeout, logger: log)
    }
}

/// FlyingFox's log lines, into finews's log: its per-request chatter at debug level,
/// its errors as warnings.
private struct FlyingFoxLog: FlyingSocks.Logging {
    var logger: Logger

    func logDebug(_ debug: @autoclosure () -> String) { logger.debug("metrics server: \(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("metrics server: \(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.debug("metrics server: \(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.warning("metrics server: \(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { logger.debug("metrics server: \(critical())") }
}
