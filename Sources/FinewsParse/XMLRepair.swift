/// Mends the two faults that make libxml2 lose text in otherwise readable feeds,
/// in one pass over the UTF-8 bytes before parsing:
///
/// - control characters that XML forbids (everything below U+0020 except tab,
///   line feed and carriage return) would make libxml2 abandon the CDATA section
///   or text they appear in. Each is carried through the parse as a private-use
///   stand-in (U+E000 plus its value) and turned back by ``restoredControls(_:)``,
///   so the parser reports the text as the publisher wrote it; finews drops them
///   before publishing. U+FFFE and U+FFFF are dropped outright;
/// - a bare `&` that starts no entity or character reference (`?a=1&b=2`) is
///   written as `&amp;`, so the text after it is kept as written.
///
/// CDATA sections and comments are left alone (a `&` is literal there). When
/// nothing needs mending, the input is returned as it is, without a copy.
enum XMLRepair {
    static func repaired(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = firstFault(in: bytes) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        output.append(contentsOf: bytes[bytes.startIndex..<first])
        var index = first
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "<"):
                if let skipEnd = endOfLiteralSection(bytes, at: index) {
                    for literal in bytes[index..<skipEnd] { appendReplacingControl(literal, to: &output) }
                    index = skipEnd
                    continue
                }
                output.append(byte)
            case UInt8(ascii: "&"):
                output.append(byte)
                if !startsReference(bytes, at: index) { output.append(contentsOf: "amp;".utf8) }
            case 0xEF where index + 2 < end && bytes[index + 1] == 0xBF && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
                index += 3
                continue
            default:
                appendReplacingControl(byte, to: &output)
            }
            index += 1
        }
        return output[...]
    }

    /// The stand-in for a forbidden control character: U+E000 + its value, in UTF-8.
    @inline(__always)
    private static func appendReplacingControl(_ byte: UInt8, to output: inout [UInt8]) {
        if isForbiddenControl(byte) {
            output.append(contentsOf: [0xEE, 0x80, 0x80 | byte])
        } else {
            output.append(byte)
        }
    }

    /// Turns the stand-ins of ``repaired(_:)`` back into the control characters.
    static func restoredControls(_ utf8: [UInt8]) -> [UInt8] {
        guard let first = utf8.firstIndex(of: 0xEE) else { return utf8 }
        var output = Array(utf8[..<first])
        output.reserveCapacity(utf8.count)
        var index = first
        while index < utf8.count {
            let byte = utf8[index]
            if byte == 0xEE, index + 2 < utf8.count, utf8[index + 1] == 0x80, utf8[index + 2] & 0xE0 == 0x80 {
                output.append(utf8[index + 2] & 0x1F)
                index += 3
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// The index of the first byte that needs mending, or nil.
    private static func firstFault(in bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte < 0x20 {
                if isForbiddenControl(byte) { return index }
            } else if byte == UInt8(ascii: "&") {
                if !startsReference(bytes, at: index) { return index }
            } else if byte == UInt8(ascii: "<") {
                if let skipEnd = endOfLiteralSection(bytes, at: index) {
                    if bytes[index..<skipEnd].contains(where: isForbiddenControl) { return index }
                    index = skipEnd
                    continue
                }
            } else if byte == 0xEF, index + 2 < end, bytes[index + 1] == 0xBF,
                      bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF {
                return index
            }
            index += 1
        }
        return nil
    }

    @inline(__always)
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D
    }

    /// For a `<` opening a CDATA section or a comment, the index just past its end.
    private static func endOfLiteralSection(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int? {
        let rest = bytes[index...]
        if rest.starts(with: cdataOpen) { return find(cdataClose, in: bytes, from: index + cdataOpen.count) }
        if rest.starts(with: commentOpen) { return find(commentClose, in: bytes, from: index + commentOpen.count) }
        return nil
    }

    /// Whether the `&` at `index` starts `&name;`, `&#123;` or `&#x1F;`.
    private static func startsReference(_ bytes: ArraySlice<UInt8>, at index: Int) -> Bool {
        var cursor = index + 1
        let limit = min(bytes.endIndex, index + 40)
        guard cursor < limit else { return false }
        if bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            var hex = false
            if cursor < limit, bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X") {
                hex = true
                cursor += 1
            }
            let digitsStart = cursor
            while cursor < limit, isDigit(bytes[cursor], hex: hex) { cursor += 1 }
            return cursor > digitsStart && cursor < limit && bytes[cursor] == UInt8(ascii: ";")
        }
        guard isNameStart(bytes[cursor]) else { return false }
        cursor += 1
        while cursor < limit, isNameByte(bytes[cursor]) { cursor += 1 }
        return cursor < limit && bytes[cursor] == UInt8(ascii: ";")
    }

    private static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
        (byte >= 0x30 && byte <= 0x39)
            || (hex && ((byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)))
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first else { return nil }
        var index = start
        while index + needle.count <= bytes.endIndex {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) {
                return index + needle.count
            }
            index += 1
        }
        return nil
    }

    private static let cdataOpen = Array("<![CDATA[".utf8)
    private static let cdataClose = Array("]]>".utf8)
    private static let commentOpen = Array("<!--".utf8)
    private static let commentClose = Array("-->".utf8)
}
