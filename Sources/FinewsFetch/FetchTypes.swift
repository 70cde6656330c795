import Synchronization
/// One document to fetch, with what the last fetch left behind for a conditional GET.
public struct FetchRequest: Sendable, Hashable {
    /// The caller's name for this request (the feed's name); results carry it back.
    public var key: String
    /// An `http`, `https` or `file` URL.
    public var url: String
    /// The `ETag` of the last response, sent as `If-None-Match`.
    public var etag: String?
    /// The `Last-Modified` of the last response, sent as `If-Modified-Since`.
    public var lastModified: String?
    /// The `User-Agent` header; the fetcher's default when nil.
    public var userAgent: String?
    /// The whole transfer, redirects included, must finish within this time.
    public var timeout: Duration
    /// Connecting (DNS, TCP and TLS) must finish within this time; never longer than ``timeout``.
    public var connectTimeout: Duration
    /// A transfer slower than ``lowSpeedLimit`` bytes a second for this long is aborted.
    /// libcurl checks it once a second, so it is rounded up to whole seconds.
    public var lowSpeedTime: Duration
    /// See ``lowSpeedTime``; in bytes a second.
    public var lowSpeedLimit: Int
    /// The largest body accepted, in bytes after decompression; larger transfers are aborted.
    public var maxSize: Int
    /// Whether the document must be a feed: an HTML page is then refused with a
    /// `not-a-feed` error. Off for article pages (full text).
    public var expectsFeed = true
    /// Which hops may connect to loopback, private and other internal addresses.
    public var privateNetworks: PrivateNetworkAccess
    /// Extra request headers (`Referer`, `Cookie`, ...), sent as given. A header whose
    /// name or value holds a line break or control character is never sent.
    public var headers: [HTTPHeaderField] = []
    /// HTTP basic authentication; libcurl sends it to the request's own host only,
    /// never to a host that a redirect leads to.
    public var credentials: BasicCredentials?

    /// Creates a request. The defaults are the production ones: 30 s in all, 15 s to
    /// connect, abort under 1 KB/s for 15 s, 10 MiB, and internal addresses only for
    /// `url`'s own host (`privateNetworks` nil): the URL is trusted, where it redirects is not.
    public init(
        key: String, url: String, etag: String? = nil, lastModified: String? = nil, userAgent: String? = nil,
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(15),
        lowSpeedTime: Duration = .seconds(15), lowSpeedLimit: Int = 1024, maxSize: Int = 10 << 20,
        privateNetworks: PrivateNetworkAccess? = nil
    ) {
        self.key = key
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.userAgent = userAgent
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.lowSpeedTime = lowSpeedTime
        self.lowSpeedLimit = lowSpeedLimit
        self.maxSize = maxSize
        self.privateNetworks = privateNetworks ?? .onlyHost(of: url)
    }
}

/// One extra request header.
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    /// Creates a header.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A user name and password for HTTP basic authentication. Its description never
/// shows the password, so it cannot end up in a log.
public struct BasicCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public var username: String
    public var password: String

    /// Creates credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "\(username) (password hidden)" }
    public var debugDescription: String { description }
    /// `dump` and debuggers see the user name only.
    public var customMirror: Mirror { Mirror(self, children: ["username": username]) }
}

/// The validators to keep for a document's next conditional GET.
///
/// The fetcher returns exactly what to store: a 200's own validators, a 304's new ones
/// merged over those that were sent, and none at all when the server said `Expires: 0`
/// (such a server asks for the document not to be cached, so nothing is sent next time).
public struct Validators: Sendable, Hashable {
    /// The `ETag` response header.
    public var etag: String?
    /// The `Last-Modified` response header.
    public var lastModified: String?

    /// Creates validators.
    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// A successfully received document.
public struct FetchedDocument: Sendable {
    /// The body, decompressed.
    public var body: [UInt8]
    /// The HTTP status (0 for `file://`).
    public var status: Int
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The URL after redirects.
    public var finalURL: String
    /// Where the feed has moved for good: set when the request began with permanent
    /// redirects (301 or 308), to the URL they led to. feeds.conf should be updated by hand.
    public var permanentRedirect: String?
    /// Validators for the next conditional GET.
    public var validators: Validators

