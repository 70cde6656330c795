import CCurl
import Foundation
import Synchronization

/// Fetches many documents at once over one libcurl multi handle.
///
/// Each call to ``fetch(_:)`` runs its transfers on a thread of its own (libcurl
/// blocks while it waits for sockets, which must not happen on Swift's cooperative
/// pool) and delivers each result as soon as its transfer ends.
public final class FeedFetcher: Sendable {
    /// Limits and defaults for every transfer.
    public struct Configuration: Sendable {
        /// Transfers in flight at most.
        public var concurrency: Int
        /// Transfers in flight per host at most.
        public var perHost: Int
        /// The `User-Agent` for requests that name none.
        public var userAgent: String

        /// Creates a configuration.
        public init(concurrency: Int = 16, perHost: Int = 2, userAgent: String = FeedFetcher.defaultUserAgent) {
            self.concurrency = max(1, concurrency)
            self.perHost = max(1, perHost)
            self.userAgent = userAgent
        }
    }

    /// `finews/<version> (+libcurl/<version>)`.
    public static let defaultUserAgent: String = {
        let curl = curl_version().map { String(cString: $0) } ?? "libcurl"
        let curlVersion = curl.split(separator: " ").first.map(String.init) ?? "libcurl"
        return "finews/\(finewsVersion) (+\(curlVersion))"
    }()

    /// The version of finews, as shown in the User-Agent and `--version`.
    public static let finewsVersion = "0.1.0"

    private let configuration: Configuration

    /// Creates a fetcher.
    public init(configuration: Configuration = Configuration()) {
        Self.initializeLibrary
        self.configuration = configuration
    }

    /// Starts fetching `requests` and returns their results in the order they finish.
    /// Ending the iteration early cancels the transfers still running.
    public func fetch(_ requests: [FetchRequest]) -> AsyncStream<FetchResult> {
        let (stream, continuation) = AsyncStream<FetchResult>.makeStream()
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.cancel() }
        let configuration = self.configuration
        let thread = Thread {
            Self.run(requests, configuration: configuration, cancelled: cancelled) { continuation.yield($0) }
            continuation.finish()
        }
        thread.name = "finews-fetch"
        thread.start()
        return stream
    }

    /// Fetches `requests` and returns all results, in the order of the requests.
    public func fetchAll(_ requests: [FetchRequest]) async -> [FetchResult] {
        var byKey: [String: FetchResult] = [:]
        for await result in fetch(requests) { byKey[result.key] = result }
        return requests.compactMap { byKey[$0.key] }
    }

    private static func run(
        _ requests: [FetchRequest], configuration: Configuration, cancelled: CancellationFlag,
        deliver: (FetchResult) -> Void
    ) {
        guard let multi = CurlMulti(maxConnections: configuration.concurrency, maxPerHost: configuration.perHost) else {
            for request in requests {
                deliver(FetchResult(key: request.key, url: request.url,
                                    outcome: .failure(FetchError(.transfer, "libcurl could not start (out of memory?)"))))
            }
            return
        }
        var pending = requests[...]
        var active: [UnsafeMutableRawPointer: CurlEasy] = [:]
        while !cancelled.isCancelled, !pending.isEmpty || !active.isEmpty {
            while active.count < configuration.concurrency, let request = pending.popFirst() {
                guard let easy = CurlEasy(request: request, defaultUserAgent: configuration.userAgent) else {
                    deliver(FetchResult(key: request.key, url: request.url,
                                        outcome: .failure(FetchError(.transfer, "libcurl could not create a transfer"))))
                    continue
                }
                active[easy.handle] = easy
                multi.add(easy)
            }
            multi.perform()
            while let done = multi.nextCompleted() {
                guard let easy = active.removeValue(forKey: done.handle) else { continue }
                multi.remove(easy)
                deliver(easy.result(code: done.code))
            }
            if !active.isEmpty { multi.poll(milliseconds: 100) }
        }
        for easy in active.values { multi.remove(easy) }
    }

    private static let initializeLibrary: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()
}

/// A flag the stream's consumer sets to stop the transfer thread.
private final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    var isCancelled: Bool { state.load(ordering: .relaxed) }

    func cancel() { state.store(true, ordering: .relaxed) }
}
