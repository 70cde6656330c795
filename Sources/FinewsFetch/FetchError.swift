/// Why a fetch failed, classified so that users and the scheduler can act on it.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case dns, connect, tls, timeout, httpStatus = "http", tooLarge = "too-large", redirect
            case notAFeed = "not-a-feed", file, transfer, refused, hostDown = "host-down"
        }
        fileprivate let value: Value

        /// The host name did not resolve.
        public static let dns = Code(value: .dns)
        /// No connection could be made (refused, unreachable).
        public static let connect = Code(value: .connect)
        /// The TLS handshake or certificate check failed.
        public static let tls = Code(value: .tls)
        /// A connect, total or low-speed timeout expired.
        public static let timeout = Code(value: .timeout)
        /// The server answered with an error status (see ``FetchError/httpStatus``
        /// and, for 429 and 503, ``FetchError/retryAfter``).
        public static let httpStatus = Code(value: .httpStatus)
        /// The body grew past the size limit and the transfer was aborted.
        public static let tooLarge = Code(value: .tooLarge)
        /// Too many redirects, or a redirect to a scheme other than http and https.
        public static let redirect = Code(value: .redirect)
        /// The server sent an HTML page where a feed was expected.
        public static let notAFeed = Code(value: .notAFeed)
        /// A local file could not be read.
        public static let file = Code(value: .file)
        /// Any other transfer failure (a broken connection, a malformed URL or body).
        public static let transfer = Code(value: .transfer)
        /// A redirect or a URL from a feed led to a loopback, private, link-local or other
        /// internal address, which ``PrivateNetworkAccess`` did not allow; nothing was requested.
        public static let refused = Code(value: .refused)
        /// Not tried: earlier transfers to the same host timed out or were refused in a
        /// row in this batch, so the host is taken as down until the next batch.
        public static let hostDown = Code(value: .hostDown)

        public var description: String { value.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// A sentence naming the URL and what to do.
    public let message: String
    /// The HTTP status, for ``Code/httpStatus``.
    public let httpStatus: Int?
    /// How long the server asked us to wait (`Retry-After` on a 429 or 503), for the scheduler.
    public let retryAfter: Duration?

    /// Creates an error.
    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}
