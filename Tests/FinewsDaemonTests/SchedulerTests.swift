@testable import FinewsDaemon
@testable import FinewsConfig
import FinewsStore
import FinewsNormalize
import Foundation
import Logging
import Testing

/// A site in a temporary folder with local feeds, and a scheduler driven by a manual clock.
final class SchedulerHarness: Sendable {
    let folder: URL
    let clock = ManualClock()
    let events = EventMailbox()
    let cycles = Recorder<RefreshSummary>()
    let failures = Recorder<String>()
    let reloads = Recorder<Bool>()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-scheduler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    var configFile: URL { folder.appendingPathComponent("feeds.conf") }

    /// Writes feeds.conf with `feeds` (name → file below the folder) checked every `interval`.
    func writeConfig(feeds: [(String, String)], interval: String = "60s", extra: String = "") throws {
        var text = "[site]\noutput = \"out\"\n\n[schedule]\nmin_interval = \"1s\"\ninterval = \"\(interval)\"\n"
            + "max_backoff = \"1h\"\n\(extra)\n"
        for (name, file) in feeds { text += "[[feed]]\nname = \"\(name)\"\nurl = \"\(file)\"\n\n" }
        try Data(text.utf8).write(to: configFile)
    }

    /// Writes an RSS feed holding items with the given guids.
    func writeFeed(_ file: String, items: [String]) throws {
        var text = "<rss version=\"2.0\"><channel><title>t</title>"
        for item in items {
            text += "<item><guid>https://example.com/\(item)</guid><title>\(item)</title>"
                + "<pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate><description>text</description></item>"
        }
        try Data((text + "</channel></rss>").utf8).write(to: folder.appendingPathComponent(file))
    }

    func config() throws -> Config { try Config.load(from: configFile) }

    func makeScheduler() throws -> Scheduler<ManualClock> {
        let clock = self.clock
        return Scheduler(
            config: try config(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            clock: clock, now: { clock.date }, random: { 0.5 }, maximumNap: .seconds(3600),
            observer: SchedulerObserver(
                cycleFinished: { summary, _ in self.cycles.append(summary) },
                cycleFailed: { error in self.failures.append(error.message) },
                reloadFinished: { result in
                    if case .success = result { self.reloads.append(true) } else { self.reloads.append(false) }
                }))
    }

    /// Runs a scheduler while `body` drives it, then stops it.
    func run(_ body: () async throws -> Void) async throws {
        let scheduler = try makeScheduler()
        let stop = StopRequest()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await scheduler.run(events: self.events, stop: stop) }
            do {
                try await body()
            } catch {
                stop.request()
                throw error
            }
            stop.request()
            try await group.waitForAll()
        }
    }

    /// Waits (in real time) until `count` cycles have finished.
    func waitForCycles(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while cycles.values.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(cycles.values.count == count, sourceLocation: sourceLocation)
    }

    /// Waits (in real time) until `count` reloads have ended.
    func waitForReloads(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while reloads.values.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the scheduler sleeps again, then checks that nothing ran meanwhile.
    func expectIdle(cycles count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(await clock.waitForSleeper(), sourceLocation: sourceLocation)
        try await Task.sleep(for: .milliseconds(30))
        #expect(cycles.values.count == count, sourceLocation: sourceLocation)
    }

    func posts() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out/_posts").path))?.sorted() ?? []
    }

    func state(_ feed: String) async throws -> FeedState? {
        try await StateStore(directory: folder.appendingPathComponent("out/.finews")).feedStates()[feed]
    }
}

@Suite("Scheduler with a manual clock", .serialized)
struct SchedulerTests {
    @Test("A feed is checked at once, then every interval and not before; due times survive a restart")
    func interval() async throws {
        let site = try SchedulerHarness()
        try site.writeFeed("a.xml", items: ["one"])
        try site.writeConfig(feeds: [("a", "a.xml")])
        try await site.run {
            try await site.waitForCycles(1)
            #expect(site.posts().count == 1)
            try await site.expectIdle(cycles: 1)
            site.clock.advance(by: .seconds(59))
            try await site.expectIdle(cycles: 1)
            try site.writeFeed("a.xml", items: ["one", "two"])
            site.clock.advance(by: .seconds(1))
            try await site.waitForCycles(2)
            #expect(site.cycles.values.last?.postsNew == 1)
            #expect(site.posts().count == 2)
        }
        let state = try #require(try await site.state("a"))
        #expect(state.nextCheck == site.clock.date.addingTimeInterval(60))
        #expect(state.intervalSeconds == 60)
        #expect(state.intervalReason == "config")
        // A new scheduler (a restart) keeps the stored due time instead of checking at once.
        try await site.run {
            try await site.expectIdle(cycles: 2)
            site.clock.advance(by: .seconds(60))
            try await site.waitForCycles(3)
        }
    }

