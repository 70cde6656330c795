import FinewsParse
import Foundation
import Testing

@Suite("Feed dates")
struct FeedDateTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    /// 2022-03-02 00:08:45 UTC.
    static let instant: TimeInterval = 1_646_179_725

    @Test("Forms that name the instant 2022-03-02T00:08:45Z", arguments: [
        "Wed, 02 Mar 2022 08:08:45 +0800",
        "Wed, 2 Mar 2022 00:08:45 GMT",
        "02 Mar 2022 00:08:45 Z",
        "Wednesday, 02 March 2022 00:08:45 UT",
        "Wed, 02 Mar 22 00:08:45 +0000",
        "Wed, 02 Mar 2022 08:08:45 GMT+8",
        "Tue, 01 Mar 2022 19:08:45 EST",
        "Tue, 01 Mar 2022 16:08:45 PST",
        "Wed, 02 Mar 2022 00:08:45 +00:00",
        "2022-03-02T00:08:45Z",
        "2022-03-02T08:08:45+08:00",
        "2022-03-02T08:08:45.123+08:00",
        "2022-03-02T08:08:45+0800",
        "2022-03-01T19:08:45-05:00",
        "2022-03-02 00:08:45Z",
        "1646179725",
    ])
    func instantForms(text: String) {
        let parser = FeedDateParser(defaultZone: Self.utc)
        #expect(parser.parse(text)?.timeIntervalSince1970 == Self.instant)
    }

    @Test("Zone-less dates are read in the default zone", arguments: [
        "2022-03-02 08:08:45",
        "2022/03/02 08:08:45",
        "Wed, 02 Mar 2022 08:08:45",
    ])
    func zoneless(text: String) {
        let parser = FeedDateParser(defaultZone: Self.shanghai)
        #expect(parser.parse(text)?.timeIntervalSince1970 == Self.instant)
    }

    @Test("Dates without seconds or without a time")
    func partial() {
        let parser = FeedDateParser(defaultZone: Self.utc)
        #expect(parser.parse("2022-03-02T00:08Z")?.timeIntervalSince1970 == Self.instant - 45)
        #expect(parser.parse("2022-03-02")?.timeIntervalSince1970 == Self.instant - 8 * 60 - 45)
        #expect(parser.parse("Wed, 02 Mar 2022 00:08 GMT")?.timeIntervalSince1970 == Self.instant - 45)
    }

    @Test("Text that is not a date gives nil", arguments: ["", "yesterday", "2022-13-45", "Wed, 32 Foo 2022"])
    func invalid(text: String) {
        #expect(FeedDateParser(defaultZone: Self.utc).parse(text) == nil)
    }

    @Test("Civil time round trip")
    func civilTime() {
        for seconds in [0, 951_782_400, 1_646_179_725, -86_401, 4_102_444_800] {
            let c = CivilTime.components(secondsSinceEpoch: seconds)
            #expect(CivilTime.secondsSinceEpoch(
                year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second) == seconds)
        }
    }
}

@Suite("Feed dates, more forms")
struct MoreFeedDateTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test("Chinese, slashed, 12-hour and military forms", arguments: [
        ("2022年3月2日 08:08", 1_646_179_680.0),
        ("2022年03月02日 08:08:45", 1_646_179_725),
        ("2022/3/2 8:08", 1_646_179_680),
        ("Wednesday, March 2, 2022 08:08:45 AM", 1_646_179_725),
        ("Wed, 02 Mar 2022 00:08:45 Z", 1_646_179_725),
        ("Tue, 01 Mar 2022 17:08:45 T", 1_646_179_725),
        ("2022-03-02T08:08+08:00", 1_646_179_680),
    ])
    func forms(text: String, seconds: Double) {
        #expect(FeedDateParser(defaultZone: Self.shanghai).parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test("12 PM is noon and 12 AM is midnight")
    func twelveHour() {
        let parser = FeedDateParser(defaultZone: TimeZone(identifier: "UTC")!)
        #expect(parser.parse("2022-03-02 12:00 PM")?.timeIntervalSince1970 == 1_646_222_400)
        #expect(parser.parse("2022-03-02 12:00 AM")?.timeIntervalSince1970 == 1_646_179_200)
    }
}
