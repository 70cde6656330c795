import CLibXML2
public import FinewsParse
public import Foundation

/// Reads the stories of a JSON API answer or an HTML list page into a ``Feed``, by
/// a feed's ``StoryListMapping``, so that everything after parsing (infoCodes, full
/// text, rules, dedupe) works as for RSS.
///
/// A field that is missing or empty in one story leaves that field empty; only an
/// `items` that leads nowhere fails the whole document. It does no I/O.
public struct StoryListReader: Sendable {
    /// At most this many stories are read from one document; a list page holds tens.
    public static let maximumItems = 2000

    private let mapping: StoryListMapping
    private let dates: FeedDateParser

    /// Creates a reader; dates without a zone are read in `defaultTimeZone` (the site's).
    public init(mapping: StoryListMapping, defaultTimeZone: TimeZone) {
        self.mapping = mapping
        self.dates = FeedDateParser(defaultZone: defaultTimeZone, chinaStandardTime: true)
    }

    /// The stories of a fetched document.
    /// - Parameters:
    ///   - body: the answer's bytes (decoded from its charset, or sniffed as full-text pages are: GBK included).
    ///   - pageURL: the document's URL after redirects, which relative links resolve against.
    /// - Throws: ``ExtractionError`` when the answer is empty, binary or undecodable,
    ///   not JSON (`.notJSON`), or when `items` leads to no key (`.missingKey`, naming
    ///   the keys there), to something other than an array (`.wrongType`), or matches
    ///   nothing on the page (`.noMatch`).
    public func read(_ body: [UInt8], charset: String?, pageURL: String) throws(ExtractionError) -> Feed {
        guard body.contains(where: { !PageDecoding.isASCIIWhitespace($0) }) else {
            throw ExtractionError(.empty, "the answer is empty")
        }
        guard !PageDecoding.looksBinary(body) else {
            throw ExtractionError(.notText, "the answer is binary data, not \(mapping.format == .json ? "JSON" : "an HTML page")")
        }
        switch mapping.format {
        case .json:
            let utf8 = try PageDecoding.utf8(body, charset: charset, sniffingHTML: false)
            return try readJSON(utf8, pageURL: pageURL)
        case .html:
            let document = try HTMLDocument(utf8: PageDecoding.utf8(body, charset: charset, sniffingHTML: true))
            return try readHTML(document, pageURL: pageURL)
        }
    }

    // MARK: JSON