    /// The `charset` parameter of ``contentType``, if any.
    public var charset: String? {
        guard let contentType else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "charset" else { continue }
            return pair[1].trimmingCharacters(in: " \t\"'")
        }
        return nil
    }
}

/// What a fetch produced when it did not fail. Not-modified is an outcome, not an error.
public enum FetchOutcome: Sendable {
    /// A new body arrived.
    case fetched(FetchedDocument)
    /// The server answered 304: the stored copy is current. Carries the validators to keep.
    case notModified(Validators)
}

/// The result of one ``FetchRequest``, delivered as soon as its transfer ends.
public struct FetchResult: Sendable {
    /// The request's ``FetchRequest/key``.
    public var key: String
    /// The requested URL.
    public var url: String
    /// The outcome, or why the fetch failed.
    public var outcome: Result<FetchOutcome, FetchError>
    /// The URL of the last response received (``url`` when there was no redirect or no response).
    public var finalURL: String
    /// Where a leading run of permanent redirects (301, 308) led, whatever the outcome:
    /// the URL that feeds.conf should name instead of ``url``.
    public var permanentRedirect: String?
    /// The `max-age` of the last response's `Cache-Control`, in seconds: how long the
    /// server says the document stays fresh. Nil when absent, or with `no-cache` or `no-store`.
    public var cacheMaxAge: Int?

    /// Creates a result.
    public init(
        key: String, url: String, outcome: Result<FetchOutcome, FetchError>, finalURL: String? = nil,
        permanentRedirect: String? = nil, cacheMaxAge: Int? = nil
    ) {
        self.key = key
        self.url = url
        self.outcome = outcome
        self.finalURL = finalURL ?? url
        self.permanentRedirect = permanentRedirect
        self.cacheMaxAge = cacheMaxAge
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// How many of one fetch call's transfers may be started and not yet released by the
/// caller (``FeedFetcher/fetch(_:window:)``): flow control, so that memory holds at
/// most `size` results that the caller has not finished with.
public final class FetchWindow: Sendable {
    /// Transfers started and not released, at most.
    public let size: Int
    /// Started so far (by the fetcher's thread only) and released so far (by the caller).
    private let started = Atomic<Int>(0)
    private let released = Atomic<Int>(0)
    private let releaseHandler = Mutex<ReleaseHandler?>(nil)

    /// The handler, boxed: a bare closure kept in the generic `Mutex` was written
    /// back through `withLock`'s `inout` wrapped in two more reabstraction thunks at
    /// every read, so the n-th release ran 2n thunks deep.
    private final class ReleaseHandler: Sendable {
        let call: @Sendable () -> Void
        init(_ call: @escaping @Sendable () -> Void) { self.call = call }
    }

    /// Creates a window of `size` transfers (at least 1).
    public init(size: Int) {
        self.size = max(1, size)
    }

    /// Says that the caller is done with one result: one more transfer may start.
    public func release() {
        let releasedNow = released.add(1, ordering: .sequentiallyConsistent).newValue
        // Only a full window can have held the fetcher back: the fetcher looks for
        // room after every transfer it ends, so a release into a window with room
        // need not wake it.
        guard started.load(ordering: .sequentiallyConsistent) - (releasedNow - 1) >= size else { return }
        let handler = releaseHandler.withLock { $0 }
        handler?.call()
    }

    /// Whether another transfer may start now.
    var hasRoom: Bool {
        started.load(ordering: .sequentiallyConsistent) - released.load(ordering: .sequentiallyConsistent) < size
    }

    /// Counts a transfer as started.
    func acquire() {
        started.add(1, ordering: .sequentiallyConsistent)
    }

    /// Sets what each release calls; the fetcher wakes its thread with it.
    func onRelease(_ handler: @escaping @Sendable () -> Void) {
        releaseHandler.withLock { $0 = ReleaseHandler(handler) }
    }
}
