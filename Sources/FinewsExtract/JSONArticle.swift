import FinewsParse
import Foundation

/// A key path into a JSON answer, as written in feeds.conf: `data.items.0.body`.
struct JSONKeyPath: Equatable {
    /// The keys, in order; a numeric one indexes an array (and names a key in an object).
    var components: [String]

    /// Splits a key path at its dots.
    /// - Throws: ``ExtractionError`` (`.invalidRule`) when the path or one of its
    ///   components is empty.
    init(parsing path: String) throws(ExtractionError) {
        guard !path.isEmpty else {
            throw ExtractionError(.invalidRule, "the JSON key path is empty; write the key that holds the article, e.g. content or data.content")
        }
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else {
            throw ExtractionError(.invalidRule, "the JSON key path '\(path)' has an empty component; separate keys with single dots, e.g. data.content")
        }
        self.components = components
    }

    /// The path's first `count` components, as written.
    func prefix(_ count: Int) -> String {
        components.prefix(count).joined(separator: ".")
    }
}

/// Takes the article's HTML from a JSON API answer.
enum JSONArticle {
    /// The HTML of the string (or array of strings) at `keyPath` in the JSON `utf8`.
    /// A string with no tags is plain text: its lines become HTML paragraphs.
    /// - Throws: ``ExtractionError`` when the answer is not JSON (`.notJSON`), a key
    ///   or index is missing (`.missingKey`), or the value is not text (`.wrongType`).
    static func html(in utf8: [UInt8], at keyPath: JSONKeyPath) throws(ExtractionError) -> String {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(utf8), options: [.fragmentsAllowed])
        } catch {
            let start = String(decoding: utf8.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw ExtractionError(
                .notJSON,
                "the answer is not JSON (\(error.localizedDescription)); it starts with \"\(start)\". Use an XPath rule for HTML pages")
        }
        let value = try self.value(in: root, at: keyPath)
        let whole = keyPath.prefix(keyPath.components.count)
        switch value {
        case let text as String:
            return try html(fromText: text, at: whole)
        case let array as [Any]:
            var html = ""
            for (position, element) in array.enumerated() {
                guard let text = element as? String else {
                    throw ExtractionError(
                        .wrongType,
                        "the value at '\(whole)' is an array whose item \(position) is \(describe(element)), not a string; point the key path at the article text")
                }
                html += htmlParagraphs(fromText: text)
            }
            guard !html.isEmpty else {
                throw ExtractionError(.wrongType, "the value at '\(whole)' is an empty array; point the key path at the article text")
            }
            return html
        default:
            throw ExtractionError(
                .wrongType, "the value at '\(whole)' is \(describe(value)), not a string; point the key path at the article text")
        }
    }

    /// Follows the key path from the JSON root.
    static func value(in root: Any, at keyPath: JSONKeyPath) throws(ExtractionError) -> Any {
        var value = root
        for (position, key) in keyPath.components.enumerated() {
            let location = position == 0 ? "in the JSON answer" : "at '\(keyPath.prefix(position))'"
            switch value {
            case let object as [String: Any]:
                guard let next = object[key] else {
                    let keys = object.keys.sorted().joined(separator: ", ")
                    throw ExtractionError(.missingKey, "no key '\(key)' \(location) (keys: \(keys.isEmpty ? "none" : keys))")
                }
                value = next
            case let array as [Any]:
                guard let offset = Int(key), offset >= 0 else {
                    throw ExtractionError(
                        .missingKey, "'\(key)' is not an array index, but \(location) there is an array; use a number (0 for the first item)")
                }
                guard offset < array.count else {
                    throw ExtractionError(
                        .missingKey, "no item \(offset) \(location): the array has \(array.count) item\(array.count == 1 ? "" : "s")")
                }
                value = array[offset]
            default:
                throw ExtractionError(.wrongType, "no key '\(key)' \(location): the value there is \(describe(value)), not an object")
            }
        }
        return value
    }

    private static func html(fromText text: String, at location: String) throws(ExtractionError) -> String {
        let html = htmlParagraphs(fromText: text)
        guard html.contains(where: { !$0.isWhitespace }) else {
            throw ExtractionError(.wrongType, "the value at '\(location)' is an empty string; point the key path at the article text")
        }
        return html
    }

    /// `text` as HTML: as it is when it holds tags, otherwise one paragraph per
    /// non-empty line, with its entities read and then escaped.
    static func htmlParagraphs(fromText text: String) -> String {
        if looksLikeHTML(text) { return text }
        var html = ""
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            html += "<p>\(HTMLText.escape(HTMLText.decodeEntities(trimmed)))</p>"
        }
        return html
    }

    /// Whether `text` holds something that is a tag: `<` then a letter, `/` or `!`.
    static func looksLikeHTML(_ text: String) -> Bool {
        var previousWasOpen = false
        for byte in text.utf8 {
            if previousWasOpen,
               (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "/")
               || byte == UInt8(ascii: "!") {
                return true
            }
            previousWasOpen = byte == UInt8(ascii: "<")
        }
        return false
    }

    /// What a JSON value is, for messages: "a number", "an object (keys: a, b)".
    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let object as [String: Any]:
            let keys = object.keys.sorted().joined(separator: ", ")
            return keys.isEmpty ? "an empty object" : "an object (keys: \(keys))"
        case let array as [Any]: return "an array of \(array.count) item\(array.count == 1 ? "" : "s")"
        case is String: return "a string"
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumbers of C type `char`.
            return String(cString: number.objCType) == "c" ? "a boolean" : "a number (\(number))"
        default: return "a \(type(of: value))"
        }
    }
}