    private func readJSON(_ utf8: [UInt8], pageURL: String) throws(ExtractionError) -> Feed {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(utf8), options: [.fragmentsAllowed])
        } catch {
            let start = String(decoding: utf8.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw ExtractionError(.notJSON, "the answer is not JSON; it starts with \"\(start)\". Use format = \"html\" for an HTML page")
        }
        let list: Any
        if mapping.items == "." {
            list = root
        } else {
            let path = try JSONKeyPath(parsing: mapping.items)
            do {
                list = try JSONArticle.value(in: root, at: path)
            } catch {
                throw ExtractionError(error.code, "items = \"\(mapping.items)\" leads nowhere: \(error.message)")
            }
        }
        guard let array = list as? [Any] else {
            throw ExtractionError(.wrongType, "items = \"\(mapping.items)\" is \(Self.describe(list)), not an array of stories")
        }
        var paths: [StoryListMapping.Field: JSONKeyPath] = [:]
        for (field, expression) in mapping.fields where !(field == .link && expression.contains("{")) {
            paths[field] = try JSONKeyPath(parsing: expression)
        }
        let template = try linkTemplate()
        var placeholderPaths: [String: JSONKeyPath] = [:]
        for name in template?.placeholders ?? [] { placeholderPaths[name] = try JSONKeyPath(parsing: name) }
        var stories: [ListedStory] = []
        for item in array.prefix(Self.maximumItems) {
            var story = ListedStory()
            for (field, path) in paths {
                let values = Self.lookUp(path, in: item).map(Self.strings) ?? []
                // Text given as an array of strings is one paragraph per string.
                story.fields[field] = field == .content ? [values.joined(separator: "\n")] : values
            }
            for (name, path) in placeholderPaths {
                story.placeholders[name] = Self.lookUp(path, in: item).flatMap { Self.strings($0).first }
            }
            stories.append(story)
        }
        // API titles often carry highlighting markup (<em>) and entities.
        let entries = self.entries(stories, template: template, titlesAreMarkup: true, pageURL: pageURL)
        return Feed(format: .jsonAPI, link: pageURL, entries: entries)
    }

    /// The value at `path` inside one story, or nil when a key is missing.
    private static func lookUp(_ path: JSONKeyPath, in item: Any) -> Any? {
        var value = item
        for key in path.components {
            if let object = value as? [String: Any], let next = object[key] {
                value = next
            } else if let array = value as? [Any], let index = Int(key), index >= 0, index < array.count {
                value = array[index]
            } else {
                return nil
            }
        }
        return value is NSNull ? nil : value
    }

    /// The text of a JSON value: a string, a number (integers without a fraction,
    /// so ids and epoch times read as written), or each of an array's.
    private static func strings(_ value: Any) -> [String] {
        switch value {
        case let text as String:
            return [text]
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return [number.boolValue ? "true" : "false"] }
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 9e15 { return [String(number.int64Value)] }
            return [String(double)]
        case let array as [Any]:
            return array.flatMap { element -> [String] in element is [Any] ? [] : strings(element) }
        default:
            return []
        }
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case let object as [String: Any]: "an object (keys: \(object.keys.sorted().joined(separator: ", ")))"
        case is String: "a string"
        case is NSNumber: "a number"
        default: "a \(type(of: value))"
        }
    }

    // MARK: HTML

    private func readHTML(_ document: HTMLDocument, pageURL: String) throws(ExtractionError) -> Feed {
        let template = try linkTemplate()
        var expressions = mapping.fields
        if template != nil { expressions[.link] = nil }
        let stories = try document.storyValues(
            items: mapping.items, fields: expressions, templatePlaceholders: template?.placeholders ?? [],
            limit: Self.maximumItems)
        let entries = self.entries(stories, template: template, titlesAreMarkup: false, pageURL: pageURL)
        return Feed(format: .html, title: document.title(), link: pageURL, entries: entries)
    }

    // MARK: Shared steps

    /// The stories' entries: the link made from the template or taken as found, text
    /// trimmed and collapsed, links made absolute, dates read. A story with no id,
    /// title, link or text (an ad slot, a separator, a value that is not an object)
    /// is no story.
    private func entries(
        _ stories: [ListedStory], template: ListLinkTemplate?, titlesAreMarkup: Bool, pageURL: String
    ) -> [FeedEntry] {
        stories.compactMap { story in
            let link = template.map { $0.link { story.placeholders[$0] } } ?? story.fields[.link]?.first
            let title = story.fields[.title]?.first
            return entry(
                id: story.fields[.id]?.first, title: titlesAreMarkup ? title.map(HTMLText.plainText(fromHTML:)) : title,
                link: link, date: story.fields[.date]?.first, content: story.fields[.content]?.first ?? "",
                author: story.fields[.author]?.first, source: story.fields[.source]?.first,
                categories: story.fields[.category] ?? [], pageURL: pageURL)
        }
    }

    private func linkTemplate() throws(ExtractionError) -> ListLinkTemplate? {
        guard let link = mapping.fields[.link], link.contains("{") else { return nil }
        return try ListLinkTemplate(parsing: link)
    }

    /// One story's entry; nil when it has no id, title, link or text.
    private func entry(
        id: String?, title: String?, link: String?, date: String?, content: String, author: String?,
        source: String?, categories: [String], pageURL: String
    ) -> FeedEntry? {
        func cleaned(_ text: String?) -> String? {
            guard let text else { return nil }
            let collapsed = HTMLText.collapseWhitespace(text)
            return collapsed.isEmpty ? nil : collapsed
        }
        let trimmedContent = content.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = trimmedContent.isEmpty
            ? nil : FeedText(trimmedContent, kind: JSONArticle.looksLikeHTML(trimmedContent) ? .html : .text)
        guard cleaned(id) != nil || cleaned(title) != nil || cleaned(link) != nil || body != nil else { return nil }
        return FeedEntry(
            id: cleaned(id), title: cleaned(title), link: cleaned(link).map { Self.absolute($0, base: pageURL) },
            published: cleaned(date).flatMap(parseDate), author: cleaned(author), content: body,
            categories: categories.compactMap(cleaned), source: cleaned(source), baseURL: pageURL)
    }

    /// A date as APIs write them: epoch seconds or milliseconds, or any form the feed
    /// date parser reads (RFC 3339, RFC 822, `2006-01-02 15:04:05` in the site's zone).
    func parseDate(_ text: String) -> Date? {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.utf8.count >= 9,
           text.utf8.count <= 13, let number = Int64(text) {
            // Thirteen digits are milliseconds (from 2001 on); fewer are seconds.
            return Date(timeIntervalSince1970: text.utf8.count >= 12 ? Double(number) / 1000 : Double(number))
        }
        // Seconds with a fraction, as some APIs write them: 1709345700.25.
        if let dot = text.firstIndex(of: "."), text[..<dot].utf8.count == 10,
           text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }), let seconds = Double(text) {
            return Date(timeIntervalSince1970: seconds)
        }
        return dates.parse(text)
    }

    /// `link` resolved against the page's URL; as it is when it cannot be.
    static func absolute(_ link: String, base: String) -> String {
        let lower = link.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return link }
        let encoded = link.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed.union(["#", "%"])) ?? link
        guard let baseURL = URL(string: base), let resolved = URL(string: encoded, relativeTo: baseURL) else {
            return link
        }
        return resolved.absoluteString
    }
}

