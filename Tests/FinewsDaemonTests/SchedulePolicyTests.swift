@testable import FinewsDaemon
@testable import FinewsConfig
import Foundation
import Testing

@Suite("Schedule policy")
struct SchedulePolicyTests {
    typealias Settings = SchedulePolicy.Settings

    static let minute = 60
    static let hour = 3600
    static let day = 86_400

    @Test("Next-check interval: configured, raised by the longest hint, clamped", arguments: [
        // settings, hints, expected seconds, reason
        (Settings(interval: 900), ScheduleHints(), 900, IntervalReason.config),
        (Settings(interval: 900), ScheduleHints(ttl: 3600), 3600, .ttl),
        (Settings(interval: 900), ScheduleHints(ttl: 600), 900, .config),
        (Settings(interval: 900), ScheduleHints(syndication: 7200), 7200, .syndication),
        (Settings(interval: 900), ScheduleHints(cacheMaxAge: 1800), 1800, .cacheHeaders),
        (Settings(interval: 900), ScheduleHints(ttl: 1800, syndication: 3600, cacheMaxAge: 2700), 3600, .syndication),
        (Settings(interval: 900), ScheduleHints(ttl: 7 * 86_400), 86_400, .ttl),
        (Settings(interval: 900, respectHints: false), ScheduleHints(ttl: 3600, cacheMaxAge: 1800), 900, .config),
        (Settings(interval: 2, minInterval: 1), ScheduleHints(cacheMaxAge: 1), 2, .config),
        (Settings(interval: 2, minInterval: 1), ScheduleHints(cacheMaxAge: 5), 5, .cacheHeaders),
        (Settings(interval: 30, minInterval: 60), ScheduleHints(), 60, .config),
        (Settings(interval: 86_400), ScheduleHints(ttl: 2 * 86_400), 86_400, .ttl),
    ] as [(Settings, ScheduleHints, Int, IntervalReason)])
    func interval(settings: Settings, hints: ScheduleHints, seconds: Int, reason: IntervalReason) {
        let result = SchedulePolicy.interval(settings: settings, hints: hints)
        #expect(result.seconds == seconds)
        #expect(result.reason == reason)
        let scheduled = SchedulePolicy.afterSuccess(settings: settings, hints: hints, random: 0.5)
        #expect(scheduled == ScheduledInterval(seconds: seconds, reason: reason, delay: Double(seconds)))
    }

    @Test("Jitter stays within ±10%", arguments: [
        (0.0, 810.0), (0.25, 855.0), (0.5, 900.0), (0.75, 945.0), (0.999_999, 989.999_82), (-3.0, 810.0), (7.0, 990.0),
    ])
    func jitter(random: Double, delay: Double) {
        #expect(abs(SchedulePolicy.jitter(900, random: random) - delay) < 0.001)
    }

    @Test("Backoff doubles with every failure, up to max_backoff", arguments: [
        // errors, expected seconds
        (1, 1800), (2, 3600), (3, 7200), (4, 14_400), (5, 28_800), (6, 57_600), (7, 86_400), (30, 86_400), (500, 86_400),
    ])
    func backoff(errors: Int, seconds: Int) {
        let result = SchedulePolicy.afterFailure(
            settings: Settings(interval: 900), hints: ScheduleHints(), errors: errors, retryAfter: nil, random: 0.5)
        #expect(result == ScheduledInterval(seconds: seconds, reason: .backoff, delay: Double(seconds)))
    }

