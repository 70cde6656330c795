/// Why a document could not be read as a feed at all.
///
/// Broken markup is not an error: the parser recovers and returns what it could
/// read. This error is raised only when nothing feed-like is there.
public struct FeedParseError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for tests and for programs that react to it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: Hashable, Sendable {
            case empty, notAFeed, unsupportedEncoding, parserUnavailable
        }
        fileprivate let value: Value

        /// The document had no bytes (or only whitespace).
        public static let empty = Code(value: .empty)
        /// The root element is not RSS, RDF or Atom (for example an HTML page).
        public static let notAFeed = Code(value: .notAFeed)
        /// The declared character encoding is unknown and the bytes are not UTF-8.
        public static let unsupportedEncoding = Code(value: .unsupportedEncoding)
        /// libxml2 could not set up a parser (out of memory).
        public static let parserUnavailable = Code(value: .parserUnavailable)

        public var description: String { "\(value)" }
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence a user can act on.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
