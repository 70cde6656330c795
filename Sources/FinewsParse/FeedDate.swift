public import Foundation

/// Parses the date formats found in feeds, on UTF-8 bytes, without `DateFormatter`.
///
/// Understood: RFC 822/1123 and their real-world variants (no weekday, two-digit
/// years, full month names, missing seconds or zone, `GMT+8`, US and military
/// zone names), RFC 3339 / W3CDTF (date only, no seconds, fractions, `Z`,
/// offsets), `YYYY-MM-DD HH:MM[:SS]` and `YYYY/M/D H:MM`.
/// A date without a zone is read in `defaultZone`.
public struct FeedDateParser: Sendable {
    /// The zone for dates that name none (the feed's or the site's zone).
    public var defaultZone: TimeZone
    /// Whether `CST` means China Standard Time (UTC+8) rather than US Central.
    public var chinaStandardTime: Bool

    /// Creates a parser with the zone for zone-less dates.
    public init(defaultZone: TimeZone, chinaStandardTime: Bool = false) {
        self.defaultZone = defaultZone
        self.chinaStandardTime = chinaStandardTime
    }

    /// The instant `text` names, or nil when it is not a date this parser knows.
    public func parse(_ text: String) -> Date? {
        // The String's own UTF-8 bytes, uncopied (a native String is contiguous).
        var text = text
        return text.withUTF8(parse(utf8:))
    }

    /// The instant the UTF-8 bytes name, or nil (see ``parse(_:)``).
    private func parse(utf8: UnsafeBufferPointer<UInt8>) -> Date? {
        var scanner = ByteScanner(utf8)
        scanner.skipSpaces()
        let start = scanner
        if scanner.peekIsDigit, let date = parseNumeric(&scanner) { return date }
        var fallback = start
        return parseRFC822(&fallback)
    }

    // MARK: RFC 3339 and other year-first forms

    private func parseNumeric(_ scanner: inout ByteScanner) -> Date? {
        let start = scanner.position
        guard let first = scanner.readNumber(maxDigits: 14) else { return nil }
        if first.digits == 4, let separator = scanner.consumeDateSeparator(.year) {
            guard let month = scanner.readNumber(maxDigits: 2) else { return nil }
            var day = 1
            let monthEnd = scanner.consumeDateSeparator(.month)
            if monthEnd != nil {
                guard let value = scanner.readNumber(maxDigits: 2) else { return nil }
                day = value.value
                if separator == .chinese { _ = scanner.consumeDateSeparator(.day) }
            }
            var fields = DateFields(year: first.value, month: month.value, day: day)
            if scanner.consume(UInt8(ascii: "T")) || scanner.consume(UInt8(ascii: "t")) || scanner.skipSpaces() {
                if scanner.peekIsDigit {
                    guard readClock(&scanner, into: &fields) else { return nil }
                }
            }
            scanner.skipSpaces()
            let offset = readZone(&scanner)
            return fields.date(offset: offset, defaultZone: defaultZone)
        }
        // Unix seconds: a bare run of digits and nothing else.
        scanner.skipSpaces()
        if scanner.isAtEnd, first.digits >= 9, scanner.position > start {
            return Date(timeIntervalSince1970: TimeInterval(first.value))
        }
        return nil
    }

    /// Reads `HH:MM[:SS[.fraction]]`; false when the clock is malformed.
    private func readClock(_ scanner: inout ByteScanner, into fields: inout DateFields) -> Bool {
        guard let hour = scanner.readNumber(maxDigits: 2), scanner.consume(UInt8(ascii: ":")),
              let minute = scanner.readNumber(maxDigits: 2)
        else { return false }
        fields.hour = hour.value
        fields.minute = minute.value
        if scanner.consume(UInt8(ascii: ":")) {
            guard let second = scanner.readNumber(maxDigits: 2) else { return false }
            fields.second = second.value
            if scanner.consume(UInt8(ascii: ".")) || scanner.consume(UInt8(ascii: ",")) {
                _ = scanner.readNumber(maxDigits: 12)
            }
        }
        // A 12-hour clock: "04:42 PM".
        var probe = scanner
        probe.skipSpaces()
        if let word = probe.peekWord(), word.equalsIgnoringCase("am") || word.equalsIgnoringCase("pm") {
            guard (1...12).contains(fields.hour) else { return false }
            _ = probe.readWord()
            scanner = probe
            fields.hour = fields.hour % 12 + (word.equalsIgnoringCase("pm") ? 12 : 0)
        }
        return true
    }

    // MARK: RFC 822 and variants

