import FinewsNormalize
import Foundation

/// Whether a feed's filing could have given a post its category and tag, and if so
/// the outlets behind its `|slug` values: `finews repair` reads the owner of each
/// post and the slug of each outlet back from the files this way.
///
/// With `category = "{source|slug}"` and `tag = "{source}新闻"`, the post filed
/// under `Windzixun-2` with the tag `Wind 资讯新闻` comes from the outlet
/// `Wind 资讯`, whose slug is `Windzixun-2`. A slug is accepted only when the outlet
/// could have had it: its `[slugs]` override, its computed slug, or that slug with
/// a `-N` suffix.
struct FilingMatch: Sendable {
    /// The outlets (``SlugRegistry/key(_:)``) and their slugs, in the category's order.
    var slugs: [(text: String, slug: String)]

    /// The outlet as ``StoredCategory/outlet`` keeps it; nil when nothing was slugged.
    var outlet: String? {
        slugs.isEmpty ? nil : slugs.map(\.text).joined(separator: " / ")
    }

    /// The match of `filing` for a post filed under `category` with `tag`, or nil
    /// when the filing cannot give that pair.
    static func match(
        _ filing: FeedFiling, category: String, tag: String?, overrides: [String: String]
    ) -> FilingMatch? {
        if let plainCategory = filing.category.plainText, let plainTag = filing.tag.plainText {
            return category == plainCategory && (tag ?? plainTag) == plainTag ? FilingMatch(slugs: []) : nil
        }
        // The tag gives the values of the placeholders it shows.
        var values: [FilingTemplate.Placeholder: String] = [:]
        if let tag {
            guard let found = capture(filing.tag, in: tag, feedName: filing.feedName, slugged: false) else {
                // A tag that rendered empty is the feed's name.
                return tag == filing.feedName && category == filing.feedName ? FilingMatch(slugs: []) : nil
            }
            values = found
        }
        // The category gives the slugs; `{feed}` and literals must match as written.
        guard let slugParts = capture(filing.category, in: category, feedName: filing.feedName, slugged: true) else {
            // A category whose slug came out empty, or unsafe, falls back to the feed's name.
            return category == filing.feedName ? FilingMatch(slugs: []) : nil
        }
        var slugs: [(text: String, slug: String)] = []
        for (placeholder, _) in filing.category.placeholders where placeholder != .feed {
            guard let slug = slugParts[placeholder] else { continue }
            guard let value = values[placeholder].map(SlugRegistry.key), !value.isEmpty else { continue }
            guard couldBeSlug(slug, of: value, overrides: overrides) else {
                return category == filing.feedName ? FilingMatch(slugs: []) : nil
            }
            slugs.append((value, slug))
        }
        return FilingMatch(slugs: slugs)
    }

    /// Whether `slug` could be the slug of the outlet `text`: its override, its
    /// computed slug, or that with a collision suffix `-N`.
    static func couldBeSlug(_ slug: String, of text: String, overrides: [String: String]) -> Bool {
        if let override = overrides[text] { return override == slug }
        let base = Slug.make(from: text)
        guard !base.isEmpty else { return false }
        if slug == base { return true }
        guard let dash = slug.lastIndex(of: "-"), let number = Int(slug[slug.index(after: dash)...]), number >= 2
        else { return false }
        let stem = slug[..<dash]
        return !stem.isEmpty && base.hasPrefix(stem)
    }

    /// The value of each placeholder of `template` in `text`, or nil when `text` is
    /// not a rendering of it. With `slugged`, `|slug` placeholders match a slug;
    /// otherwise they match any text. `{feed}` is `feedName`.
    private static func capture(
        _ template: FilingTemplate, in text: String, feedName: String, slugged: Bool
    ) -> [FilingTemplate.Placeholder: String]? {
        var pattern = "^"
        var groups: [FilingTemplate.Placeholder] = []
        for part in template.parts {
            switch part {
            case .text(let literal):
                pattern += NSRegularExpression.escapedPattern(for: literal)
            case .value(.feed, _):
                pattern += NSRegularExpression.escapedPattern(for: feedName)
            case .value(let placeholder, let filter) where filter == .slug:
                // In a category, the slug; in a tag, a slug that names no outlet.
                guard slugged else {
                    pattern += "(?:.*)"
                    continue
                }
                pattern += "([A-Za-z0-9_-]+)"
                groups.append(placeholder)
            case .value(let placeholder, _):
                pattern += "(.*)"
                groups.append(placeholder)
            }
        }
        pattern += "$"
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
              let found = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        var values: [FilingTemplate.Placeholder: String] = [:]
        for (index, placeholder) in groups.enumerated() {
            guard let range = Range(found.range(at: index + 1), in: text) else { return nil }
            let value = String(text[range])
            // The same placeholder twice must show the same value.
            if let earlier = values[placeholder], earlier != value { return nil }
            values[placeholder] = value
        }
        return values
    }
}
