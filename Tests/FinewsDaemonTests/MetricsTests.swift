@testable import FinewsDaemon
@testable import FinewsConfig
import FinewsStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Testing

@Suite("Metrics and the after-write hook")
struct MetricsTests {
    @Test("The [post] field names of feeds.conf are the renderer's")
    func fieldNames() {
        #expect(Config.PostFormat.Field.allCases.map(\.rawValue) == PostRenderer.Options.Field.allCases.map(\.rawValue))
        let options = Config.PostFormat(frontMatter: Config.PostFormat.Field.allCases, dateFormat: .rfc3339).rendererOptions
        #expect(options.frontMatter == PostRenderer.Options.Field.allCases)
        #expect(options.dateFormat == .rfc3339)
    }

    @Test("The text format: escaped labels, a cumulative histogram, whole numbers without fractions")
    func text() {
        var ledger = MetricsLedger()
        for seconds in [0.01, 0.2, 0.2, 3, 100] { ledger.observeFetch(seconds) }
        ledger.httpResponses = ["200": 3, "503": 1]
        ledger.hookRuns = ["ok": 2]
        ledger.lastSuccessfulCycle = Date(timeIntervalSince1970: 1_700_000_000.5)
        let text = PrometheusText.render(ledger)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("finews_fetch_duration_seconds_bucket{le=\"0.05\"} 1"))
        #expect(lines.contains("finews_fetch_duration_seconds_bucket{le=\"0.25\"} 3"))
        #expect(lines.contains("finews_fetch_duration_seconds_bucket{le=\"5\"} 4"))
        #expect(lines.contains("finews_fetch_duration_seconds_bucket{le=\"60\"} 4"))
        #expect(lines.contains("finews_fetch_duration_seconds_bucket{le=\"+Inf\"} 5"))
        #expect(lines.contains("finews_fetch_duration_seconds_count 5"))
        #expect(lines.contains("finews_http_responses_total{status=\"503\"} 1"))
        #expect(lines.contains("finews_hook_runs_total{result=\"failed\"} 0"))
        #expect(lines.contains("finews_last_successful_cycle_timestamp_seconds 1700000000.5"))
        #expect(lines.contains("# TYPE finews_posts_new_total counter"))
        #expect(!text.contains("finews_scheduler_healthy"), "a textfile has no daemon gauges")
        #expect(PrometheusText.escapeLabel("a\"b\\c\nd") == #"a\"b\\c\nd"#)
        // Every sample line is a name, optional labels and a number.
        for line in lines where !line.hasPrefix("#") {
            #expect(line.wholeMatch(of: /[a-z_]+(\{[a-z]+="[^"]*"\})? [-+0-9.eInf]+/) != nil, "\(line)")
        }
    }

    @Test("A cycle's summary adds to the ledger; a feed that recovers stops counting as failing")
    func record() {
        var ledger = MetricsLedger()
        var summary = RefreshSummary()
        summary.postsNew = 2
        summary.duplicates = 5
        summary.feeds = [report("a", .fetched, status: 200, reason: .config), report("b", .failed, status: 503, reason: .retryAfter)]
        ledger.record(summary, hook: HookOutcome(result: .timedOut, seconds: 1, message: "timed out"), at: Date())
        #expect(ledger.failingFeeds == ["b"])
        #expect(ledger.backoffs == ["retry-after": 1])
        #expect(ledger.hookRuns == ["timed-out": 1])
        summary.feeds = [report("b", .notModified, status: 304, reason: .config)]
        ledger.record(summary, hook: nil, at: Date())
        #expect(ledger.failingFeeds.isEmpty)
        #expect(ledger.cycles == 2)
        #expect(ledger.postsNew == 4)
        #expect(ledger.feedChecks == ["fetched": 1, "failed": 1, "not-modified": 1])
        #expect(ledger.httpResponses == ["200": 1, "503": 1, "304": 1])
    }

    private func report(_ name: String, _ result: FeedReport.Result, status: Int, reason: IntervalReason) -> FeedReport {
        FeedReport(name: name, result: result, message: nil, httpStatus: status, retryAfter: nil, hints: ScheduleHints(),
                   postsNew: 0, postsUpdated: 0, interval: ScheduledInterval(seconds: 60, reason: reason, delay: 60),
                   nextCheck: Date(), fetchSeconds: 0.1)
    }

    @Test("The changed files: what was written, and both ends of a move unless the post is new this cycle")
    func changedFiles() {
        let files = CyclePublishing.changedFiles(
            written: ["_posts/2024-05-01-NEW.md", "category/a.html", "_posts/2022-03-02-OLD.md"],
            moved: [("_posts/2022-03-02-OLD.md", "old_post/2022-03-02-OLD.md"),
                    ("_posts/2022-03-01-KEPT.md", "old_post/2022-03-01-KEPT.md")])
        #expect(files == ["_posts/2024-05-01-NEW.md", "category/a.html", "old_post/2022-03-02-OLD.md",
                          "_posts/2022-03-01-KEPT.md", "old_post/2022-03-01-KEPT.md"])
    }

    @Test("The heartbeat rule /healthz shares with the watchdog")
    func heartbeat() async throws {
        let heartbeat = Heartbeat()
        heartbeat.beat()
        #expect(heartbeat.isFresh(within: .seconds(1)))
        try await Task.sleep(for: .milliseconds(60))
        #expect(!heartbeat.isFresh(within: .milliseconds(20)))
        heartbeat.beat()
        #expect(heartbeat.isFresh(within: .milliseconds(20)))
    }

    @Test("/healthz answers 503 over HTTP while the scheduler makes no progress; the server binds the address given")
    func unhealthy() async throws {
        let (task, port) = try await startServer(healthy: false)
        defer { task.cancel() }
        let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/healthz")))
        #expect((response as? HTTPURLResponse)?.statusCode == 503)
        #expect(String(decoding: body, as: UTF8.self).contains("no progress"))
        let (metrics, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/metrics")))
        #expect(String(decoding: metrics, as: UTF8.self) == "finews_up 1\n")
        // A client that connects and sends nothing holds only its own connection.
        let idle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(idle) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port) ?? 0).bigEndian
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(idle, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let clock = ContinuousClock()
        let start = clock.now
        let (_, again) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/healthz")))
        #expect((again as? HTTPURLResponse)?.statusCode == 503)
        #expect(clock.now - start < .seconds(2))
    }

    @Test("Other paths are 404, other methods 405 with Allow; HEAD has the headers without the body")
    func otherRequests() async throws {
        let (task, port) = try await startServer(healthy: true)
        defer { task.cancel() }
        func ask(_ method: String, _ path: String) async throws -> (Int, String, [AnyHashable: Any]) {
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
            request.httpMethod = method
            let (body, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            return (http.statusCode, String(decoding: body, as: UTF8.self), http.allHeaderFields)
        }
        #expect(try await ask("GET", "/").0 == 404)
        #expect(try await ask("GET", "/metrics/extra").0 == 404)
        let (postStatus, _, postHeaders) = try await ask("POST", "/metrics")
        #expect(postStatus == 405)
        #expect(postHeaders["Allow"] as? String == "GET, HEAD")
        let (status, body, headers) = try await ask("GET", "/metrics?name=x")
        #expect(status == 200 && body == "finews_up 1\n")
        #expect((headers["Content-Type"] as? String)?.hasPrefix("text/plain") == true)
        let (headStatus, headBody, _) = try await ask("HEAD", "/healthz")
        #expect(headStatus == 200 && headBody.isEmpty)
        let (okStatus, okBody, _) = try await ask("GET", "/healthz")
        #expect(okStatus == 200 && okBody == "ok\n")
    }

    @Test("A port in use is an error in the log, not a crash")
    func portInUse() async throws {
        let logs = Recorder<String>()
        let logger = Logger(label: "test") { _ in FinewsLogHandler(format: .journal, level: .debug, write: { logs.append($0) }) }
        let first = MetricsServer(address: try #require(Config.ListenAddress(parsing: "127.0.0.1:0")), metrics: { "" },
                                  healthy: { true }, logger: logger)
        let task = Task { await first.run() }
        defer { task.cancel() }
        #expect(await waitFor { logs.values.joined().contains("serving metrics") })
        let port = try #require(logs.values.joined().firstMatch(of: /address=127\.0\.0\.1:(\d+)/).map { String($0.1) })
        let second = MetricsServer(address: try #require(Config.ListenAddress(parsing: "127.0.0.1:\(port)")),
                                   metrics: { "" }, healthy: { true }, logger: logger)
        await second.run()
        #expect(logs.values.joined().contains("cannot serve metrics on 127.0.0.1:\(port)"), "\(logs.values.joined())")
    }

    /// A server on a free port of 127.0.0.1 serving `finews_up 1`, once it listens:
    /// its task (cancel it to stop) and the port it logged.
    private func startServer(healthy: Bool) async throws -> (Task<Void, Never>, String) {
        let logs = Recorder<String>()
        let logger = Logger(label: "test") { _ in FinewsLogHandler(format: .journal, level: .debug, write: { logs.append($0) }) }
        let address = try #require(Config.ListenAddress(parsing: "127.0.0.1:0"))
        let server = MetricsServer(address: address, metrics: { "finews_up 1\n" }, healthy: { healthy }, logger: logger)
        let task = Task { await server.run() }
        #expect(await waitFor { logs.values.joined().contains("serving metrics") }, "\(logs.values.joined())")
        let port = logs.values.joined().firstMatch(of: /address=127\.0\.0\.1:(\d+)/).map { String($0.1) }
        if port == nil { task.cancel() }
        return (task, try #require(port, "no port in the log: \(logs.values.joined())"))
    }

    private func waitFor(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