    private func parseRFC822(_ scanner: inout ByteScanner) -> Date? {
        // Optional weekday, with or without its comma.
        if let word = scanner.peekWord(), Self.weekday(word) {
            _ = scanner.readWord()
            _ = scanner.consume(UInt8(ascii: ","))
            scanner.skipSpaces()
        }
        var day: Int
        var month: Int
        if let number = scanner.readNumber(maxDigits: 2) {
            day = number.value
            scanner.skipSeparators()
            guard let word = scanner.readWord(), let value = Self.month(word) else { return nil }
            month = value
        } else {
            // "Mar 2 2022": month first.
            guard let word = scanner.readWord(), let value = Self.month(word) else { return nil }
            month = value
            scanner.skipSeparators()
            guard let number = scanner.readNumber(maxDigits: 2) else { return nil }
            day = number.value
            _ = scanner.consume(UInt8(ascii: ","))
        }
        scanner.skipSeparators()
        guard let yearNumber = scanner.readNumber(maxDigits: 4) else { return nil }
        var year = yearNumber.value
        if yearNumber.digits <= 2 { year += year < 50 ? 2000 : 1900 }
        var fields = DateFields(year: year, month: month, day: day)
        scanner.skipSpaces()
        if scanner.peekIsDigit {
            guard readClock(&scanner, into: &fields) else { return nil }
        }
        scanner.skipSpaces()
        let offset = readZone(&scanner)
        return fields.date(offset: offset, defaultZone: defaultZone)
    }

    /// Reads a zone: `Z`, `±hh:mm`, `±hhmm`, `±hh`, `GMT`, `GMT+8`, named zones.
    /// Returns the offset from UTC in seconds, or nil when no zone is given.
    private func readZone(_ scanner: inout ByteScanner) -> Int? {
        guard let byte = scanner.peek else { return nil }
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
            return readNumericOffset(&scanner)
        }
        guard let word = scanner.readWord() else { return nil }
        if word.equalsIgnoringCase("Z") || word.equalsIgnoringCase("UT") || word.equalsIgnoringCase("UTC")
            || word.equalsIgnoringCase("GMT") {
            if let next = scanner.peek, next == UInt8(ascii: "+") || next == UInt8(ascii: "-") {
                return readNumericOffset(&scanner) ?? 0
            }
            return 0
        }
        if word.equalsIgnoringCase("CST") { return chinaStandardTime ? 8 * 3600 : -6 * 3600 }
        for (name, hours) in Self.namedZones where word.equalsIgnoringCase(name) {
            return hours * 3600
        }
        // RFC 822 military zones: A–I, K–M east (+1…+12), N–Y west (−1…−12); Z is UTC.
        guard word.count == 1 else { return nil }
        let letter = word.bytes[0] & 0xDF  // upper case
        switch letter {
        case UInt8(ascii: "A")...UInt8(ascii: "I"): return Int(letter - UInt8(ascii: "A") + 1) * 3600
        case UInt8(ascii: "K")...UInt8(ascii: "M"): return Int(letter - UInt8(ascii: "K") + 10) * 3600
        case UInt8(ascii: "N")...UInt8(ascii: "Y"): return -Int(letter - UInt8(ascii: "N") + 1) * 3600
        default: return nil
        }
    }

    /// Zone abbreviations and their offsets from UTC in hours (`CST` depends on the feed).
    private static let namedZones: [(name: StaticString, hours: Int)] = [
        ("EST", -5), ("EDT", -4), ("CDT", -5), ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7),
        ("BJT", 8), ("CCT", 8), ("JST", 9), ("KST", 9), ("HKT", 8), ("CET", 1), ("CEST", 2), ("BST", 1),
    ]

    private func readNumericOffset(_ scanner: inout ByteScanner) -> Int? {
        guard let sign = scanner.peek else { return nil }
        scanner.advance()
        guard let number = scanner.readNumber(maxDigits: 4) else { return nil }
        var hours = number.value
        var minutes = 0
        if number.digits > 2 {
            hours = number.value / 100
            minutes = number.value % 100
        } else if scanner.consume(UInt8(ascii: ":")), let minuteNumber = scanner.readNumber(maxDigits: 2) {
            minutes = minuteNumber.value
        }
        guard hours <= 14, minutes < 60 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }

    /// Whether the word is a weekday name or abbreviation (its first three letters).
    private static func weekday(_ word: ByteScanner.Word) -> Bool {
        guard word.count >= 3 else { return false }
        return weekdays.contains { word.hasPrefixIgnoringCase($0) }
    }

    /// The month (1–12) a month name or abbreviation names (its first three letters).
    private static func month(_ word: ByteScanner.Word) -> Int? {
        guard word.count >= 3, let index = months.firstIndex(where: { word.hasPrefixIgnoringCase($0) }) else {
            return nil
        }
        return index + 1
    }

    private static let weekdays: [StaticString] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let months: [StaticString] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
}

