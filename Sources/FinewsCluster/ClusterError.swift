/// Why the shared PostgreSQL state could not be used.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: String, Sendable, Hashable {
        /// `[state] database` is not a URL finews can connect with.
        case settings
        /// The server could not be reached, or refused the connection or the login.
        case connect
        /// A statement failed (the server's message is in ``message``).
        case query
        /// The schema is newer than this finews (another node runs a newer version).
        case schema
    }

    public let code: Code
    /// What happened and what to do; never holds a password.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
