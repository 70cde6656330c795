/// Trimming by Foundation's `CharacterSet.whitespaces` and
/// `CharacterSet.whitespacesAndNewlines`, done on a String's UTF-8 bytes.
///
/// `trimmingCharacters(in:)` bridges to `NSString` and walks UTF-16 code units;
/// on a post's body (kilobytes of Chinese text) that was a quarter of a cold
/// refresh. Both sets are small and fixed, so the bytes at each end are enough:
/// the result is the same String, and a text with nothing to trim is returned
/// as it is, without a copy. `UnicodeWhitespaceTests` checks the sets against
/// Foundation's for every scalar.
enum UnicodeWhitespace {
    /// `text` without the scalars of `.whitespaces` (or `.whitespacesAndNewlines`
    /// when `newlines` is true) at either end.
    static func trimmed(_ text: String, newlines: Bool) -> String {
        var text = text
        let kept = text.withUTF8 { utf8 -> Range<Int>? in
            var start = 0
            var end = utf8.count
            while start < end {
                let width = leadingWidth(utf8, from: start, to: end, newlines: newlines)
                if width == 0 { break }
                start += width
            }
            while start < end {
                let width = trailingWidth(utf8, from: start, to: end, newlines: newlines)
                if width == 0 { break }
                end -= width
            }
            return start == 0 && end == utf8.count ? nil : start..<end
        }
        guard let kept else { return text }
        return text.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[kept]), as: UTF8.self) }
    }

    /// Whether `scalar` is in `.whitespacesAndNewlines` (or `.whitespaces` when
    /// `newlines` is false).
    static func contains(_ scalar: Unicode.Scalar, newlines: Bool) -> Bool {
        switch scalar.value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: newlines
        default: false
        }
    }

    /// The byte length of the set's scalar that starts at `start`, or 0.
    @inline(__always)
    private static func leadingWidth(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, newlines: Bool
    ) -> Int {
        let byte = utf8[start]
        if byte < 0x80 { return isASCIIMember(byte, newlines: newlines) ? 1 : 0 }
        let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        guard start + width <= end else { return 0 }
        return isMember(utf8, at: start, width: width, newlines: newlines) ? width : 0
    }

    /// The byte length of the set's scalar that ends just before `end`, or 0.
    @inline(__always)
    private static func trailingWidth(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, newlines: Bool
    ) -> Int {
        let last = utf8[end - 1]
        if last < 0x80 { return isASCIIMember(last, newlines: newlines) ? 1 : 0 }
        // Every non-ASCII member is two or three bytes long.
        for width in 2...3 where end - width >= start {
            let lead = utf8[end - width]
            if lead & 0xC0 == 0x80 { continue }
            return isMember(utf8, at: end - width, width: width, newlines: newlines) ? width : 0
        }
        return 0
    }

    @inline(__always)
    private static func isASCIIMember(_ byte: UInt8, newlines: Bool) -> Bool {
        byte == 0x20 || byte == 0x09 || (newlines && byte >= 0x0A && byte <= 0x0D)
    }

    /// Whether the `width` bytes at `index` (one whole scalar) are a member.
    @inline(__always)
    private static func isMember(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int, width: Int, newlines: Bool) -> Bool {
        let lead = utf8[index]
        switch (width, lead) {
        case (2, 0xC2):  // U+0085, U+00A0
            let second = utf8[index + 1]
            return second == 0xA0 || (newlines && second == 0x85)
        case (3, 0xE1):  // U+1680
            return utf8[index + 1] == 0x9A && utf8[index + 2] == 0x80
        case (3, 0xE2):  // U+2000–U+200B, U+2028, U+2029, U+202F, U+205F
            let second = utf8[index + 1], third = utf8[index + 2]
            if second == 0x80 {
                return third <= 0x8B || third == 0xAF || (newlines && (third == 0xA8 || third == 0xA9))
            }
            return second == 0x81 && third == 0x9F
        case (3, 0xE3):  // U+3000
            return utf8[index + 1] == 0x80 && utf8[index + 2] == 0x80
        default:
            return false
        }
    }
}
