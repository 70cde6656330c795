import Glibc

/// Finds a document's character encoding and converts its bytes to UTF-8.
///
/// The order follows what browsers and feed readers do: a byte-order mark wins,
/// then the XML declaration, then the charset the server sent, then a check of
/// whether the bytes are valid UTF-8 (windows-1252 otherwise). Labels are
/// normalized so that the common aliases (`gb2312`, `gbk`, `latin1`, ...) are read
/// with the superset encoding publishers actually use.
enum TextEncoding {
    /// The result of decoding: UTF-8 bytes without a BOM, and the label used.
    struct Decoded {
        var utf8: [UInt8]
        var label: String
        /// The bytes are taken to be UTF-8 without having been checked (see
        /// `decode(_:httpCharset:trustingUTF8:)`).
        var unverified = false
    }

    /// Decodes `bytes` to UTF-8; invalid sequences become U+FFFD, never an error,
    /// unless the encoding itself is unknown to the system's converter.
    /// - Parameter trustingUTF8: a document that declares UTF-8 (or nothing) is
    ///   passed on without the validity check; libxml2 checks it while parsing, and
    ///   the caller decodes again without trust when libxml2 reports an encoding error.
    static func decode(_ bytes: [UInt8], httpCharset: String?, trustingUTF8: Bool = false) throws(FeedParseError) -> Decoded {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            if trustingUTF8 { return Decoded(utf8: Array(bytes[3...]), label: "utf-8", unverified: true) }
            return Decoded(utf8: repairedUTF8(bytes[3...]), label: "utf-8")
        }
        if let form = unicodeForm(bytes[...]) {
            return Decoded(utf8: try convert(bytes[form.bomLength...], from: form.label), label: form.label)
        }
        if let ebcdic = ebcdicLabel(bytes) {
            return Decoded(utf8: try convert(bytes[...], from: ebcdic), label: ebcdic)
        }
        var label = declaredEncoding(bytes).map(normalizedLabel)
        if label == nil, let httpCharset { label = normalizedLabel(httpCharset) }
        switch label {
        case nil, "utf-8":
            if trustingUTF8 { return Decoded(utf8: bytes, label: "utf-8", unverified: true) }
            if isValidUTF8(bytes[...]) { return Decoded(utf8: bytes, label: "utf-8") }
            if label == "utf-8" { return Decoded(utf8: repairedUTF8(bytes[...]), label: "utf-8") }
            return Decoded(utf8: try convert(bytes[...], from: "windows-1252"), label: "windows-1252")
        case "shift_jis"?:
            // Microsoft's table (CP932) reads every Shift_JIS byte sequence in use,
            // but maps six JIS X 0208 characters to other code points (a fullwidth
            // tilde for the wave dash, ...). Read with CP932, then map those back.
            let decoded = try convert(bytes[...], from: "cp932")
            return Decoded(utf8: jisMapped(decoded), label: "shift_jis")
        case let label?:
            do {
                return Decoded(utf8: try convert(bytes[...], from: label), label: label)
            } catch {
                // A label the converter does not know is read as browsers read one:
                // not at all. Valid UTF-8 is taken as it is (publishers mislabel
                // often), anything else as windows-1252, as with no label. The feed's
                // markup and ASCII text survive; refusing it would lose every story.
                if isValidUTF8(bytes[...]) { return Decoded(utf8: bytes, label: "utf-8") }
                return Decoded(utf8: try convert(bytes[...], from: "windows-1252"), label: "windows-1252")
            }
        }
    }

    /// UTF-16 or UTF-32, in either byte order, told by a byte-order mark or, without
    /// one, by the zero bytes around the first characters (XML 1.0 Appendix F: a
    /// document starts with `<` or whitespace, both ASCII). nil for every
    /// ASCII-compatible encoding.
    static func unicodeForm(_ bytes: ArraySlice<UInt8>) -> (label: String, bomLength: Int)? {
        guard bytes.count >= 2 else { return nil }
        let start = bytes.startIndex
        let b0 = bytes[start], b1 = bytes[start + 1]
        if bytes.count >= 4 {
            let b2 = bytes[start + 2], b3 = bytes[start + 3]
            if b0 == 0x00, b1 == 0x00, b2 == 0xFE, b3 == 0xFF { return ("utf-32be", 4) }
            if b0 == 0xFF, b1 == 0xFE, b2 == 0x00, b3 == 0x00 { return ("utf-32le", 4) }
            if b0 == 0xFE, b1 == 0xFF { return ("utf-16be", 2) }
            if b0 == 0xFF, b1 == 0xFE { return ("utf-16le", 2) }
            if b0 == 0x00, b1 == 0x00, b2 == 0x00, b3 != 0x00, b3 < 0x80 { return ("utf-32be", 0) }
            if b0 != 0x00, b0 < 0x80, b1 == 0x00, b2 == 0x00, b3 == 0x00 { return ("utf-32le", 0) }
            if b0 == 0x00, b1 != 0x00, b1 < 0x80, b2 == 0x00, b3 != 0x00, b3 < 0x80 { return ("utf-16be", 0) }
            if b0 != 0x00, b0 < 0x80, b1 == 0x00, b2 != 0x00, b2 < 0x80, b3 == 0x00 { return ("utf-16le", 0) }
            return nil
        }
        if b0 == 0xFE, b1 == 0xFF { return ("utf-16be", 2) }
        if b0 == 0xFF, b1 == 0xFE { return ("utf-16le", 2) }
        return nil
    }

    /// Replaces CP932's mappings of six JIS X 0208 characters by the standard ones,
    /// on the UTF-8 bytes (all six are three-byte sequences starting 0xE2 or 0xEF).
    /// The bytes between replacements are copied in runs.
    static func jisMapped(_ utf8: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        utf8.withUnsafeBufferPointer { bytes in
            var copied = 0
            var index = 0
            while index + 2 < bytes.count {
                let byte = bytes[index]
                if byte == 0xE2 || byte == 0xEF,
                   let match = jisReplacements.first(where: {
                       $0.from.0 == byte && $0.from.1 == bytes[index + 1] && $0.from.2 == bytes[index + 2]
                   }) {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                    output.append(contentsOf: match.to)
                    index += 3
                    copied = index
                    continue
                }
                index += 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        }
        return output
    }

    private static let jisReplacements: [(from: (UInt8, UInt8, UInt8), to: [UInt8])] = [
        ((0xEF, 0xBD, 0x9E), [0xE3, 0x80, 0x9C]),  // U+FF5E → U+301C wave dash
        ((0xEF, 0xBC, 0x8D), [0xE2, 0x88, 0x92]),  // U+FF0D → U+2212 minus sign
        ((0xE2, 0x88, 0xA5), [0xE2, 0x80, 0x96]),  // U+2225 → U+2016 double vertical line
        ((0xEF, 0xBF, 0xA0), [0xC2, 0xA2]),        // U+FFE0 → U+00A2 cent sign
        ((0xEF, 0xBF, 0xA1), [0xC2, 0xA3]),        // U+FFE1 → U+00A3 pound sign
        ((0xEF, 0xBF, 0xA2), [0xC2, 0xAC]),        // U+FFE2 → U+00AC not sign
    ]

    /// The `encoding="..."` of an XML declaration at the start of the document, if any.
    /// Leading whitespace and junk before the declaration are tolerated.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        let window = bytes.prefix(1024)
        guard let start = firstIndex(of: Array("<?xml".utf8), in: window) else { return nil }
        guard let end = firstIndex(of: Array("?>".utf8), in: window[start...]) else { return nil }
        let declaration = window[start..<end]
        guard let key = firstIndex(of: Array("encoding".utf8), in: declaration) else { return nil }
        var index = key + 8
        while index < end, declaration[index] == 0x20 || declaration[index] == 0x3D || declaration[index] == 0x09 {
            index += 1
        }
        guard index < end, declaration[index] == 0x22 || declaration[index] == 0x27 else { return nil }
        let quote = declaration[index]
        let valueStart = index + 1
        guard let valueEnd = declaration[valueStart...].firstIndex(of: quote) else { return nil }
        let value = String(decoding: declaration[valueStart..<valueEnd], as: UTF8.self)
        return value.isEmpty ? nil : value
    }

    /// Maps an encoding label to the name of the encoding actually used to read it.
    ///
    /// Labels are compared without case, and with `_` and `-` alike: `windows_1251`,
    /// `Shift-JIS` and `ks_c_5601-1987` are written both ways in the wild (Python's
    /// codec names use underscores). Besides the supersets publishers mean, the
    /// table names the aliases that Python's codecs and IANA's registry accept but
    /// the C library's converter does not (`macroman`, `cp_is`, `ms-cyrl`, ...),
    /// where the converter's table matches Python's byte for byte (its Mac
    /// Icelandic table does not, so that label is left unknown).
    static func normalizedLabel(_ raw: String) -> String {
        let label = String(raw.trimmingASCIIWhitespace().lowercased().map { $0 == "_" ? "-" : $0 })
        switch label {
        case "utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8", "u8", "utf", "cp65001": return "utf-8"
        case "gb2312", "gbk", "x-gbk", "cp936", "gb-2312-80", "euc-cn", "csgb2312", "gb18030", "windows-936",
             "chinese", "csiso58gb231280", "iso-ir-58", "ms936", "936":
            return "gb18030"
        // Latin-1 is decoded byte for byte; the parser then reads the C1 controls
        // this leaves (0x80–0x9F) as the windows-1252 characters publishers meant,
        // after undoing double encoding (see DoubleEncoding).
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "iso-ir-100", "cp819",
             "ibm819", "csisolatin1", "8859", "iso8859":
            return "iso-8859-1"
        case "cp1252", "windows-1252", "x-cp1252": return "windows-1252"
        case "big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "cp950", "big5-hkscs", "big5hkscs", "ms950":
            return "big5-hkscs"
        case "shift-jis", "sjis", "x-sjis", "ms-kanji", "csshiftjis", "s-jis", "shiftjis": return "shift_jis"
        case "windows-31j", "cp932", "ms932", "mskanji": return "cp932"
        case "tis-620", "tis620", "iso-8859-11", "windows-874", "cp874", "thai": return "cp874"
        case "euc-kr", "ks-c-5601-1987", "cp949", "windows-949", "uhc", "ks-c-5601", "ksc5601", "korean":
            return "cp949"
        case "x-mac-cyrillic", "maccyrillic", "mac-cyrillic": return "maccyrillic"
        case "macroman", "mac-roman", "x-mac-roman", "macintosh", "mac", "csmacintosh": return "macintosh"
        case "maclatin2", "maccentraleurope", "mac-centraleurope", "x-mac-ce", "x-mac-centraleurope":
            return "mac-centraleurope"
        case "ms-cyrl", "cp1251", "windows-1251", "x-cp1251": return "windows-1251"
        case "cp-is", "cp861", "ibm861", "861", "csibm861": return "cp861"
        case "cp037", "ibm037", "ibm039", "csibm037", "ebcdic-cp-us", "ebcdic-cp-ca", "ebcdic-cp-wt",
             "ebcdic-cp-nl", "037":
            return "ibm037"
        case "cp500", "ibm500", "csibm500", "ebcdic-cp-be", "ebcdic-cp-ch", "500": return "ibm500"
        case "cp1140", "ibm1140", "1140": return "ibm1140"
        case "tcvn", "tcvn-5712", "tcvn5712-1", "tcvn5712-1:1993": return "tcvn5712-1"
        case "utf-16": return "utf-16"
        default: return label
        }
    }

    /// The label of an EBCDIC document (XML 1.0 Appendix F: it starts with `<?xm` as
    /// 4C 6F A7 94): the declaration's, read through code page 037 (what a
    /// declaration holds, letters, digits and `<?="'-_.`, is the same in every EBCDIC
    /// code page), or IBM037.
    static func ebcdicLabel(_ bytes: [UInt8]) -> String? {
        guard bytes.starts(with: [0x4C, 0x6F, 0xA7, 0x94]) else { return nil }
        let head = Array(bytes.prefix(256))
        guard let ascii = try? convert(head[...], from: "ibm037"),
              let declared = declaredEncoding(ascii)
        else { return "ibm037" }
        return normalizedLabel(declared)
    }

    /// Whether the bytes are well-formed UTF-8 (no overlong forms, no surrogates,
    /// nothing above U+10FFFF). Runs of ASCII are checked eight bytes at a time.
    static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return true }
            let count = buffer.count
            var index = 0
            while index < count {
                // Fast path: eight ASCII bytes at once.
                if index + 8 <= count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        index += 8
                        continue
                    }
                }
                let lead = base[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                var lower: UInt8 = 0x80
                var upper: UInt8 = 0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; lower = 0xA0
                case 0xE1...0xEC, 0xEE, 0xEF: length = 3
                case 0xED: length = 3; upper = 0x9F
                case 0xF0: length = 4; lower = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; upper = 0x8F
                default: return false
                }
                guard index + length <= count else { return false }
                let second = base[index + 1]
                guard second >= lower, second <= upper else { return false }
                var offset = 2
                while offset < length {
                    guard base[index + offset] & 0xC0 == 0x80 else { return false }
                    offset += 1
                }
                index += length
            }
            return true
        }
    }

    private static func repairedUTF8(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        if isValidUTF8(bytes) { return Array(bytes) }
        return Array(String(decoding: bytes, as: UTF8.self).utf8)
    }

    /// Converts with the C library's iconv. An invalid byte becomes U+FFFD and
    /// conversion goes on after it, so one bad byte never costs the whole feed.
    static func convert(_ bytes: ArraySlice<UInt8>, from label: String) throws(FeedParseError) -> [UInt8] {
        let converter = iconv_open("UTF-8", label.uppercased())
        guard let converter, converter != iconv_t(bitPattern: -1) else {
            throw FeedParseError(.unsupportedEncoding, "unknown character encoding '\(label)'")
        }
        defer { iconv_close(converter) }
        let supplementsBig5 = label == "big5-hkscs"
        // No input byte becomes more than three UTF-8 bytes (a replacement character
        // for an undecodable byte included), so one uninitialized buffer suffices.
        let capacity = bytes.count * 3 + 16
        return bytes.withUnsafeBufferPointer { inputBuffer in
            [UInt8](unsafeUninitializedCapacity: capacity) { outputBuffer, initializedCount in
                guard let outputBase = outputBuffer.baseAddress else { return }
                // iconv takes `char **` for its input but never writes through it.
                var inPointer: UnsafeMutablePointer<CChar>? = inputBuffer.baseAddress.map {
                    UnsafeMutableRawPointer(mutating: $0).assumingMemoryBound(to: CChar.self)
                }
                var inLeft = inputBuffer.count
                var written = 0
                while inLeft > 0 {
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBase + written)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = capacity - written
                    let before = outLeft
                    let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    written += before - outLeft
                    if status != -1 { break }
                    guard errno == EILSEQ || errno == EINVAL, capacity - written >= 3 else { break }
                    if supplementsBig5, inLeft >= 2, let position = inPointer,
                       let scalar = big5Supplement(UInt8(bitPattern: position[0]), UInt8(bitPattern: position[1])) {
                        // A pair the system's table lacks but the encoding defines.
                        for byte in String(Character(scalar)).utf8 {
                            outputBase[written] = byte
                            written += 1
                        }
                        inPointer = position + 2
                        inLeft -= 2
                        continue
                    }
                    // Skip one undecodable byte (or a truncated sequence at the end).
                    outputBase[written] = 0xEF
                    outputBase[written + 1] = 0xBF
                    outputBase[written + 2] = 0xBD
                    written += 3
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                }
                initializedCount = written
            }
        }
    }

    /// Big5 pairs that glibc's BIG5-HKSCS table leaves out although Big5 (and
    /// Microsoft's CP950, and HKSCS itself, as Python's `big5hkscs` and `cp950`
    /// codecs read them) define them: the full-width solidus and reverse solidus,
    /// overline, modifier low macron, box-drawing light left, the numerals 10 and
    /// 30, the euro sign. Without them each became U+FFFD and its second byte was
    /// read as the first of the next pair, garbling the character after it.
    private static func big5Supplement(_ lead: UInt8, _ trail: UInt8) -> Unicode.Scalar? {
        switch (lead, trail) {
        case (0xA1, 0x5A): Unicode.Scalar(0x2574)
        case (0xA1, 0xC3): Unicode.Scalar(0xFFE3)
        case (0xA1, 0xC5): Unicode.Scalar(0x02CD)
        case (0xA1, 0xFE): Unicode.Scalar(0xFF0F)
        case (0xA2, 0x40): Unicode.Scalar(0xFF3C)
        case (0xA2, 0xCC): Unicode.Scalar(0x5341)
        case (0xA2, 0xCE): Unicode.Scalar(0x5345)
        case (0xA3, 0xE1): Unicode.Scalar(0x20AC)
        default: nil
        }
    }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace (space, tab, CR, LF, FF).
    func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { !isASCIIWhitespace($0) }) else { return "" }
        guard let last = utf8.lastIndex(where: { !isASCIIWhitespace($0) }) else { return "" }
        return String(self[first...last])
    }
}

@inline(__always)
func isASCIIWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C
}
