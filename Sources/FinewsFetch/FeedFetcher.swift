import CCurl
import Foundation

/// Fetches many documents at once over one libcurl multi handle, politely and within bounds.
///
/// A fetcher owns one thread that drives one curl multi handle (libcurl blocks while it
/// waits for sockets, which must not happen on Swift's cooperative pool). Every
/// ``fetch(_:)`` call feeds the same handle, so connections and DNS answers are reused
/// across calls for as long as the fetcher lives. At most ``Configuration/concurrency``
/// transfers run at once, and at most ``Configuration/perHost`` to one host; the others
/// wait in the fetcher's queue, where their timeouts do not run yet.
///
/// Each transfer asks for every compression libcurl supports, uses HTTP/2 when a TLS
/// server offers it, verifies TLS certificates, follows up to 5 redirects (to http and
/// https only), and honours the standard proxy variables (`http_proxy`, `https_proxy`,
/// `all_proxy`, `no_proxy`), which libcurl reads itself. A redirect, or any URL a request
/// marks as not the administrator's, may not reach an internal address
/// (``PrivateNetworkAccess``), and a host that stops answering is given up for the rest
/// of the call (``Configuration/deadHostLimit``).
public final class FeedFetcher: Sendable {
    /// Limits and defaults for every transfer.
    public struct Configuration: Sendable {
        /// Transfers in flight at most.
        public var concurrency: Int
        /// Transfers in flight per host at most.
        public var perHost: Int
        /// The `User-Agent` for requests that name none.
        public var userAgent: String
        /// After this many transfers to one host in one ``FeedFetcher/fetch(_:)`` call have
        /// timed out or been refused in a row, that call's other requests to the host fail
        /// at once (``FetchError/Code/hostDown``) instead of each waiting out its timeout.
        public var deadHostLimit: Int
        /// Fixed answers for host names, as `HOST:PORT:ADDRESS` (libcurl's `CURLOPT_RESOLVE`,
        /// curl's `--resolve`): tests, or a host that DNS does not know.
        public var resolve: [String]

        /// Creates a configuration; limits below 1 are raised to 1.
        public init(
            concurrency: Int = 16, perHost: Int = 2, userAgent: String = FeedFetcher.defaultUserAgent,
            deadHostLimit: Int = 3, resolve: [String] = []
        ) {
            self.concurrency = max(1, concurrency)
            self.perHost = max(1, perHost)
            self.userAgent = userAgent
            self.deadHostLimit = max(1, deadHostLimit)
            self.resolve = resolve
        }
    }

    /// `finews/<version> (+libcurl/<version>)`.
    public static let defaultUserAgent: String = {
        // libcurl's own version only: `curl_version()` asks every library it uses for
        // its version too (a millisecond at start, for a word we then drop).
        let version = finews_curl_version_number().map { String(cString: $0) }
        return "finews/\(finewsVersion) (+libcurl\(version.map { "/\($0)" } ?? ""))"
    }()

    /// The version of finews, as shown in the User-Agent and `--version`.
    public static let finewsVersion = "0.1.0"

    private let engine: FetchEngine

    /// Creates a fetcher. Its thread starts with the first fetch and ends once the
    /// fetcher is released and every stream it returned has finished.
    public init(configuration: Configuration = Configuration()) {
        engine = FetchEngine(configuration: configuration)
    }

    deinit {
        engine.shutDown()
    }

    /// Starts fetching `requests` and returns their results in the order they finish;
    /// the stream ends after the last one. Ending the iteration early (or dropping the
    /// stream) cancels the transfers of these requests that are still waiting or running.
    ///
    /// With a `window`, at most `window.size` of these transfers are started and not
    /// yet released by the caller (``FetchWindow/release()``, once it is done with a
    /// result): a caller that falls behind holds the fetching back instead of letting
    /// results pile up in memory. Other calls' transfers are not held back.
    public func fetch(_ requests: [FetchRequest], window: FetchWindow? = nil) -> AsyncStream<FetchResult> {
        let (stream, continuation) = AsyncStream<FetchResult>.makeStream()
        guard !requests.isEmpty else {
            continuation.finish()
            return stream
        }
        let engine = self.engine
        let batch = engine.makeBatchID()
        continuation.onTermination = { termination in
            if case .cancelled = termination { engine.cancel(batch) }
        }
        engine.submit(batch: batch, requests: requests, continuation: continuation, window: window)
        return stream
    }

    /// Fetches `requests` and returns all results, in the order of the requests.
    public func fetchAll(_ requests: [FetchRequest]) async -> [FetchResult] {
        var byKey: [String: FetchResult] = [:]
        for await result in fetch(requests) { byKey[result.key] = result }
        return requests.compactMap { byKey[$0.key] }
    }

    /// Starts loading libcurl (36 shared libraries with its TLS, SSH, LDAP and Kerberos
    /// ones: about 7 ms) and its one-time setup on a thread of its own, so that a
    /// command can read its configuration and state meanwhile. Whatever uses libcurl
    /// first waits for it to end.
    package static func prepareInBackground() {
        finews_curl_load_in_background()
    }

    /// Why libcurl cannot be used (it could not be loaded or set up); nil when it can.
    /// Waits for the loading to end.
    package static var libraryProblem: String? {
        finews_curl_load_error().map { String(cString: $0) }
    }
}
