import Foundation
public import FinewsParse

/// The deduplication key of a story (DESIGN.md §2): the same story has the same
/// infoCode in every feed and every cycle, and a post file is named after it.
///
/// Every infoCode is safe as part of a file name: it only ever holds
/// `[A-Za-z0-9_-]`, at most 64 characters.
public struct InfoCode: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The code itself.
    public let value: String

    /// Wraps `value` if it is a valid infoCode (`[A-Za-z0-9_-]{1,64}`).
    public init?(_ value: String) {
        guard Self.isValid(value) else { return nil }
        self.value = value
    }

    private init(unchecked value: String) {
        self.value = value
    }

    public var description: String { value }

    public static func < (lhs: InfoCode, rhs: InfoCode) -> Bool { lhs.value < rhs.value }

    /// Whether `text` may be used as an infoCode.
    public static func isValid(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Rule 1: the value of an `infoCode` query parameter (name matched without regard
    /// to case) in `url`, when it is a valid infoCode.
    public static func fromQueryParameter(in url: String) -> InfoCode? {
        var url = url
        // Links are ASCII almost always; then each byte is a character and the
        // bytes can be searched without making Substrings.
        if url.withUTF8({ $0.allSatisfy { $0 < 0x80 } }) { return url.withUTF8(fromASCIIQuery) }
        guard let question = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            guard pair[..<equals].lowercased() == "infocode" else { continue }
            if let code = InfoCode(String(pair[pair.index(after: equals)...])) { return code }
        }
        return nil
    }

    /// ``fromQueryParameter(in:)`` for an ASCII link, on its bytes.
    private static func fromASCIIQuery(_ url: UnsafeBufferPointer<UInt8>) -> InfoCode? {
        guard var start = url.firstIndex(of: UInt8(ascii: "?")).map({ $0 + 1 }) else { return nil }
        let end = url[start...].firstIndex(of: UInt8(ascii: "#")) ?? url.count
        let name = "infocode".utf8
        while start < end {
            let pairEnd = url[start..<end].firstIndex(of: UInt8(ascii: "&")) ?? end
            // Each letter of the name matched in either case, as `lowercased()` does for ASCII.
            if let equals = url[start..<pairEnd].firstIndex(of: UInt8(ascii: "=")), equals - start == name.count,
               zip(url[start..<equals], name).allSatisfy({ $0 | 0x20 == $1 }),
               let code = InfoCode(String(decoding: UnsafeBufferPointer(rebasing: url[(equals + 1)..<pairEnd]), as: UTF8.self)) {
                return code
            }
            start = pairEnd + 1
        }
        return nil
    }

    /// Rule 3: sixteen lowercase hex digits of SHA-256 over `identity`.
    public static func hashed(_ identity: String) -> InfoCode {
        InfoCode(unchecked: String(ContentHash.of(Array(identity.utf8)).prefix(16)))
    }
}

/// Assigns infoCodes to the entries of one feed document, applying the rules of
/// DESIGN.md §2 in order.
public struct InfoCodeAssigner: Sendable {
    /// The feed's name, which scopes ids that are not globally unique.
    public let feedName: String
    private let pattern: NSRegularExpression?
    /// Whether an entry's id is its infoCode when it is a valid one (JSON API and
    /// HTML list sources, whose `item.id` is the publisher's own code).
    private let codeFromID: Bool

    /// Creates an assigner for a feed.
    /// - Parameter pattern: the feed's `infocode_pattern` (rule 2): a regular
    ///   expression whose first capture group is the code. An invalid pattern is ignored
    ///   (the configuration loader rejects those before they get here).
    /// - Parameter codeFromID: whether an id that is a valid infoCode is taken as it is,
    ///   before the other rules (for sources whose `item.id` is the publisher's code).
    public init(feedName: String, pattern: String? = nil, codeFromID: Bool = false) {
        self.codeFromID = codeFromID
        self.feedName = feedName
        self.pattern = pattern.flatMap { try? NSRegularExpression(pattern: $0) }
    }

    /// One infoCode per entry, in order. An id repeated inside the document is
    /// disambiguated with the entry's link, so distinct items never collapse.
    public func assign(_ entries: [FeedEntry]) -> [InfoCode] {
        // The link each identity was first seen with: a repeat with the same link
        // is the same item again; one with another link is a different item.
        var firstLinks: [String: String] = [:]
        return entries.map { entry in
            if let code = explicitCode(entry) { return code }
            let identity = hashIdentity(entry)
            let link = entry.link.map(Self.normalizedLink) ?? ""
            guard let firstLink = firstLinks[identity] else {
                firstLinks[identity] = link
                return InfoCode.hashed(identity)
            }
            return firstLink == link ? InfoCode.hashed(identity) : InfoCode.hashed(identity + "\n" + link)
        }
    }

