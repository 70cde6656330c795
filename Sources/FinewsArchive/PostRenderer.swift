public import Foundation
import FinewsParse

/// Renders posts and category pages to the exact bytes finews writes (DESIGN.md §2, §3).
public struct PostRenderer: Sendable {
    /// The site's base URL as used in links (`//finews.withounder.com`), without a trailing slash.
    public var baseURL: String
    /// The zone dates are shown in.
    public var timeZone: TimeZone

    /// Creates a renderer.
    public init(baseURL: String, timeZone: TimeZone) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeZone = timeZone
    }

    /// The post's path below the site root: `_posts/YYYY-MM-DD-<infoCode>.md`.
    public func relativePath(for post: Post) -> String {
        "_posts/\(dayString(post.date))-\(post.infoCode.value).md"
    }

    /// The category page's path below the site root: `category/<category>.html`.
    public func categoryPagePath(for category: String) -> String {
        "category/\(category).html"
    }

    /// The post file's contents. There is no newline after the last line.
    public func render(_ post: Post) -> String {
        var text = "---\n"
        text += "layout: post\n"
        text += "title: \(YAML.doubleQuoted(post.title))\n"
        text += "date: \(dateString(post.date))\n"
        text += "categories: \(YAML.scalar(post.category))\n"
        text += "tags: \(YAML.scalar(post.tag))\n"
        text += "---\n"
        var content = MarkdownGuard.guarded(post.body)
        if let link = post.link, !link.isEmpty {
            content += "\n\n<\(Self.autolinkSafe(link))>"
        }
        content += "\n\n[返回\(Self.markdownLinkText(post.tag))](\(baseURL)/category/\(post.category).html)"
        content += "｜[返回首页](\(baseURL)/)"
        return text + Liquid.neutralized(content)
    }

    /// The category page, written once when a category first appears.
    public func renderCategoryPage(category: String, tag: String) -> String {
        "---\nlayout: category\ntitle: \(YAML.scalar(tag))\ncategory: \(YAML.scalar(category))\n---\n"
    }

    /// `YYYY-MM-DD HH:MM:SS ±hhmm` in the site's zone.
    public func dateString(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let parts = CivilTimeComponents(date: date, offset: offset)
        let sign = offset < 0 ? "-" : "+"
        let absolute = abs(offset)
        let pad = { (value: Int) in CivilTime.zeroPadded(value) }
        return "\(parts.day) \(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second)) "
            + "\(sign)\(pad(absolute / 3600))\(pad(absolute % 3600 / 60))"
    }

    /// `YYYY-MM-DD` in the site's zone.
    public func dayString(_ date: Date) -> String {
        CivilTimeComponents(date: date, offset: timeZone.secondsFromGMT(for: date)).day
    }

    /// Percent-encodes what would end or break a Markdown autolink.
    static func autolinkSafe(_ link: String) -> String {
        var output = ""
        for scalar in link.unicodeScalars {
            switch scalar {
            case " ": output += "%20"
            case "<": output += "%3C"
            case ">": output += "%3E"
            case "\n", "\r", "\t": continue
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Escapes what Markdown would read in a link's text: brackets, backslashes,
    /// emphasis and code marks, and angle brackets.
    static func markdownLinkText(_ text: String) -> String {
        var output = ""
        for character in text {
            if "[]\\*_`<>".contains(character) { output += "\\" }
            output.append(character)
        }
        return output
    }

}

/// The calendar fields of an instant shifted by a zone offset.
private struct CivilTimeComponents {
    var day: String
    var hour: Int
    var minute: Int
    var second: Int

    init(date: Date, offset: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let civil = CivilTime.components(secondsSinceEpoch: seconds)
        day = "\(CivilTime.zeroPadded(civil.year, width: 4))-\(CivilTime.zeroPadded(civil.month))-"
            + CivilTime.zeroPadded(civil.day)
        hour = civil.hour
        minute = civil.minute
        second = civil.second
    }
}
