public import FinewsNormalize
public import Foundation
import FinewsParse

/// Which posts move from `_posts/` to the archive folder (DESIGN.md §3): those
/// whose whole day, as their file name gives it (`YYYY-MM-DD-<infoCode>.md`, the
/// day in the site's zone), ended before the cut-off. A pure policy: no I/O.
public enum Rotation {
    /// A post to move, by infoCode, from its path to its path in the archive folder.
    public struct Move: Sendable, Hashable {
        public var infoCode: InfoCode
        public var from: String
        public var to: String
    }

    /// The moves for `posts` (infoCode and path under `_posts/`) when posts older
    /// than `age` seconds before `now` go to `archiveDir`.
    public static func moves(
        for posts: [(infoCode: InfoCode, path: String)], archiveDir: String, olderThan age: Int, now: Date,
        timeZone: TimeZone
    ) -> [Move] {
        guard age > 0 else { return [] }
        let cutoff = now.addingTimeInterval(-TimeInterval(age))
        return posts.compactMap { post in
            let name = (post.path as NSString).lastPathComponent
            guard let day = dayStart(ofFileName: name, timeZone: timeZone), day.addingTimeInterval(86_400) <= cutoff
            else { return nil }
            return Move(infoCode: post.infoCode, from: post.path, to: archiveDir + "/" + name)
        }.sorted { $0.from < $1.from }
    }

    /// The start of the day a post file name begins with, in `timeZone`; nil when
    /// the name does not start with `YYYY-MM-DD-`.
    /// A file-name bound for the state's query (``StateStore/posts(under:namedBefore:)``):
    /// every post that ``moves(for:archiveDir:olderThan:now:timeZone:)`` would move is
    /// named for a day before it, in any zone (UTC−12 to UTC+14; two days of margin).
    package static func candidateBound(olderThan age: Int, now: Date) -> String {
        dayName(of: now.addingTimeInterval(-TimeInterval(age) + 2 * 86_400))
    }

    /// `YYYY-MM-DD` of `date` in UTC: the start of the post file names of that day.
    package static func dayName(of date: Date) -> String {
        String(CivilTime.rfc3339UTC(date).prefix(10))
    }

    static func dayStart(ofFileName name: String, timeZone: TimeZone) -> Date? {
        let utf8 = Array(name.utf8)
        guard utf8.count > 11, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"), utf8[10] == UInt8(ascii: "-")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: utf8[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let local = FinewsParse.CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        let guess = Date(timeIntervalSince1970: TimeInterval(local))
        return Date(timeIntervalSince1970: TimeInterval(local - timeZone.secondsFromGMT(for: guess)))
    }
}
