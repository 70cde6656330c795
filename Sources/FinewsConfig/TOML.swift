/// A value in a TOML document, with the line it was written on.
///
/// finews reads its configuration with its own small TOML parser because every
/// message about the configuration must name the line of the offending key or
/// value, which the TOML libraries available to us do not report.
struct TOMLValue {
    enum Kind {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        /// Dates and times are kept as written; finews has no date-valued keys.
        case dateTime(String)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    var kind: Kind
    /// The 1-based line where the value starts.
    var line: Int

    /// A short name of the value's type for messages ("a string", "an integer", ...).
    var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "a boolean"
        case .dateTime: "a date"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML table: keys in document order, each with its value and the line of the key.
final class TOMLTable {
    struct Entry {
        var key: String
        var value: TOMLValue
        var keyLine: Int
    }

    private(set) var entries: [Entry] = []
    /// Positions by key, kept only once the table has more than
    /// ``keysFoundByScanning`` keys: a `[[feed]]` table has a handful, and
    /// comparing a few short keys costs less than hashing the one looked up.
    private var indexByKey: [String: Int]?
    /// The line of the table's header (`[site]`), or 1 for the root table.
    let line: Int
    /// Whether the table was opened by a `[header]` or by an inline `{}` (which are closed).
    var isExplicit: Bool
    var isInline: Bool
    /// Whether a dotted key (`item.title = ...`) defined the table; TOML forbids
    /// reopening it with a `[header]`.
    var isDefinedByDottedKeys = false

    private static let keysFoundByScanning = 12

    init(line: Int, isExplicit: Bool = false, isInline: Bool = false) {
        self.line = line
        self.isExplicit = isExplicit
        self.isInline = isInline
    }

    subscript(key: String) -> TOMLValue? {
        position(of: key).map { entries[$0].value }
    }

    func entry(_ key: String) -> Entry? {
        position(of: key).map { entries[$0] }
    }

    private func position(of key: String) -> Int? {
        if let indexByKey { return indexByKey[key] }
        return entries.firstIndex { $0.key == key }
    }

    /// Appends `item` to the array at `key` in place. The array is taken out of the
    /// entry while it grows, so that it is never copied: a config with a thousand
    /// `[[feed]]` tables would otherwise copy the array a thousand times.
    func append(_ item: TOMLValue, toArrayAt key: String) {
        guard let index = position(of: key), case .array(var items) = entries[index].value.kind else { return }
        entries[index].value.kind = .boolean(false)
        items.append(item)
        entries[index].value.kind = .array(items)
    }

    func set(_ key: String, _ value: TOMLValue, keyLine: Int) {
        if let index = position(of: key) {
            entries[index] = Entry(key: key, value: value, keyLine: keyLine)
            return
        }
        entries.append(Entry(key: key, value: value, keyLine: keyLine))
        if indexByKey != nil {
            indexByKey?[key] = entries.count - 1
        } else if entries.count > Self.keysFoundByScanning {
            indexByKey = Dictionary(uniqueKeysWithValues: entries.indices.map { (entries[$0].key, $0) })
        }
    }
}

/// A syntax error in a TOML document.
struct TOMLError: Error {
    var line: Int
    var message: String
}

/// Parses TOML 1.0: comments, bare/quoted/dotted keys, tables and arrays of tables,
/// basic/literal/multi-line strings, integers (decimal, hex, octal, binary),
/// floats, booleans, dates (kept as text), arrays and inline tables.
struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private let root = TOMLTable(line: 1)
    /// Tables that were defined implicitly by a dotted key; headers may not reopen them.
    private var current: TOMLTable

    init(_ text: String) {
        bytes = Array(text.utf8)
        current = root
    }

    static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }

