import FinewsParse

/// The text two posts are compared by to find the same story republished by
/// another outlet: the post's text without markup, bylines, datelines, source and
/// editor lines, whitespace and punctuation, letters lowercased and full-width
/// forms folded. What an outlet adds to a wire story (`新华社北京3月2日电（记者 王某）`,
/// `By Jane Doe`, `（文章来源：漯河日报）`, `责任编辑：李四`) is gone, so only the
/// story's own words remain.
///
/// A story whose text is short (under ``shortText`` characters once normalized)
/// is compared by its title and text together: a one-line brief says too little
/// on its own.
public enum SimilarityText {
    /// Below this many characters of normalized text, the title is compared too.
    public static let shortText = 80

    /// The normalized text of a post: `title` is plain text, `bodyHTML` the
    /// sanitized body.
    public static func of(title: String, bodyHTML: String) -> [Unicode.Scalar] {
        let body = normalized(html: bodyHTML)
        guard body.count < shortText else { return body }
        var text: [Unicode.Scalar] = []
        appendFolded(Array(HTMLText.decodeEntities(title).unicodeScalars)[...], to: &text)
        return text + body
    }

    /// The normalized text of an HTML fragment. Each run of text between two tags
    /// is a block: a block that is a credit line is left out, credits in brackets
    /// are cut out of the others, and the dateline is cut from the first.
    public static func normalized(html: String) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(html.utf8.count / 2)
        var first = true
        // One pass (`Array(html.unicodeScalars)` counts the scalars first, then copies them).
        // A text has at most as many scalars as UTF-8 bytes.
        let scalars = [Unicode.Scalar](unsafeUninitializedCapacity: html.utf8.count) { buffer, count in
            for scalar in html.unicodeScalars {
                buffer.initializeElement(at: count, to: scalar)
                count += 1
            }
        }
        // A block is a range of `scalars`, not a copy of it.
        func flush(_ block: ArraySlice<Unicode.Scalar>, hasEntity: Bool) {
            guard !block.isEmpty else { return }
            var decoded: [Unicode.Scalar] = []
            if hasEntity {
                // Rare: most bodies spell their characters out.
                var text = ""
                text.unicodeScalars.append(contentsOf: block)
                decoded = Array(HTMLText.decodeEntities(text).unicodeScalars)
            }
            var trimmed = hasEntity ? decoded[...] : block
            while let head = trimmed.first, isSpace(head) { trimmed.removeFirst() }
            while let tail = trimmed.last, isSpace(tail) { trimmed.removeLast() }
            guard !trimmed.isEmpty, !isCreditLine(trimmed) else { return }
            var kept = withoutBracketedCredits(trimmed)
            if first {
                kept = withoutDateline(kept)
                first = false
            }
            appendFolded(withoutTrailingSource(kept), to: &output)
        }
        var blockStart = 0
        var hasEntity = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "<", index + 1 < scalars.count, startsTag(scalars[index + 1]),
               let close = scalars[(index + 1)...].firstIndex(of: ">") {
                flush(scalars[blockStart..<index], hasEntity: hasEntity)
                hasEntity = false
                index = close + 1
                blockStart = index
                continue
            }
            if scalar == "&" { hasEntity = true }
            index += 1
        }
        flush(scalars[blockStart..<scalars.count], hasEntity: hasEntity)
        return output
    }

    @inline(__always)
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D) : scalar.properties.isWhitespace
    }

    private static func startsTag(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "/" || scalar == "!" || scalar == "?" || (scalar.isASCII && scalar.properties.isAlphabetic)
    }

    // MARK: Credits

    /// Words that start a block made only of a credit: a byline, a source, an editor.
    private static let creditStarts: [[Unicode.Scalar]] = [
        "by ", "source:", "source：", "reporting by", "editing by", "writing by", "photo:", "image:",
        "来源", "文章来源", "本文来源", "稿件来源", "消息来源", "图片来源", "责任编辑", "编辑", "责编", "审核", "校对",
        "记者", "通讯员", "作者", "撰文", "摄影", "原标题", "本报记者", "特约记者",
    ].map { Array($0.unicodeScalars) }

    /// Words that make a short bracketed aside a credit: `（记者 王某）`, `(Reuters)`.
    private static let creditWords: [[Unicode.Scalar]] = [
        "来源", "记者", "编辑", "通讯员", "作者", "摄", "供图", "电", "报道",
        "source", "reporting", "editing", "reuters", "xinhua", "afp", "ap", "staff",
    ].map { Array($0.unicodeScalars) }

    /// Words after which the rest of a block is a source or editor line.
    private static let tailMarkers: [[Unicode.Scalar]] = [
        "来源：", "来源:", "责任编辑", "编辑：", "编辑:", "责编", "source:",
    ].map { Array($0.unicodeScalars) }

    private static let openBrackets: [Unicode.Scalar] = ["(", "（", "[", "【", "〔", "［"]
    private static let closeBrackets: [Unicode.Scalar] = [")", "）", "]", "】", "〕", "］"]

    /// A credit line: short, and starting (after an opening bracket) with a credit word.
    static func isCreditLine(_ block: ArraySlice<Unicode.Scalar>) -> Bool {
        guard block.count <= 60 else { return false }
        var rest = block
        while let head = rest.first, openBrackets.contains(head) || head.properties.isWhitespace { rest.removeFirst() }
        return creditStarts.contains { startsWith(rest, $0) }
    }

    /// The block without bracketed asides of at most 40 characters that hold a credit word.
    static func withoutBracketedCredits(_ block: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        // Most blocks have no bracket at all: they are returned as they are, not copied.
        guard block.contains(where: isOpenBracket) else { return block }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(block.count)
        var index = block.startIndex
        while index < block.endIndex {
            let scalar = block[index]
            if isOpenBracket(scalar) {
                let limit = min(block.endIndex, index + 42)
                if let close = block[(index + 1)..<limit].firstIndex(where: { closeBrackets.contains($0) }) {
                    let inside = block[(index + 1)..<close]
                    if creditWords.contains(where: { contains(inside, $0) }) {
                        index = close + 1
                        continue
                    }
                }
            }
            output.append(scalar)
            index += 1
        }
        return output[...]
    }

    @inline(__always)
    private static func isOpenBracket(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x28, 0x5B, 0xFF08, 0x3010, 0x3014, 0xFF3B: true  // ( [ （ 【 〔 ［
        default: false
        }
    }

    /// The first block without its dateline: the text up to `日电`, `电` after an
    /// agency, or `讯` (`本报讯`), when it ends within the first 30 characters.
    static func withoutDateline(_ block: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        let window = block.prefix(30)
        var cut: Int?
        for index in window.indices {
            let scalar = window[index]
            if scalar == "电", index > window.startIndex, ["日", "社", "网"].contains(window[index - 1]) {
                cut = index + 1
            } else if scalar == "讯", index > window.startIndex, ["报", "网", "台"].contains(window[index - 1]) {
                cut = index + 1
            }
            if cut != nil { break }
        }
        guard let cut else { return block }
        return block[cut...]
    }

    /// The block without a source or editor line at its end (at most 30 characters
    /// after the marker).
    static func withoutTrailingSource(_ block: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var block = block
        var searching = true
        while searching {
            searching = false
            let start = max(block.startIndex, block.endIndex - 40)
            for index in start..<block.endIndex {
                // Every marker starts with one of these.
                let head = lowered(block[index])
                guard head == "来" || head == "责" || head == "编" || head == "s",
                      tailMarkers.contains(where: { startsWith(block[index...], $0) }) else { continue }
                if block.endIndex - index <= 36 {
                    block = block[..<index]
                    while let last = block.last, openBrackets.contains(last) || last.properties.isWhitespace {
                        block.removeLast()
                    }
                    searching = true
                }
                break
            }
        }
        return block
    }

    // MARK: Folding

    /// Appends the letters and digits of `text`: ASCII lowercased, full-width
    /// ASCII forms folded to ASCII, everything else (spaces, punctuation) dropped.
    static func appendFolded(_ text: ArraySlice<Unicode.Scalar>, to output: inout [Unicode.Scalar]) {
        guard !text.isEmpty else { return }
        // Written into the array's spare room, not appended one by one.
        let folded = [Unicode.Scalar](unsafeUninitializedCapacity: text.count) { buffer, count in
            for scalar in text {
                guard let value = fold(scalar) else { continue }
                buffer.initializeElement(at: count, to: value)
                count += 1
            }
        }
        output.append(contentsOf: folded)
    }

    @inline(__always)
    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        var value = scalar.value
        if value >= 0xFF01 && value <= 0xFF5E { value -= 0xFEE0 }
        if value < 0x80 {
            if value >= 0x41 && value <= 0x5A { value += 0x20 }
            let isWord = (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A)
            return isWord ? Unicode.Scalar(value) : nil
        }
        // CJK ideographs, the bulk of Chinese text, are letters; CJK punctuation is not.
        if value >= 0x4E00 && value <= 0x9FFF { return scalar }
        if value >= 0x3000 && value <= 0x303F && value != 0x3007 { return nil }
        let properties = scalar.properties
        guard properties.isAlphabetic || properties.numericType != nil else { return nil }
        return scalar
    }

    /// Whether `text` starts with `prefix`, ASCII letters compared without case.
    private static func startsWith(_ text: ArraySlice<Unicode.Scalar>, _ prefix: [Unicode.Scalar]) -> Bool {
        guard text.count >= prefix.count else { return false }
        return zip(text, prefix).allSatisfy { lowered($0) == $1 }
    }

    private static func contains(_ text: ArraySlice<Unicode.Scalar>, _ word: [Unicode.Scalar]) -> Bool {
        guard text.count >= word.count, let head = word.first else { return false }
        var index = text.startIndex
        while index + word.count <= text.endIndex {
            if lowered(text[index]) == head, startsWith(text[index...], word) {
                // A Latin word must stand alone (`ap` is not part of `rapid`).
                let isLatin = head.isASCII
                let before = index > text.startIndex ? text[index - 1] : " "
                let afterIndex = index + word.count
                let after = afterIndex < text.endIndex ? text[afterIndex] : " "
                if !isLatin || (!isASCIILetter(before) && !isASCIILetter(after)) { return true }
            }
            index += 1
        }
        return false
    }

    @inline(__always)
    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        let value = lowered(scalar).value
        return value >= 0x61 && value <= 0x7A
    }

    @inline(__always)
    private static func lowered(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 0x20) ?? scalar : scalar
    }
}