/// One story as a JSON answer or an HTML page gives it, before it becomes an entry:
/// the values of each field, and of each link-template placeholder.
struct ListedStory {
    var fields: [StoryListMapping.Field: [String]] = [:]
    var placeholders: [String: String] = [:]
}

extension HTMLDocument {
    /// The page's `<title>`, if it has one with text.
    func title() -> String? {
        guard let text = try? html(matching: "normalize-space(//title)") else { return nil }
        let title = HTMLText.decodeEntities(text)
        return title.isEmpty ? nil : title
    }

    /// Each node matched by `items`, with the values of the field expressions
    /// evaluated relative to it: the text of every match (the inner HTML for
    /// `content`), or a string result.
    /// - Throws: ``ExtractionError`` when an expression is invalid, or `items`
    ///   matches no element (`.noMatch`).
    func storyValues(
        items: String, fields: [StoryListMapping.Field: String], templatePlaceholders: [String], limit: Int
    ) throws(ExtractionError) -> [ListedStory] {
        try Self.withXPathContext(document: document) { context throws(ExtractionError) -> [ListedStory] in
            let itemExpression = try Self.compile(items, in: context)
            defer { xmlXPathFreeCompExpr(itemExpression) }
            var compiled: [(StoryListMapping.Field?, String, xmlXPathCompExprPtr)] = []
            defer { for (_, _, expression) in compiled { xmlXPathFreeCompExpr(expression) } }
            for (field, expression) in fields.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                compiled.append((field, expression, try Self.compile(expression, in: context)))
            }
            for placeholder in templatePlaceholders {
                compiled.append((nil, placeholder, try Self.compile(placeholder, in: context)))
            }
            guard let result = finews_xpath_eval_quietly(itemExpression, context) else {
                throw ExtractionError(.invalidRule, "the items XPath \(items) could not be evaluated")
            }
            defer { xmlXPathFreeObject(result) }
            guard result.pointee.type == XPATH_NODESET, let set = result.pointee.nodesetval, set.pointee.nodeNr > 0,
                  let table = set.pointee.nodeTab else {
                throw ExtractionError(
                    .noMatch, "items = \"\(items)\" matched nothing on the page; try another with "
                        + "`finews parse URL --format html --items XPATH --item.title XPATH`")
            }
            var stories: [ListedStory] = []
            for index in 0..<min(Int(set.pointee.nodeNr), limit) {
                guard let node = table[index] else { continue }
                var story = ListedStory()
                for (field, expression, compiledExpression) in compiled {
                    context.pointee.node = node
                    let values = Self.values(of: compiledExpression, in: context, asHTML: field == .content, document: self)
                    if let field {
                        story.fields[field] = values
                    } else {
                        story.placeholders[expression] = values.first
                    }
                }
                stories.append(story)
            }
            context.pointee.node = nil
            return stories
        }
    }

    /// The values of an expression at the context's node: one per matched node, or
    /// the string of a string or number result.
    private static func values(
        of expression: xmlXPathCompExprPtr, in context: xmlXPathContextPtr, asHTML: Bool, document: HTMLDocument
    ) -> [String] {
        guard let result = finews_xpath_eval_quietly(expression, context) else { return [] }
        defer { xmlXPathFreeObject(result) }
        switch result.pointee.type {
        case XPATH_NODESET:
            guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0, let table = set.pointee.nodeTab else {
                return []
            }
            var values: [String] = []
            for index in 0..<Int(set.pointee.nodeNr) {
                guard let node = table[index] else { continue }
                switch node.pointee.type {
                case XML_ELEMENT_NODE:
                    values.append(asHTML ? document.innerHTML(of: node) : textContent(of: node))
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    values.append(asHTML ? HTMLText.escape(content(of: node)) : content(of: node))
                case XML_ATTRIBUTE_NODE:
                    values.append(text(ofChildren: node))
                default:
                    continue
                }
            }
            return values
        case XPATH_STRING:
            return result.pointee.stringval.map { [String(cString: $0)] } ?? []
        case XPATH_NUMBER:
            let number = result.pointee.floatval
            guard number.isFinite else { return [] }
            return [number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)]
        default:
            return []
        }
    }

    /// The text of an element and its descendants, in document order (scripts and
    /// styles left out), walked with an explicit stack.
    static func textContent(of node: xmlNodePtr) -> String {
        var text = ""
        var stack: [xmlNodePtr] = []
        var child = node.pointee.last
        while let current = child {
            stack.append(current)
            child = current.pointee.prev
        }
        while let current = stack.popLast() {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                text += content(of: current)
            case XML_ELEMENT_NODE:
                let name = name(of: current)
                if name == "script" || name == "style" { continue }
                if name == "br" { text += " " }
                var last = current.pointee.last
                while let inner = last {
                    stack.append(inner)
                    last = inner.pointee.prev
                }
            default:
                continue
            }
        }
        return text
    }
}
