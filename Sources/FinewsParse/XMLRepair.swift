import Glibc

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
///   written as `&amp;`, so the text after it is kept as written;
/// - a character reference to a character XML forbids (`&#x1F;`, `&#xFFFE;`) is
///   dropped (a control character) or becomes U+FFFD, and `&#X41;` becomes
///   `&#x41;`: libxml2 reports either as an error, after which it would stop
///   expanding `&amp;` and `&lt;` for the rest of the document.
///
/// CDATA sections and comments are left alone (a `&` is literal there). When
/// nothing needs mending, the input is returned as it is, without a copy.
enum XMLRepair {
    static func repaired(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let mended: [UInt8]? = bytes.withUnsafeBufferPointer { buffer in
            var output: [UInt8]?
            var copied = 0
            /// Copies the clean bytes before `position` into the output, creating it on first use.
            func flush(upTo position: Int) {
                if output == nil {
                    output = []
                    output?.reserveCapacity(buffer.count + 256)
                }
                if position > copied {
                    output?.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<position]))
                }
                copied = position
            }
            var index = 0
            while let hit = nextCandidate(buffer, from: index) {
                let byte = buffer[hit]
                index = hit + 1
                switch byte {
                case UInt8(ascii: "!"):
                    // "<![CDATA[" or "<!--": skip to its end; only controls are mended there.
                    guard hit > 0, buffer[hit - 1] == UInt8(ascii: "<"),
                          let end = endOfLiteralSection(buffer, at: hit - 1) else { continue }
                    if containsForbiddenControl(buffer, from: hit, to: end) {
                        flush(upTo: hit)
                        for literal in buffer[hit..<end] { appendReplacingControl(literal, to: &output) }
                        copied = end
                    }
                    index = end
                case UInt8(ascii: "&"):
                    switch reference(buffer, at: hit) {
                    case .valid:
                        continue
                    case .bare:
                        flush(upTo: hit + 1)
                        output?.append(contentsOf: "amp;".utf8)
                    case .uppercaseHex:
                        // `&#X41;`: HTML's spelling, which XML does not accept.
                        flush(upTo: hit)
                        output?.append(contentsOf: "&#x".utf8)
                        copied = hit + 3
                        index = hit + 3
                    case .illegal(let end, let isControl):
                        // A reference to a character XML forbids: libxml2 would stop
                        // expanding references after it. A control character is
                        // dropped (it shows nothing); anything else reads U+FFFD.
                        flush(upTo: hit)
                        if !isControl { output?.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
                        copied = end
                        index = end
                    }
                case 0xEF:
                    guard hit + 2 < buffer.count, buffer[hit + 1] == 0xBF,
                          buffer[hit + 2] == 0xBE || buffer[hit + 2] == 0xBF else { continue }
                    flush(upTo: hit)
                    copied = hit + 3
                    index = hit + 3
                default:
                    guard isForbiddenControl(byte) else { continue }
                    flush(upTo: hit)
                    appendReplacingControl(byte, to: &output)
                    copied = hit + 1
                }
            }
            guard output != nil else { return nil }
            flush(upTo: buffer.count)
            return output
        }
        return mended.map { $0[...] } ?? bytes
    }

    /// The thorough pass, for a document that libxml2 found broken: every `<` that
    /// starts no markup is written as `&lt;`, as a lenient reader takes it for
    /// text. That is a `<` before a space, a digit, punctuation (`a < b`, `<3`,
    /// `<=`), and one before a non-ASCII name (`<草根网>` in a title): feeds name
    /// their elements in ASCII, and libxml2 would otherwise make every later entry
    /// part of that "element". A `]]>` outside CDATA becomes `]]&gt;`. CDATA
    /// sections, comments and processing instructions are left alone. Returns
    /// nil when nothing changes.
    static func escapingStrayMarkup(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { buffer -> [UInt8]? in
            guard buffer.baseAddress != nil else { return nil }
            var output: [UInt8]?
            var copied = 0
            var index = 0
            /// Writes `replacement` for `buffer[position..<position + length]`.
            func replace(at position: Int, length: Int, with replacement: StaticString) {
                if output == nil {
                    output = []
                    output?.reserveCapacity(buffer.count + 64)
                }
                output?.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<position]))
                output?.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                copied = position + length
            }
            while index < buffer.count {
                var open = index
                while open < buffer.count, buffer[open] != UInt8(ascii: "<"), buffer[open] != UInt8(ascii: "]") { open += 1 }
                guard open < buffer.count else { break }
                index = open + 1
                if buffer[open] == UInt8(ascii: "]") {
                    // `]]>` outside a CDATA section: the `>` is text.
                    if open + 2 < buffer.count, buffer[open + 1] == UInt8(ascii: "]"), buffer[open + 2] == UInt8(ascii: ">") {
                        replace(at: open + 2, length: 1, with: "&gt;")
                        index = open + 3
                    }
                    continue
                }
                guard open + 1 < buffer.count else { break }
                let next = buffer[open + 1]
                if next == UInt8(ascii: "!") {
                    if let end = endOfLiteralSection(buffer, at: open) { index = end }
                    continue
                }
                if next == UInt8(ascii: "?") {
                    index = find(Array("?>".utf8), in: buffer, from: open + 2)
                    continue
                }
                let nameStart = next == UInt8(ascii: "/") ? open + 2 : open + 1
                if nameStart < buffer.count, isASCIINameStart(buffer[nameStart]) { continue }
                replace(at: open, length: 1, with: "&lt;")
            }
            guard output != nil else { return nil }
            output?.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied...]))
            return output
        }
    }

    /// The bytes without the first `</name>` outside CDATA and comments, when
    /// markup follows it; nil when there is none. libxml2 stops at the end of the
    /// root element, and feeds written one after the other (or with items after
    /// `</rss>`) have more to read.
    static func removingFirstEndTag(_ name: String, from bytes: ArraySlice<UInt8>) -> [UInt8]? {
        let tag = Array("</\(name)".utf8)
        return bytes.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var index = 0
            while index < buffer.count {
                guard buffer[index] == UInt8(ascii: "<") else {
                    index += 1
                    continue
                }
                if let end = endOfLiteralSection(buffer, at: index) {
                    index = end
                    continue
                }
                guard index + tag.count <= buffer.count,
                      buffer[index..<index + tag.count].elementsEqual(tag) else {
                    index += 1
                    continue
                }
                var close = index + tag.count
                while close < buffer.count, isASCIIWhitespace(buffer[close]) { close += 1 }
                guard close < buffer.count, buffer[close] == UInt8(ascii: ">") else {
                    index += 1
                    continue
                }
                let after = buffer[(close + 1)...]
                guard after.contains(UInt8(ascii: "<")) else { return nil }
                var output = Array(buffer[..<index])
                output.append(contentsOf: after)
                return output
            }
            return nil
        }
    }

    private static func isASCIINameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":")
    }

    /// The index of the next byte at or after `start` that may need mending: a
    /// control character, '&', '!' (which may open CDATA or a comment) or 0xEF.
    /// Eight bytes at a time (SWAR); nil at the end.
    @inline(__always)
    private static func nextCandidate(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let count = buffer.count
        var index = start
        // Two words per round while sixteen bytes are left: one test for both.
        while index + 16 <= count {
            let first = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let second = UnsafeRawPointer(base + index + 8).loadUnaligned(as: UInt64.self)
            let firstMask = candidates(first)
            if firstMask | candidates(second) == 0 {
                index += 16
                continue
            }
            if firstMask != 0 { return index + firstMask.trailingZeroBitCount / 8 }
            index += 8
            break
        }
        while index + 8 <= count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let mask = candidates(word)
            if mask != 0 { return index + mask.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte == 0x26 || byte == 0x21 || byte == 0xEF { return index }
            index += 1
        }
        return nil
    }

    /// The stand-in for a forbidden control character: U+E000 + its value, in UTF-8.
    @inline(__always)
    private static func appendReplacingControl(_ byte: UInt8, to output: inout [UInt8]?) {
        if isForbiddenControl(byte) {
            output?.append(contentsOf: [0xEE, 0x80, 0x80 | byte])
        } else {
            output?.append(byte)
        }
    }

    /// Turns the stand-ins of ``repaired(_:)`` back into the control characters;
    /// nil when `utf8` has none (memchr finds their lead byte 0xEE, which is rare).
    static func restoredControls(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let base = utf8.baseAddress, let hit = memchr(base, 0xEE, utf8.count) else { return nil }
        let first = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
        var output = Array(UnsafeBufferPointer(rebasing: utf8[..<first]))
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

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether `buffer[start..<end]` holds a control character XML forbids, eight
    /// bytes at a time.
    private static func containsForbiddenControl(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard let base = buffer.baseAddress else { return false }
        @inline(__always) func below(_ word: UInt64) -> UInt64 {
            (word &- ones &* 0x20) & ~word & highs
        }
        var index = start
        while index < end {
            if index + 16 <= end {
                let first = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let second = UnsafeRawPointer(base + index + 8).loadUnaligned(as: UInt64.self)
                if below(first) | below(second) == 0 {
                    index += 16
                    continue
                }
            }
            if index + 8 <= end {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let mask = below(word)
                if mask == 0 {
                    index += 8
                    continue
                }
                index += mask.trailingZeroBitCount / 8
            }
            if isForbiddenControl(base[index]) { return true }
            index += 1
        }
        return false
    }

    /// A mask with the high bit set in (at least) the lowest byte of `word` that is
    /// below 0x20, '&', '!' or 0xEF (little-endian; borrows can only set bits above
    /// a real match, so the lowest set bit is exact), or 0 when there is none.
    @inline(__always)
    private static func candidates(_ word: UInt64) -> UInt64 {
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 {
            (value &- ones) & ~value & highs
        }
        let below = (word &- ones &* 0x20) & ~word & highs
        return below | zeroBytes(word ^ (ones &* 0x26)) | zeroBytes(word ^ (ones &* 0x21)) | zeroBytes(word ^ (ones &* 0xEF))
    }

    @inline(__always)
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D
    }

    /// For a `<` opening a CDATA section or a comment, the index just past its end
    /// (or the end of the text when it never closes).
    private static func endOfLiteralSection(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        // Both start with "<!"; most '<' open an ordinary tag and stop here.
        guard index + 4 <= buffer.count, buffer[index + 1] == UInt8(ascii: "!"), let base = buffer.baseAddress else {
            return nil
        }
        if index + cdataOpen.count <= buffer.count, memcmp(base + index, cdataOpen, cdataOpen.count) == 0 {
            return find(cdataClose, in: buffer, from: index + cdataOpen.count)
        }
        if memcmp(base + index, commentOpen, commentOpen.count) == 0 {
            return find(commentClose, in: buffer, from: index + commentOpen.count)
        }
        return nil
    }

    /// What the `&` at an index starts.
    private enum Reference {
        /// `&name;`, or a character reference XML accepts.
        case valid
        /// Nothing: a bare `&`.
        case bare
        /// `&#X…;`, valid but for the capital X.
        case uppercaseHex
        /// A character reference to a character XML forbids (a control character,
        /// a surrogate, U+FFFE, beyond U+10FFFF); `end` is just past its `;`.
        case illegal(end: Int, isControl: Bool)
    }

    /// Whether the `&` at `index` starts `&name;`, `&#123;` or `&#x1F;`, and
    /// whether a character reference names a character XML allows.
    private static func reference(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Reference {
        var cursor = index + 1
        let limit = min(buffer.count, index + 40)
        guard cursor < limit else { return .bare }
        if buffer[cursor] == UInt8(ascii: "#") {
            cursor += 1
            var hex = false
            var upper = false
            if cursor < limit, buffer[cursor] == UInt8(ascii: "x") || buffer[cursor] == UInt8(ascii: "X") {
                hex = true
                upper = buffer[cursor] == UInt8(ascii: "X")
                cursor += 1
            }
            let digitsStart = cursor
            var value: UInt32 = 0
            while cursor < limit, let digit = digitValue(buffer[cursor], hex: hex) {
                // Saturates: anything above U+10FFFF is equally out of range.
                value = min(value &* (hex ? 16 : 10) &+ digit, 0x11_0000)
                cursor += 1
            }
            guard cursor > digitsStart, cursor < limit, buffer[cursor] == UInt8(ascii: ";") else { return .bare }
            switch value {
            case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF:
                return upper ? .uppercaseHex : .valid
            default:
                return .illegal(end: cursor + 1, isControl: value < 0x20)
            }
        }
        guard isNameStart(buffer[cursor]) else { return .bare }
        cursor += 1
        while cursor < limit, isNameByte(buffer[cursor]) { cursor += 1 }
        return cursor < limit && buffer[cursor] == UInt8(ascii: ";") ? .valid : .bare
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x41...0x46 where hex: return UInt32(byte - 0x41 + 10)
        case 0x61...0x66 where hex: return UInt32(byte - 0x61 + 10)
        default: return nil
        }
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// The index just past `needle` at or after `start` (memchr finds each candidate
    /// first byte); the end of the buffer when it does not occur.
    private static func find(_ needle: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = buffer.baseAddress, let first = needle.first else { return buffer.count }
        var index = start
        while index + needle.count <= buffer.count {
            guard let hit = memchr(base + index, Int32(first), buffer.count - index) else { return buffer.count }
            let position = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
            guard position + needle.count <= buffer.count else { return buffer.count }
            if memcmp(base + position, needle, needle.count) == 0 { return position + needle.count }
            index = position + 1
        }
        return buffer.count
    }

    private static let cdataOpen = Array("<![CDATA[".utf8)
    private static let cdataClose = Array("]]>".utf8)
    private static let commentOpen = Array("<!--".utf8)
    private static let commentClose = Array("-->".utf8)
}
