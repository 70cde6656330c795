import FinewsConfig
@testable import FinewsDaemon
import Foundation
import Testing

@Suite("feeds.conf [schedule]")
struct ScheduleConfigTests {
    let file = URL(fileURLWithPath: "/srv/news/feeds.conf")

    private func problems(_ text: String) -> [String] {
        do {
            _ = try Config.parse(text, file: file, displayName: "feeds.conf")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("Defaults, and per-feed settings over the global ones")
    func settings() throws {
        let config = try Config.parse("""
            [schedule]
            interval = "10m"
            max_backoff = "6h"
            respect_hints = false

            [[feed]]
            name = "a"
            url = "https://example.com/a.xml"

            [[feed]]
            name = "b"
            url = "https://example.com/b.xml"
            interval = "2h"
            respect_hints = true
            """, file: file, displayName: "feeds.conf")
        #expect(config.schedule.minInterval == 60)
        #expect(config.scheduleSettings(for: config.feeds[0])
            == SchedulePolicy.Settings(interval: 600, minInterval: 60, maxBackoff: 21_600, respectHints: false))
        #expect(config.scheduleSettings(for: config.feeds[1])
            == SchedulePolicy.Settings(interval: 7200, minInterval: 60, maxBackoff: 21_600, respectHints: true))
        let defaults = try Config.parse("", file: file, displayName: "feeds.conf")
        #expect(defaults.schedule.respectHints)
        #expect(defaults.schedule.interval == 900)
        #expect(defaults.schedule.maxBackoff == 86_400)
    }

    @Test("Intervals in seconds need a lower min_interval")
    func seconds() throws {
        let config = try Config.parse("""
            [schedule]
            min_interval = "1s"
            interval = "2s"
            """, file: file, displayName: "feeds.conf")
        #expect(config.schedule.interval == 2)
        #expect(config.schedule.minInterval == 1)
    }

    @Test("Schedule values out of range name their line", arguments: [
        ("[schedule]\ninterval = \"2s\"\n", "feeds.conf:2: 'interval' in [schedule] is shorter than min_interval (1m)"),
        ("[schedule]\ninterval = \"2d\"\n", "feeds.conf:2: 'interval' in [schedule] must be at most 24h"),
        ("[schedule]\nmin_interval = \"0\"\n", "feeds.conf:2: 'min_interval' must be from 1s to 24h"),
        ("[schedule]\nmax_backoff = \"30s\"\n", "feeds.conf:2: 'max_backoff' must be at least min_interval (1m)"),
        ("[schedule]\nrespect_hints = \"yes\"\n", "feeds.conf:2: 'respect_hints' must be true or false, not a string"),
        ("[[feed]]\nname = \"a\"\nurl = \"x\"\ninterval = \"5s\"\n",
         "feeds.conf:4: 'interval' in [[feed]] 'a' is shorter than min_interval (1m)"),
        ("[schedule]\nrespect_hint = true\n", "feeds.conf:2: unknown key 'respect_hint' in [schedule] — did you mean 'respect_hints'?"),
    ])
    func problem(text: String, expected: String) {
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix(expected) == true, "got \(found)")
    }

    @Test("Durations are written back in their largest unit", arguments: [
        (90, "90s"), (900, "15m"), (7200, "2h"), (259_200, "3d"), (0, "0"), (3660, "61m"),
    ])
    func format(seconds: Int, text: String) {
        #expect(ConfigValues.format(seconds) == text)
    }
}