    /// Rules 1 and 2: a code stated by the link or guid.
    private func explicitCode(_ entry: FeedEntry) -> InfoCode? {
        if codeFromID, let id = entry.id, let code = InfoCode(id) { return code }
        let candidates = [entry.link, entry.id].compactMap { $0 }
        for candidate in candidates {
            if let code = InfoCode.fromQueryParameter(in: candidate) { return code }
        }
        if let pattern {
            for candidate in candidates {
                let range = NSRange(candidate.startIndex..., in: candidate)
                guard let match = pattern.firstMatch(in: candidate, range: range), match.numberOfRanges > 1,
                      let captured = Range(match.range(at: 1), in: candidate),
                      let code = InfoCode(String(candidate[captured]))
                else { continue }
                return code
            }
        }
        return nil
    }

    /// Rule 3's input: the id (scoped by feed unless it is a URL or URN), else the
    /// normalized link, else feed name, title and date.
    private func hashIdentity(_ entry: FeedEntry) -> String {
        if let id = entry.id.map({ UnicodeWhitespace.trimmed($0, newlines: true) }), !id.isEmpty {
            let lower = id.lowercased()
            let global = lower.hasPrefix("urn:") || lower.hasPrefix("http://") || lower.hasPrefix("https://")
                || lower.hasPrefix("tag:")
            return global ? id : "\(feedName)\n\(id)"
        }
        if let link = entry.link, !link.isEmpty { return Self.normalizedLink(link) }
        let date = (entry.published ?? entry.updated).map { String(Int($0.timeIntervalSince1970)) } ?? ""
        return "\(feedName)\n\(entry.title ?? "")\n\(date)"
    }

    /// The link with scheme and host lowercased, the fragment and `utm_*` parameters dropped.
    public static func normalizedLink(_ link: String) -> String {
        var link = link
        if let normalized = link.withUTF8({ normalizedASCIILink($0) }) { return normalized }
        return normalizedLinkByCharacters(link)
    }

    /// ``normalizedLink(_:)`` for any link, by characters: what the byte path must
    /// give for an ASCII one, where bytes are characters (checked by `InfoCodeTests`).
    /// An infoCode is a hash of this, so it may never change for a link.
    static func normalizedLinkByCharacters(_ link: String) -> String {
        var text = UnicodeWhitespace.trimmed(link, newlines: true)
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        var query: Substring?
        if let question = text.firstIndex(of: "?") {
            query = text[text.index(after: question)...]
            text = String(text[..<question])
        }
        if let schemeEnd = text.range(of: "://") {
            let afterScheme = text[schemeEnd.upperBound...]
            let hostEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            text = text[..<schemeEnd.upperBound].lowercased() + afterScheme[..<hostEnd].lowercased()
                + afterScheme[hostEnd...]
        }
        if let query {
            let kept = query.split(separator: "&").filter { !$0.lowercased().hasPrefix("utm_") }
            if !kept.isEmpty { text += "?" + kept.joined(separator: "&") }
        }
        return text
    }

    /// ``normalizedLink(_:)`` of an ASCII link, on its bytes (three of these per entry
    /// were a tenth of a cold refresh, by characters); nil for a link that is not ASCII.
    static func normalizedASCIILink(_ link: UnsafeBufferPointer<UInt8>) -> String? {
        for byte in link where byte >= 0x80 { return nil }
        let space = { (byte: UInt8) in byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = link.count
        while start < end, space(link[start]) { start += 1 }
        while end > start, space(link[end - 1]) { end -= 1 }
        if let hash = link[start..<end].firstIndex(of: UInt8(ascii: "#")) { end = hash }
        var pathEnd = end
        var queryStart: Int?
        if let question = link[start..<end].firstIndex(of: UInt8(ascii: "?")) {
            pathEnd = question
            queryStart = question + 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(end - start + 1)
        var hostEnd = start
        var index = start
        while index + 2 < pathEnd {
            if link[index] == UInt8(ascii: ":"), link[index + 1] == UInt8(ascii: "/"), link[index + 2] == UInt8(ascii: "/") {
                hostEnd = link[(index + 3)..<pathEnd].firstIndex(of: UInt8(ascii: "/")) ?? pathEnd
                break
            }
            index += 1
        }
        for byte in link[start..<hostEnd] {
            out.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
        }
        out.append(contentsOf: link[hostEnd..<pathEnd])
        if let queryStart {
            var first = true
            var segmentStart = queryStart
            while segmentStart <= end {
                let segmentEnd = link[segmentStart..<end].firstIndex(of: UInt8(ascii: "&")) ?? end
                let segment = link[segmentStart..<segmentEnd]
                if !segment.isEmpty, !isTrackingParameter(segment) {
                    out.append(first ? UInt8(ascii: "?") : UInt8(ascii: "&"))
                    out.append(contentsOf: segment)
                    first = false
                }
                segmentStart = segmentEnd + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a query parameter starts with `utm_`, in any case.
    private static func isTrackingParameter(_ parameter: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard parameter.count >= 4 else { return false }
        let first = parameter.startIndex
        return parameter[first] | 0x20 == UInt8(ascii: "u") && parameter[first + 1] | 0x20 == UInt8(ascii: "t")
            && parameter[first + 2] | 0x20 == UInt8(ascii: "m") && parameter[first + 3] == UInt8(ascii: "_")
    }
}
