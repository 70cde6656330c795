/// Why a refresh cycle could not run or finish. A failing feed is not one of
/// these: it is reported in the ``RefreshSummary`` and the cycle goes on.
public struct RefreshError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case lockBusy = "lock-busy", unknownFeed = "unknown-feed", io, state, write, cancelled
        }
        fileprivate let value: Value

        /// Another process holds the cycle lock.
        public static let lockBusy = Code(value: .lockBusy)
        /// A feed named on the command line is not in the configuration.
        public static let unknownFeed = Code(value: .unknownFeed)
        /// A folder or the lock file could not be created.
        public static let io = Code(value: .io)
        /// The state database failed.
        public static let state = Code(value: .state)
        /// Posts could not be written; nothing was marked seen.
        public static let write = Code(value: .write)
        /// The cycle was asked to stop before it wrote anything; nothing was recorded.
        public static let cancelled = Code(value: .cancelled)

        public var description: String { value.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
