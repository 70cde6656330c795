/// Why no article could be taken from an answer.
///
/// The message says what was found instead and what to change (the rule in
/// feeds.conf, usually); the code is for tests and for programs that react to it.
public struct ExtractionError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: Hashable, Sendable {
            case empty, tooLarge, notText, undecodable, unparsable, invalidRule, notJSON, missingKey, wrongType
            case noMatch, noArticle
        }
        fileprivate let value: Value

        /// The answer had no bytes (or only whitespace).
        public static let empty = Code(value: .empty)
        /// The answer is larger than the extractor accepts (16 MiB).
        public static let tooLarge = Code(value: .tooLarge)
        /// The answer is binary data (an image, a PDF, ...), not text.
        public static let notText = Code(value: .notText)
        /// The answer's character encoding is unknown to the system and the bytes are not UTF-8.
        public static let undecodable = Code(value: .undecodable)
        /// libxml2 could not build a document from the page (out of memory, or no markup at all).
        public static let unparsable = Code(value: .unparsable)
        /// The rule itself is wrong: bad XPath syntax, an empty key path component.
        public static let invalidRule = Code(value: .invalidRule)
        /// A JSON rule was given, but the answer is not JSON.
        public static let notJSON = Code(value: .notJSON)
        /// A key or an array index of the key path is not in the JSON answer.
        public static let missingKey = Code(value: .missingKey)
        /// The key path leads to something other than a string or an array of strings.
        public static let wrongType = Code(value: .wrongType)
        /// The XPath matched no node, or only empty ones.
        public static let noMatch = Code(value: .noMatch)
        /// Readability found no block with enough text to be an article.
        public static let noArticle = Code(value: .noArticle)

        public var description: String { "\(value)" }
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence a user can act on.
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
