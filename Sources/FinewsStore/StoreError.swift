/// Why writing the archive or its state failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case io, unsafePath = "unsafe-path", state
        }
        fileprivate let value: Value

        /// A file could not be created, written, synced or renamed.
        public static let io = Code(value: .io)
        /// A path would leave the site folder or use unsafe characters.
        public static let unsafePath = Code(value: .unsafePath)
        /// The SQLite state could not be opened, read or written.
        public static let state = Code(value: .state)

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
