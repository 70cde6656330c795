import Foundation

/// Reads JSON Feed 1.0 and 1.1 (https://jsonfeed.org) into the common model.
enum JSONFeedReader {
    /// Whether the document looks like JSON (its first non-space byte is `{`).
    static func looksLikeJSON(_ utf8: [UInt8]) -> Bool {
        looksLikeJSON(utf8[...])
    }

    static func looksLikeJSON(_ utf8: ArraySlice<UInt8>) -> Bool {
        let body = utf8.starts(with: [0xEF, 0xBB, 0xBF]) ? utf8.dropFirst(3) : utf8
        return body.first(where: { !isASCIIWhitespace($0) }) == UInt8(ascii: "{")
    }

    /// The feed, or nil when the JSON is not a JSON Feed (no `version` naming jsonfeed.org, or no `items`).
    static func read(_ utf8: [UInt8], dates: FeedDateParser) throws(FeedParseError) -> Feed {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(utf8), options: [.fragmentsAllowed])
        } catch {
            throw FeedParseError(.notAFeed, "not a feed: the document is not valid JSON")
        }
        guard let root = object as? [String: Any],
              let version = root["version"] as? String, version.contains("jsonfeed.org"),
              let items = root["items"] as? [Any]
        else {
            throw FeedParseError(.notAFeed, "not a feed: JSON without a JSON Feed \"version\" and \"items\"")
        }
        let feedAuthor = author(in: root)
        let entries = items.compactMap { $0 as? [String: Any] }.map { item -> FeedEntry in
            let html = (item["content_html"] as? String).map { FeedText($0, kind: .html) }
            let text = (item["content_text"] as? String).map { FeedText($0, kind: .text) }
            let summary = (item["summary"] as? String).map { FeedText($0, kind: .text) }
            var id = item["id"] as? String
            if id == nil, let number = item["id"] as? NSNumber { id = number.stringValue }
            var media: [FeedMedia] = []
            if let image = item["image"] as? String { media.append(FeedMedia(url: image, medium: "image")) }
            for attachment in (item["attachments"] as? [[String: Any]]) ?? [] {
                if let url = attachment["url"] as? String {
                    media.append(FeedMedia(url: url, type: attachment["mime_type"] as? String))
                }
            }
            return FeedEntry(
                id: id,
                title: (item["title"] as? String).map(HTMLText.collapseWhitespace),
                link: (item["url"] as? String) ?? (item["external_url"] as? String),
                published: (item["date_published"] as? String).flatMap(dates.parse),
                updated: (item["date_modified"] as? String).flatMap(dates.parse),
                author: author(in: item) ?? feedAuthor,
                summary: summary ?? html ?? text,
                content: html ?? text,
                categories: (item["tags"] as? [Any])?.compactMap { $0 as? String } ?? [],
                media: media)
        }
        return Feed(
            format: .json, title: (root["title"] as? String).map(HTMLText.collapseWhitespace),
            link: root["home_page_url"] as? String, language: root["language"] as? String,
            entries: entries, encoding: "utf-8")
    }

    /// `authors[0].name` (1.1) or `author.name` (1.0).
    private static func author(in object: [String: Any]) -> String? {
        if let authors = object["authors"] as? [[String: Any]], let name = authors.first?["name"] as? String {
            return name
        }
        return (object["author"] as? [String: Any])?["name"] as? String
    }
}