/// Calendar fields of a date, converted to an instant once the zone is known.
struct DateFields {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The instant, with `offset` seconds east of UTC, or in `defaultZone` when nil.
    func date(offset: Int?, defaultZone: TimeZone) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour),
              (0...59).contains(minute), (0...60).contains(second), (1...9999).contains(year)
        else { return nil }
        let local = CivilTime.secondsSinceEpoch(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if let offset { return Date(timeIntervalSince1970: TimeInterval(local - offset)) }
        // Zone-less: find the zone's offset at (about) that instant, then correct once.
        let guess = Date(timeIntervalSince1970: TimeInterval(local))
        let firstOffset = defaultZone.secondsFromGMT(for: guess)
        let candidate = Date(timeIntervalSince1970: TimeInterval(local - firstOffset))
        let secondOffset = defaultZone.secondsFromGMT(for: candidate)
        return Date(timeIntervalSince1970: TimeInterval(local - secondOffset))
    }
}

/// Conversions between civil dates and seconds since 1970 in the proleptic Gregorian calendar.
public enum CivilTime {
    /// Seconds since 1970-01-01T00:00:00 for the given civil time read as UTC.
    public static func secondsSinceEpoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int {
        daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil algorithm).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for the instant, to the second.
    public static func rfc3339UTC(_ date: Date) -> String {
        let c = components(secondsSinceEpoch: Int(date.timeIntervalSince1970.rounded(.down)))
        return "\(zeroPadded(c.year, width: 4))-\(zeroPadded(c.month))-\(zeroPadded(c.day))"
            + "T\(zeroPadded(c.hour)):\(zeroPadded(c.minute)):\(zeroPadded(c.second))Z"
    }

    /// `value` in decimal with leading zeros up to `width` digits.
    public static func zeroPadded(_ value: Int, width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// The civil date and time for seconds since 1970 (read as UTC).
    public static func components(secondsSinceEpoch seconds: Int)
        -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
    }
}

/// A cursor over ASCII bytes for the date grammars above. It reads the bytes of
/// a String in place, so it lives only inside the closure that lends them.
struct ByteScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A run of ASCII letters in the scanned text.
    struct Word {
        let bytes: UnsafeBufferPointer<UInt8>
        var count: Int { bytes.count }

        /// Whether the word is `literal` (lower-case ASCII letters), ignoring case.
        func equalsIgnoringCase(_ literal: StaticString) -> Bool {
            count == literal.utf8CodeUnitCount && hasPrefixIgnoringCase(literal)
        }

        /// Whether the word starts with `literal` (ASCII letters), ignoring case.
        func hasPrefixIgnoringCase(_ literal: StaticString) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard count >= length else { return false }
            let letters = literal.utf8Start
            // Letters only: setting bit 5 makes both lower case.
            for index in 0..<length where bytes[index] | 0x20 != letters[index] | 0x20 { return false }
            return true
        }
    }

    var isAtEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
    var peekIsDigit: Bool { peek.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    mutating func advance() { position += 1 }

    /// Which date part a separator follows.
    enum DatePart { case year, month, day }

    /// The style of a date separator: `-`, `/` or `.` between numbers, or the
    /// Chinese unit characters 年, 月 and 日 after them.
    enum DateSeparator { case ascii, chinese }

    /// Consumes the separator after a year, month or day, if one is there.
    mutating func consumeDateSeparator(_ part: DatePart) -> DateSeparator? {
        let chinese: (UInt8, UInt8, UInt8)
        switch part {
        case .year: chinese = (0xE5, 0xB9, 0xB4)   // 年
        case .month: chinese = (0xE6, 0x9C, 0x88)  // 月
        case .day: chinese = (0xE6, 0x97, 0xA5)    // 日
        }
        if position + 3 <= bytes.count, bytes[position] == chinese.0, bytes[position + 1] == chinese.1,
           bytes[position + 2] == chinese.2 {
            position += 3
            return .chinese
        }
        if part != .day, let byte = peek,
           byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") {
            position += 1
            return .ascii
        }
        return nil
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    /// Skips spaces and tabs; true when at least one was skipped.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = position
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        return position > start
    }

    /// Skips the separators seen between date parts: spaces, `-`, `/`, `,`, `.`.
    mutating func skipSeparators() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ".") {
            position += 1
        }
    }

    /// Reads up to `maxDigits` decimal digits.
    mutating func readNumber(maxDigits: Int) -> (value: Int, digits: Int)? {
        var value = 0
        var digits = 0
        while digits < maxDigits, let byte = peek, byte >= 0x30, byte <= 0x39 {
            value = value * 10 + Int(byte - 0x30)
            digits += 1
            position += 1
        }
        return digits > 0 ? (value, digits) : nil
    }

    /// The run of ASCII letters at the cursor, without consuming it.
    func peekWord() -> Word? {
        var end = position
        while end < bytes.count, Self.isLetter(bytes[end]) { end += 1 }
        return end > position ? Word(bytes: UnsafeBufferPointer(rebasing: bytes[position..<end])) : nil
    }

    /// Reads a run of ASCII letters.
    mutating func readWord() -> Word? {
        guard let word = peekWord() else { return nil }
        position += word.count
        return word
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
