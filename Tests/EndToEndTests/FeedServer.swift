import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// A real HTTP server on 127.0.0.1 serving feeds the test changes as it goes: each
/// path answers with its current items, or with a scripted status, after an optional
/// delay. Every request is recorded with its time.
final class FeedServer: Sendable {
    struct Behaviour: Sendable {
        var items: [String] = []
        /// Statuses to answer with before serving the feed again (500, 503, ...).
        var failures: [Int] = []
        /// How long to wait before answering.
        var delay: Duration = .zero
        /// Extra response headers (`Cache-Control`, `Retry-After`, ...).
        var headers: [String: String] = [:]
        /// Extra markup inside `<channel>` (`<ttl>`, `sy:` elements, ...).
        var channelExtra = ""
        /// A whole document to serve instead of the generated one.
        var document: String?
    }

    private let feeds = Mutex<[String: Behaviour]>([:])
    private let requests = Mutex<[(path: String, time: ContinuousClock.Instant)]>([])

    /// Sets what `path` serves.
    func set(_ path: String, _ change: (inout Behaviour) -> Void) {
        feeds.withLock { feeds in change(&feeds[path, default: Behaviour()]) }
    }

    /// The times `path` was requested.
    func requestTimes(_ path: String) -> [ContinuousClock.Instant] {
        requests.withLock { $0.filter { $0.path == path }.map(\.time) }
    }

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        requests.withLock { $0.append((path, ContinuousClock.now)) }
        let behaviour = feeds.withLock { feeds -> Behaviour? in
            guard var behaviour = feeds[path] else { return nil }
            let answer = behaviour
            if !behaviour.failures.isEmpty { behaviour.failures.removeFirst() }
            feeds[path] = behaviour
            return answer
        }
        guard let behaviour else { return HTTPResponse(statusCode: .notFound) }
        if behaviour.delay > .zero { try? await Task.sleep(for: behaviour.delay) }
        var headers = HTTPHeaders()
        for (name, value) in behaviour.headers { headers[HTTPHeader(name)] = value }
        if let status = behaviour.failures.first {
            return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Failure"), headers: headers)
        }
        headers[HTTPHeader("Content-Type")] = "application/rss+xml"
        return HTTPResponse(
            statusCode: .ok, headers: headers,
            body: Data((behaviour.document ?? Self.rss(behaviour.items, extra: behaviour.channelExtra)).utf8))
    }

    /// An RSS document whose items have guids `https://example.com/<item>` (so infoCodes
    /// are stable) and one fixed date.
    static func rss(_ items: [String], extra: String = "") -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" "
            + "xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>Test</title>\(extra)"
        for item in items {
            text += "<item><guid>https://example.com/\(item)</guid><title>Story \(item)</title>"
                + "<link>https://example.com/\(item)</link><pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate>"
                + "<description>Text of \(item).</description></item>"
        }
        return text + "</channel></rss>"
    }

    /// Runs the server for the duration of `body`, which gets its base URL.
    func run(_ body: (_ baseURL: String) async throws -> Void) async throws {
        try await serveLocally({ [self] request in await self.respond(request) }, during: body)
    }
}

/// Runs a FlyingFox server on a free port of `host` (127.0.0.1 unless another
/// loopback address is given) answering every GET with `respond`, for the duration
/// of `body`, which gets its base URL.
func serveLocally(
    host: String = "127.0.0.1",
    _ respond: @escaping @Sendable (HTTPRequest) async -> HTTPResponse,
    during body: (_ baseURL: String) async throws -> Void
) async throws {
    let server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: 0), timeout: 30, logger: .disabled)
    await server.appendRoute("GET *") { request in await respond(request) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw CocoaError(.featureUnsupported) }
        do {
            try await body("http://\(host):\(port)")
        } catch {
            await server.stop(timeout: 1)
            group.cancelAll()
            throw error
        }
        await server.stop(timeout: 1)
        group.cancelAll()
    }
}
