/// The `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
enum RetryAfter {
    /// The wait `value` asks for, counted from `now` (seconds since 1970) for a date;
    /// zero for a date in the past, nil when the value is neither form.
    static func wait(_ value: String, now: Double) -> Duration? {
        let text = value[...].trimmingCharacters(in: " \t")
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Waits are capped at a week (beyond any sensible request), which also keeps
            // a long string of digits from overflowing.
            let seconds = text.utf8.count > 9 ? Int.max : Int(text) ?? Int.max
            return .seconds(min(seconds, maximum))
        }
        guard let date = HTTPDate.parse(text, nowYear: HTTPDate.year(ofEpochSeconds: now)) else { return nil }
        let seconds = Double(date) - now
        guard seconds > 0 else { return .zero }
        return .seconds(min(seconds.rounded(.up), Double(maximum)))
    }

    /// The longest wait returned, in seconds: a week.
    static let maximum = 7 * 24 * 3600
}

/// HTTP-date parsing (RFC 9110 §5.6.7) without DateFormatter: the preferred IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT` and the obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`
/// and asctime `Sun Nov  6 08:49:37 1994` forms. Weekday names are not checked.
enum HTTPDate {
    /// Seconds since 1970 (UTC), or nil when `text` is in none of the three forms.
    /// `nowYear` resolves RFC 850's two-digit years.
    static func parse(_ text: String, nowYear: Int) -> Int? {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true)
        switch tokens.count {
        case 6 where tokens[0].hasSuffix(","):
            // IMF-fixdate: day-name "," SP day SP month SP year SP time SP "GMT"
            guard isGMT(tokens[5]), let day = number(tokens[1], digits: 1...2), let month = month(tokens[2]),
                  let year = number(tokens[3], digits: 4...4), let time = time(tokens[4]) else { return nil }
            return epochSeconds(year: year, month: month, day: day, time: time)
        case 4 where tokens[0].hasSuffix(","):
            // RFC 850: day-name-l "," SP dd "-" mon "-" yy SP time SP "GMT"
            let parts = tokens[1].split(separator: "-", omittingEmptySubsequences: false)
            guard isGMT(tokens[3]), parts.count == 3, let day = number(parts[0], digits: 1...2),
                  let month = month(parts[1]), let twoDigits = number(parts[2], digits: 2...2),
                  let time = time(tokens[2]) else { return nil }
            // A two-digit year more than 50 years ahead is the most recent past year with those digits.
            var year = nowYear - nowYear % 100 + twoDigits
            if year > nowYear + 50 { year -= 100 }
            return epochSeconds(year: year, month: month, day: day, time: time)
        case 5:
            // asctime: day-name SP month SP ( 2DIGIT / SP 1DIGIT ) SP time SP year
            guard let month = month(tokens[1]), let day = number(tokens[2], digits: 1...2),
                  let time = time(tokens[3]), let year = number(tokens[4], digits: 4...4) else { return nil }
            return epochSeconds(year: year, month: month, day: day, time: time)
        default:
            return nil
        }
    }

    /// The proleptic Gregorian year of a time in seconds since 1970 (UTC).
    static func year(ofEpochSeconds seconds: Double) -> Int {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return 1970 }
        return civil(fromDays: Int((seconds / 86_400).rounded(.down))).year
    }

    private static func isGMT(_ token: Substring) -> Bool {
        token == "GMT" || token == "UTC"
    }

    private static func number(_ token: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(token.utf8.count),
              token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(token)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func month(_ token: Substring) -> Int? {
        months.firstIndex(of: token.lowercased()).map { $0 + 1 }
    }

    /// `HH:MM:SS` as seconds into the day.
    private static func time(_ token: Substring) -> Int? {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hour = number(parts[0], digits: 2...2), let minute = number(parts[1], digits: 2...2),
              let second = number(parts[2], digits: 2...2), hour < 24, minute < 60, second <= 60 else { return nil }
        return hour * 3600 + minute * 60 + second
    }

    private static func epochSeconds(year: Int, month: Int, day: Int, time: Int) -> Int? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return days(year: year, month: month, day: day) * 86_400 + time
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a Gregorian date: count from 1 March of year 0 in 400-year
    /// eras, so that the leap day falls at the end of each counted year.
    private static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(year:month:day:)``.
    private static func civil(fromDays count: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = count + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