    @Test("SIGHUP's reload adds a feed, which is checked at once; the others keep their due times")
    func reloadAddsFeed() async throws {
        let site = try SchedulerHarness()
        try site.writeFeed("a.xml", items: ["one"])
        try site.writeFeed("b.xml", items: ["two"])
        try site.writeConfig(feeds: [("a", "a.xml")])
        try await site.run {
            try await site.waitForCycles(1)
            try await site.expectIdle(cycles: 1)
            try site.writeConfig(feeds: [("a", "a.xml"), ("b", "b.xml")])
            site.events.post(.reload)
            try await site.waitForCycles(2)
            #expect(site.reloads.values == [true])
            #expect(site.cycles.values.last?.feeds.map(\.name) == ["b"])
            #expect(site.posts().count == 2)
        }
    }

    @Test("A broken file on reload is reported and the old configuration keeps running")
    func brokenReload() async throws {
        let site = try SchedulerHarness()
        try site.writeFeed("a.xml", items: ["one"])
        try site.writeConfig(feeds: [("a", "a.xml")])
        try await site.run {
            try await site.waitForCycles(1)
            try await site.expectIdle(cycles: 1)
            try Data("[site\n".utf8).write(to: site.configFile)
            site.events.post(.reload)
            try await site.waitForReloads(1)
            #expect(site.reloads.values == [false])
            try await site.expectIdle(cycles: 1)
            site.clock.advance(by: .seconds(60))
            try await site.waitForCycles(2)
            #expect(site.cycles.values.last?.feeds.map(\.name) == ["a"])
        }
    }

    @Test("SIGUSR1's refresh-all checks every feed, due or not")
    func refreshAll() async throws {
        let site = try SchedulerHarness()
        try site.writeFeed("a.xml", items: ["one"])
        try site.writeFeed("b.xml", items: ["two"])
        try site.writeConfig(feeds: [("a", "a.xml"), ("b", "b.xml")])
        try await site.run {
            try await site.waitForCycles(1)
            try await site.expectIdle(cycles: 1)
            site.events.post(.refreshAll)
            try await site.waitForCycles(2)
            #expect(site.cycles.values.last?.feeds.map(\.name) == ["a", "b"])
        }
    }

    @Test("A failing feed backs off exponentially, then recovers to its interval")
    func backoff() async throws {
        let site = try SchedulerHarness()
        try site.writeConfig(feeds: [("a", "missing.xml")])
        try await site.run {
            var expected = 1
            for seconds in [120, 240, 480] {
                try await site.waitForCycles(expected)
                let report = try #require(site.cycles.values.last?.feeds.first)
                #expect(report.result == .failed)
                #expect(report.interval.seconds == seconds)
                #expect(report.interval.reason == .backoff)
                try await site.expectIdle(cycles: expected)
                site.clock.advance(by: .seconds(Int64(seconds) - 1))
                try await site.expectIdle(cycles: expected)
                if seconds == 480 { try site.writeFeed("missing.xml", items: ["one"]) }
                site.clock.advance(by: .seconds(1))
                expected += 1
            }
            try await site.waitForCycles(4)
            let report = try #require(site.cycles.values.last?.feeds.first)
            #expect(report.result == .fetched)
            #expect(report.interval.seconds == 60)
            #expect(report.interval.reason == .config)
        }
        #expect(try await site.state("a")?.consecutiveErrors == 0)
    }

    @Test("A stop request ends the wait at once")
    func stop() async throws {
        let site = try SchedulerHarness()
        try site.writeFeed("a.xml", items: ["one"])
        try site.writeConfig(feeds: [("a", "a.xml")], interval: "24h")
        let clock = ContinuousClock()
        let start = clock.now
        try await site.run {
            try await site.waitForCycles(1)
            try await site.expectIdle(cycles: 1)
        }
        #expect(clock.now - start < .seconds(5))
    }
}