    @Test("Backoff: min_interval floor, a max_backoff below the interval, jitter, hints as the base")
    func backoffEdges() {
        let fast = Settings(interval: 1, minInterval: 1, maxBackoff: 3600)
        #expect(SchedulePolicy.afterFailure(settings: fast, hints: ScheduleHints(), errors: 3, retryAfter: nil,
                                            random: 0.5).seconds == 8)
        // The interval itself is raised to the floor first, then doubled.
        let floor = Settings(interval: 1, minInterval: 60, maxBackoff: 3600)
        #expect(SchedulePolicy.afterFailure(settings: floor, hints: ScheduleHints(), errors: 1, retryAfter: nil,
                                            random: 0.5).seconds == 120)
        let low = Settings(interval: 900, maxBackoff: 600)
        #expect(SchedulePolicy.afterFailure(settings: low, hints: ScheduleHints(), errors: 1, retryAfter: nil,
                                            random: 0.5).seconds == 600)
        let jittered = SchedulePolicy.afterFailure(
            settings: Settings(interval: 900), hints: ScheduleHints(), errors: 1, retryAfter: nil, random: 0)
        #expect(jittered.seconds == 1800)
        #expect(abs(jittered.delay - 1620) < 0.001)
        let hinted = SchedulePolicy.afterFailure(
            settings: Settings(interval: 900), hints: ScheduleHints(ttl: 3600), errors: 1, retryAfter: nil, random: 0.5)
        #expect(hinted.seconds == 7200)
    }

    @Test("Retry-After wins when longer than the backoff, and is never shortened by jitter", arguments: [
        // errors, retryAfter, expected seconds, reason
        (1, 120, 1800, IntervalReason.backoff),
        (1, 1800, 1800, .backoff),
        (1, 5000, 5000, .retryAfter),
        (7, 200_000, 200_000, .retryAfter),
    ] as [(Int, Int, Int, IntervalReason)])
    func retryAfter(errors: Int, retryAfter: Int, seconds: Int, reason: IntervalReason) {
        for random in [0.0, 0.5, 0.999] {
            let result = SchedulePolicy.afterFailure(
                settings: Settings(interval: 900), hints: ScheduleHints(), errors: errors, retryAfter: retryAfter,
                random: random)
            if reason == .retryAfter || random == 0.5 {
                #expect(result.seconds == seconds)
                #expect(result.reason == reason)
            }
            #expect(result.delay >= (result.reason == .retryAfter ? Double(retryAfter) : 0))
        }
        // Jitter that lengthens the backoff past a Retry-After keeps the backoff.
        let close = SchedulePolicy.afterFailure(
            settings: Settings(interval: 900), hints: ScheduleHints(), errors: 1, retryAfter: 1900, random: 0.999)
        #expect(close.reason == .backoff)
        let below = SchedulePolicy.afterFailure(
            settings: Settings(interval: 900), hints: ScheduleHints(), errors: 1, retryAfter: 1900, random: 0)
        #expect(below.reason == .retryAfter)
        #expect(below.delay == 1900)
    }

    @Test("The syndication hint: period divided by frequency", arguments: [
        (3600, nil, 3600), (3600, 2, 1800), (86_400, 24, 3600), (86_400, 0, 86_400), (86_400, -3, 86_400),
    ] as [(Int, Int?, Int)])
    func syndication(period: Int, frequency: Int?, seconds: Int) {
        #expect(ScheduleHints.syndicationSeconds(periodSeconds: period, frequency: frequency) == seconds)
    }

    @Test("Due times: stored ones hold across restarts; a shorter configured interval brings them forward")
    func dueTimes() {
        let last = Date(timeIntervalSince1970: 1_000_000)
        let next = last.addingTimeInterval(3600)
        func due(_ reason: IntervalReason?, _ stored: Int?, _ settings: Settings, hints: ScheduleHints = ScheduleHints())
            -> Date? {
            SchedulePolicy.dueTime(lastCheck: last, nextCheck: next, storedReason: reason, storedSeconds: stored,
                                   settings: settings, hints: hints)
        }
        #expect(SchedulePolicy.dueTime(lastCheck: nil, nextCheck: nil, storedReason: nil, storedSeconds: nil,
                                       settings: Settings(interval: 60), hints: ScheduleHints()) == nil)
        #expect(due(.config, 3600, Settings(interval: 3600)) == next)
        #expect(due(.config, 3600, Settings(interval: 7200)) == next)
        #expect(due(.config, 3600, Settings(interval: 300)) == last.addingTimeInterval(300))
        #expect(due(.ttl, 3600, Settings(interval: 300), hints: ScheduleHints(ttl: 3600)) == next)
        #expect(due(.ttl, 3600, Settings(interval: 300, respectHints: false), hints: ScheduleHints(ttl: 3600))
            == last.addingTimeInterval(300))
        #expect(due(.backoff, 3600, Settings(interval: 60)) == next)
        #expect(due(.retryAfter, 3600, Settings(interval: 60)) == next)
        #expect(due(nil, nil, Settings(interval: 60)) == next)
    }
}

@Suite("Jitter numbers")
struct JitterSourceTests {
    @Test("Numbers fall in 0..<1, spread evenly, and a seed repeats its sequence")
    func numbers() {
        let source = JitterSource(seed: 42)
        var draws: [Double] = []
        for _ in 0..<20_000 { draws.append(source.next()) }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        // Ten bins of 2,000 expected each; a fair source stays well within ±10%.
        var bins = [Int](repeating: 0, count: 10)
        for draw in draws { bins[Int(draw * 10)] += 1 }
        #expect(bins.allSatisfy { (1_800...2_200).contains($0) }, "\(bins)")
        let again = JitterSource(seed: 42)
        #expect((0..<100).map { _ in again.next() } == Array(draws.prefix(100)))
        #expect(JitterSource(seed: 43).next() != draws[0])
    }

    @Test("Unseeded sources start in different places")
    func unseeded() {
        #expect(JitterSource().next() != JitterSource().next())
    }
}
