public import FinewsParse

/// The other keys a story is known by besides its infoCode: its link and its
/// global id. The same story often reaches finews under two infoCodes — an RSS 1.0
/// feed names it by its link, an RSS 2.0 feed by a `urn:uuid` guid — and these keys
/// let the store see that both are one story (DESIGN.md §2, aliases).
///
/// A key is given only where it names one story:
/// - a link, unless it is a site's home page, the feed's own link or URL, or a link
///   that entries with different ids share (then the id decides);
/// - an id, when it is global (`urn:`, `tag:`, `http(s)://`) and no entry with
///   another link has it.
/// Entries that repeat both (a feed listing one story twice) are one story and keep
/// their keys: without them, whether its copies in other feeds are seen as the
/// same story would depend on the order the feeds are read in.
public enum StoryKeys {
    /// The alias keys of each entry of one document, in order. `feedLink` and
    /// `feedURL` are the document's own link and the URL it was fetched from.
    public static func aliases(for entries: [FeedEntry], feedLink: String?, feedURL: String?) -> [[String]] {
        let links = entries.map { $0.link.flatMap(linkKey) }
        let ids = entries.map { $0.id.flatMap(idKey) }
        // What tells entries apart, keys or not: the trimmed id (a feed-local one
        // too) and the link (its key, else as written). For each link key, the ids
        // of its entries, and for each id key, the links of its entries (nil for none).
        var idsOfLink: [String: Set<String?>] = [:]
        var linksOfID: [String: Set<String?>] = [:]
        for (index, entry) in entries.enumerated() {
            if let link = links[index] {
                let id = entry.id.map { UnicodeWhitespace.trimmed($0, newlines: true) }
                idsOfLink[link, default: []].insert(id?.isEmpty == false ? id : nil)
            }
            if let id = ids[index] { linksOfID[id, default: []].insert(links[index] ?? entry.link) }
        }
        let excluded = Set([feedLink, feedURL].compactMap { $0.flatMap(linkKey) })
        return zip(links, ids).map { link, id in
            var keys: [String] = []
            if let link, idsOfLink[link]?.count == 1, !excluded.contains(link) { keys.append(link) }
            if let id, linksOfID[id]?.count == 1, id != link { keys.append(id) }
            return keys
        }
    }

    /// `link:` and the normalized link without its scheme (http and https name the
    /// same story), or nil for a link that is not an http(s) URL with a path: a
    /// site's home page names no story.
    public static func linkKey(_ link: String) -> String? {
        var normalized = InfoCodeAssigner.normalizedLink(link)
        if let key = normalized.withUTF8({ asciiLinkKey($0) }) { return key.isEmpty ? nil : key }
        return linkKeyByCharacters(normalized)
    }

    /// ``linkKey(_:)`` of a normalized ASCII link, on its bytes: nil when the link is
    /// not ASCII, "" when it has no key.
    private static func asciiLinkKey(_ link: UnsafeBufferPointer<UInt8>) -> String? {
        for byte in link where byte >= 0x80 { return nil }
        let rest: Slice<UnsafeBufferPointer<UInt8>>
        if link.starts(with: "https://".utf8) {
            rest = link[8...]
        } else if link.starts(with: "http://".utf8) {
            rest = link[7...]
        } else {
            return ""
        }
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), slash > rest.startIndex else { return "" }
        let afterHost = rest[(slash + 1)...]
        let query = afterHost.firstIndex(of: UInt8(ascii: "?"))
        let path = afterHost[..<(query ?? afterHost.endIndex)]
        if query == nil, path.isEmpty || homePages.contains(where: { page in
            page.utf8.count == path.count && zip(page.utf8, path).allSatisfy { expected, byte in
                expected == (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            }
        }) {
            return ""
        }
        return "link:" + String(decoding: rest, as: UTF8.self)
    }

    /// The last path segment of a site's home page (with nothing after the host, or `/`).
    private static let homePages = ["index.html", "index.htm", "index.php", "index.shtml"]

    /// ``linkKey(_:)`` of a normalized link, by characters.
    static func linkKeyByCharacters(_ normalized: String) -> String? {
        let rest: Substring
        if normalized.hasPrefix("https://") {
            rest = normalized.dropFirst(8)
        } else if normalized.hasPrefix("http://") {
            rest = normalized.dropFirst(7)
        } else {
            return nil
        }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let afterHost = rest[rest.index(after: slash)...]
        // `/`, `/?`, `/index.html` and the like: the home page.
        let path = afterHost.prefix { $0 != "?" }
        if path.isEmpty || homePages.contains(path.lowercased()) {
            guard afterHost.contains("?") else { return nil }
        }
        guard !rest[..<slash].isEmpty else { return nil }
        return "link:" + rest
    }

    /// `id:` and the id, when it is global; nil for ids that only mean something
    /// inside their feed (the infoCode already scopes those).
    public static func idKey(_ id: String) -> String? {
        let trimmed = UnicodeWhitespace.trimmed(id, newlines: true)
        let lower = trimmed.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            // A URL id is the same key as the link it names.
            return linkKey(trimmed)
        }
        guard lower.hasPrefix("urn:") || lower.hasPrefix("tag:"), trimmed.utf8.count > 8 else { return nil }
        return "id:" + trimmed
    }
}
