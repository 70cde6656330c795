/// Why writing the archive or its state failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case io, unsafePath = "unsafe-path", state, damaged, notAPost = "not-a-post"
        }
        fileprivate let value: Value

        /// A file could not be created, written, synced or renamed.
        public static let io = Code(value: .io)
        /// A path would leave the site folder or use unsafe characters.
        public static let unsafePath = Code(value: .unsafePath)
        /// The SQLite state could not be opened, read or written.
        public static let state = Code(value: .state)
        /// The SQLite state is damaged (truncated, overwritten: SQLite error 11 or 26);
        /// `finews repair` rebuilds it from the site.
        public static let damaged = Code(value: .damaged)
        /// A file under `_posts/` or the archive folder is not a post finews can read back.
        public static let notAPost = Code(value: .notAPost)

        public var description: String { value.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// What happened, naming the file.
    public let message: String
    /// The error underneath (a GRDB error, say), if any.
    public let underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
}