    private mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipWhitespaceAndComments(newlines: true)
            guard let byte = peek else { break }
            if byte == UInt8(ascii: "[") {
                try parseHeader()
            } else {
                try parseKeyValue(into: current)
            }
            try expectLineEnd()
        }
        return root
    }

    // MARK: Headers

    private mutating func parseHeader() throws(TOMLError) {
        let headerLine = line
        index += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { index += 1 }
        skipSpaces()
        let keys = try parseKeyPath()
        skipSpaces()
        guard consume(UInt8(ascii: "]")) else { throw error("expected ']' to close the table header") }
        if isArray, !consume(UInt8(ascii: "]")) { throw error("expected ']]' to close the array-of-tables header") }
        var table = root
        for key in keys.dropLast() {
            table = try descend(into: table, key: key, line: headerLine)
        }
        guard let last = keys.last else { throw error("empty table name") }
        if isArray {
            let newTable = TOMLTable(line: headerLine, isExplicit: true)
            if let problem = Self.problemAppendingTable(to: table, at: last) {
                throw TOMLError(line: headerLine, message: problem)
            } else if table.entry(last) != nil {
                table.append(TOMLValue(kind: .table(newTable), line: headerLine), toArrayAt: last)
            } else {
                table.set(last, TOMLValue(kind: .array([TOMLValue(kind: .table(newTable), line: headerLine)]), line: headerLine),
                          keyLine: headerLine)
            }
            current = newTable
        } else {
            if let existing = table[last] {
                guard case .table(let existingTable) = existing.kind, !existingTable.isExplicit, !existingTable.isInline else {
                    throw TOMLError(line: headerLine, message: "table [\(keys.joined(separator: "."))] is defined twice (first on line \(existing.line))")
                }
                if existingTable.isDefinedByDottedKeys {
                    throw TOMLError(line: headerLine, message: "table [\(keys.joined(separator: "."))] was defined by dotted keys "
                        + "on line \(existing.line); add its keys there, or write them all under the header")
                }
                existingTable.isExplicit = true
                current = existingTable
            } else {
                let newTable = TOMLTable(line: headerLine, isExplicit: true)
                table.set(last, TOMLValue(kind: .table(newTable), line: headerLine), keyLine: headerLine)
                current = newTable
            }
        }
    }

    /// Why `[[key]]` cannot add a table to what `table` holds at `key`, if it cannot:
    /// only an array made by `[[...]]` headers takes more. (A separate function, so
    /// that no copy of the array is alive while it grows.)
    private static func problemAppendingTable(to table: TOMLTable, at key: String) -> String? {
        guard let existing = table[key] else { return nil }
        if case .array(let items) = existing.kind, let first = items.first, case .table(let firstTable) = first.kind,
           firstTable.isExplicit, !firstTable.isInline {
            return nil
        }
        return "'\(key)' is already defined as \(existing.typeName) on line \(existing.line)"
    }

    /// The table at `key` in `table` (the last element, for an array of tables), created if absent.
    private func descend(into table: TOMLTable, key: String, line: Int) throws(TOMLError) -> TOMLTable {
        if let existing = table[key] {
            switch existing.kind {
            case .table(let child):
                if child.isInline { throw TOMLError(line: line, message: "cannot extend inline table '\(key)'") }
                return child
            case .array(let items):
                if let last = items.last, case .table(let child) = last.kind { return child }
                throw TOMLError(line: line, message: "'\(key)' is an array, not a table (line \(existing.line))")
            default:
                throw TOMLError(line: line, message: "'\(key)' is already \(existing.typeName) (line \(existing.line))")
            }
        }
        let child = TOMLTable(line: line)
        table.set(key, TOMLValue(kind: .table(child), line: line), keyLine: line)
        return child
    }

    // MARK: Key/value pairs

    private mutating func parseKeyValue(into table: TOMLTable) throws(TOMLError) {
        let keyLine = line
        let keys = try parseKeyPath()
        skipSpaces()
        guard consume(UInt8(ascii: "=")) else {
            throw error("expected '=' after the key '\(keys.joined(separator: "."))'")
        }
        skipSpaces()
        let value = try parseValue()
        var target = table
        for key in keys.dropLast() { target = try descendDotted(into: target, key: key, line: keyLine) }
        guard let last = keys.last else { throw error("empty key") }
        if let existing = target.entry(last) {
            throw TOMLError(line: keyLine, message: "key '\(keys.joined(separator: "."))' is defined twice (first on line \(existing.keyLine))")
        }
        target.set(last, value, keyLine: keyLine)
    }

    /// The table at `key` for a dotted key, created (and marked so) if absent. As
    /// TOML 1.0 says, a dotted key may not add to a table that a `[header]` or an
    /// inline table defined, nor to an array of tables.
    private func descendDotted(into table: TOMLTable, key: String, line: Int) throws(TOMLError) -> TOMLTable {
        if let existing = table[key] {
            guard case .table(let child) = existing.kind else {
                throw TOMLError(line: line, message: "'\(key)' is already \(existing.typeName) (line \(existing.line)), "
                    + "so '\(key).…' cannot add to it")
            }
            if child.isInline { throw TOMLError(line: line, message: "cannot extend inline table '\(key)' (line \(existing.line))") }
            if child.isExplicit, !child.isDefinedByDottedKeys {
                throw TOMLError(line: line, message: "table '\(key)' is defined by a [header] on line \(existing.line); "
                    + "write its keys under that header")
            }
            return child
        }
        let child = TOMLTable(line: line)
        child.isDefinedByDottedKeys = true
        table.set(key, TOMLValue(kind: .table(child), line: line), keyLine: line)
        return child
    }

    private mutating func parseKeyPath() throws(TOMLError) -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            keys.append(try parseKey())
            skipSpaces()
            guard consume(UInt8(ascii: ".")) else { return keys }
        }
    }

    private mutating func parseKey() throws(TOMLError) -> String {
        guard let byte = peek else { throw error("expected a key, found the end of the file") }
        if byte == UInt8(ascii: "\"") { return try parseBasicString() }
        if byte == UInt8(ascii: "'") { return try parseLiteralString() }
        let start = index
        while let byte = peek, Self.isBareKeyByte(byte) { index += 1 }
        guard index > start else { throw error("expected a key, found '\(describe(byte))'") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue {
        let valueLine = line
        guard let byte = peek else { throw error("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "\""):
            if lookingAt("\"\"\"") { return TOMLValue(kind: .string(try parseMultilineBasicString()), line: valueLine) }
            return TOMLValue(kind: .string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if lookingAt("'''") { return TOMLValue(kind: .string(try parseMultilineLiteralString()), line: valueLine) }
            return TOMLValue(kind: .string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "["):
            return TOMLValue(kind: .array(try parseArray()), line: valueLine)
        case UInt8(ascii: "{"):
            return TOMLValue(kind: .table(try parseInlineTable()), line: valueLine)
        default:
            return TOMLValue(kind: try parseScalar(), line: valueLine)
        }
    }

    private mutating func parseScalar() throws(TOMLError) -> TOMLValue.Kind {
        let start = index
        while let byte = peek, !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
            || byte == UInt8(ascii: "#") || byte == 0x0A || byte == 0x0D) {
            index += 1
        }
        var text = String(decoding: bytes[start..<index], as: UTF8.self)
        while text.hasSuffix(" ") || text.hasSuffix("\t") { text.removeLast() }
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if text.isEmpty { throw error("expected a value after '='") }
        let digits = text.filter { $0 != "_" }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            if let value = Int64(digits.dropFirst(2), radix: radix) { return .integer(value) }
            throw error("'\(text)' is not a valid number")
        }
        if let value = Int64(digits), !text.hasPrefix("_"), !text.hasSuffix("_") { return .integer(value) }
        if let value = Double(digits), digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(value)
        }
        if let first = text.first, first.isNumber, text.contains("-") || text.contains(":") {
            return .dateTime(text)
        }
        throw error("'\(text)' is not a TOML value; strings need quotes, as in \"\(text)\"")
    }

    private mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        let openLine = line
        index += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceAndComments(newlines: true)
            if consume(UInt8(ascii: "]")) { return items }
            items.append(try parseValue())
            skipWhitespaceAndComments(newlines: true)
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { return items }
            if peek == nil { throw TOMLError(line: openLine, message: "the array opened here is not closed with ']'") }
            throw error("expected ',' or ']' in the array")
        }
    }

    private mutating func parseInlineTable() throws(TOMLError) -> TOMLTable {
        let table = TOMLTable(line: line, isExplicit: true, isInline: false)
        index += 1
        skipSpaces()
        if consume(UInt8(ascii: "}")) {
            table.isInline = true
            return table
        }
        while true {
            skipSpaces()
            try parseKeyValue(into: table)
            skipSpaces()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) {
                table.isInline = true
                return table
            }
            throw error("expected ',' or '}' in the inline table")
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        index += 1
        var output: [UInt8] = []
        while true {
            guard let byte = peek else { throw error("the string is not closed with '\"'") }
            if byte == 0x0A || byte == 0x0D { throw error("the string is not closed with '\"' before the end of the line") }
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: output, as: UTF8.self) }
            if byte == UInt8(ascii: "\\") {
                try parseEscape(into: &output)
            } else {
                output.append(byte)
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        index += 3
        skipFirstNewline()
        var output: [UInt8] = []
        while true {
            guard let byte = peek else { throw error("the string is not closed with '\"\"\"'") }
            if lookingAt("\"\"\""), !lookingAt("\"\"\"\"") || lookingAt("\"\"\"\"\"") {
                index += 3
                return String(decoding: output, as: UTF8.self)
            }
            index += 1
            if byte == 0x0A { line += 1 }
            if byte == UInt8(ascii: "\\") {
                // A line-ending backslash trims the newline and following whitespace.
                var probe = index
                while probe < bytes.count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
                if probe < bytes.count, bytes[probe] == 0x0A || bytes[probe] == 0x0D {
                    index = probe
                    while let next = peek, next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D {
                        if next == 0x0A { line += 1 }
                        index += 1
                    }
                    continue
                }
                try parseEscape(into: &output)
            } else {
                output.append(byte)
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while let byte = peek, byte != UInt8(ascii: "'") {
            if byte == 0x0A { throw error("the string is not closed with \"'\" before the end of the line") }
            index += 1
        }
        guard peek != nil else { throw error("the string is not closed with \"'\"") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return text
    }

    private mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        index += 3
        skipFirstNewline()
        let start = index
        while index < bytes.count {
            if lookingAt("'''"), !lookingAt("''''") || lookingAt("'''''") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 3
                return text
            }
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        throw error("the string is not closed with \"'''\"")
    }

    private mutating func parseEscape(into output: inout [UInt8]) throws(TOMLError) {
        guard let code = peek else { throw error("unfinished escape sequence") }
        index += 1
        switch code {
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "e"): output.append(0x1B)
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = code == UInt8(ascii: "u") ? 4 : 8
            guard index + count <= bytes.count,
                  let value = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(value)
            else { throw error("invalid unicode escape") }
            index += count
            output.append(contentsOf: String(Character(scalar)).utf8)
        default:
            throw error("unknown escape sequence '\\\(describe(code))'")
        }
    }

    // MARK: Lexing helpers

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private func lookingAt(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        return index + needle.count <= bytes.count && bytes[index..<index + needle.count].elementsEqual(needle)
    }

    private mutating func skipSpaces() {
        while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 }
    }

    private mutating func skipFirstNewline() {
        if lookingAt("\r\n") {
            index += 2
            line += 1
        } else if peek == 0x0A {
            index += 1
            line += 1
        }
    }

    private mutating func skipWhitespaceAndComments(newlines: Bool) {
        while let byte = peek {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                index += 1
            } else if byte == 0x0A && newlines {
                index += 1
                line += 1
            } else if byte == UInt8(ascii: "#") {
                while let next = peek, next != 0x0A { index += 1 }
            } else {
                return
            }
        }
    }

    private mutating func expectLineEnd() throws(TOMLError) {
        skipSpaces()
        if peek == UInt8(ascii: "#") {
            while let next = peek, next != 0x0A { index += 1 }
        }
        if consume(0x0D) {}
        guard let byte = peek else { return }
        guard byte == 0x0A else { throw error("unexpected '\(describe(byte))' after the value; one key = value per line") }
        index += 1
        line += 1
    }

    private func describe(_ byte: UInt8) -> String {
        byte < 0x80 ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private func error(_ message: String) -> TOMLError {
        TOMLError(line: line, message: message)
    }
}
