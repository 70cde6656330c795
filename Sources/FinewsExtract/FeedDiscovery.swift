import CLibXML2
import FinewsParse
import Foundation

/// Finds the feeds a web page advertises, for `finews add`: its `<link
/// rel="alternate">` elements of RSS, Atom and JSON Feed types, then the paths
/// sites commonly serve feeds at.
public enum FeedDiscovery {
    /// A feed a page names.
    public struct Link: Sendable, Hashable {
        /// The feed's absolute URL.
        public var url: String
        /// The link's `title`, if any.
        public var title: String?
        /// The link's `type` (`application/rss+xml`, ...).
        public var type: String?

        /// Creates a link.
        public init(url: String, title: String? = nil, type: String? = nil) {
            self.url = url
            self.title = title
            self.type = type
        }
    }

    /// The MIME types of feeds finews reads, as pages name them in `<link type>`.
    public static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
        "text/xml",
    ]

    /// The paths tried when a page names no feed.
    public static let commonPaths = ["/feed", "/rss.xml", "/atom.xml", "/index.xml"]

    /// At most this many links are taken from one page.
    static let maximumLinks = 50

    /// The feeds `<link rel="alternate" type="...">` elements of the page name, in
    /// page order, resolved against `pageURL` (or the page's `<base href>`), each once.
    /// A page that cannot be parsed names none.
    public static func alternates(inPage body: [UInt8], charset: String?, pageURL: String) -> [Link] {
        guard let utf8 = try? PageDecoding.utf8(body, charset: charset, sniffingHTML: true),
              let document = try? HTMLDocument(utf8: utf8) else { return [] }
        let base = document.attributes(of: "//base[@href]", "href").first.map { StoryListReader.absolute($0["href"] ?? "", base: pageURL) }
            ?? pageURL
        var seen: Set<String> = []
        var links: [Link] = []
        for attributes in document.attributes(of: "//link[@href]", "rel", "type", "href", "title") {
            let rel = (attributes["rel"] ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            let type = attributes["type"]?.lowercased().split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard rel.contains("alternate"), let type, feedTypes.contains(type),
                  let href = attributes["href"]?.trimmingCharacters(in: .whitespacesAndNewlines), !href.isEmpty
            else { continue }
            let url = StoryListReader.absolute(href, base: base)
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), seen.insert(url).inserted else { continue }
            let title = attributes["title"].map { HTMLText.collapseWhitespace($0) }.flatMap { $0.isEmpty ? nil : $0 }
            links.append(Link(url: url, title: title, type: type))
            if links.count == maximumLinks { break }
        }
        return links
    }

    /// The ``commonPaths`` on the page's site (scheme, host and port of `pageURL`).
    public static func commonURLs(for pageURL: String) -> [String] {
        guard var parts = URLComponents(string: pageURL), parts.host != nil else { return [] }
        parts.query = nil
        parts.fragment = nil
        return commonPaths.compactMap { path in
            parts.path = path
            return parts.string
        }
    }
}

extension HTMLDocument {
    /// For each element `expression` matches, the values of the named attributes it has.
    func attributes(of expression: String, _ names: String...) -> [[String: String]] {
        (try? Self.withXPathContext(document: document) { context throws(ExtractionError) -> [[String: String]] in
            let compiled = try Self.compile(expression, in: context)
            defer { xmlXPathFreeCompExpr(compiled) }
            guard let result = finews_xpath_eval_quietly(compiled, context) else { return [] }
            defer { xmlXPathFreeObject(result) }
            guard result.pointee.type == XPATH_NODESET, let set = result.pointee.nodesetval,
                  let table = set.pointee.nodeTab else { return [] }
            var found: [[String: String]] = []
            for index in 0..<Int(set.pointee.nodeNr) {
                guard let node = table[index], node.pointee.type == XML_ELEMENT_NODE else { continue }
                var values: [String: String] = [:]
                for name in names { values[name] = Self.attribute(name, of: node) }
                found.append(values)
            }
            return found
        }) ?? []
    }
}
