import FinewsFetch
import FlyingFox
import Foundation
import Testing

@Suite("Feed fetcher against a local HTTP server")
struct FeedFetcherTests {
    static let feed = Data("<rss version=\"2.0\"><channel><title>t</title></channel></rss>".utf8)

    private func fetchOne(_ request: FetchRequest) async throws -> FetchResult {
        let results = await FeedFetcher().fetchAll([request])
        return try #require(results.first)
    }

    @Test("A 200 delivers the body, the content type's charset and the validators")
    func ok() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(statusCode: .ok, headers: HTTPHeaders([
                    HTTPHeader("Content-Type"): "application/rss+xml; charset=GBK",
                    HTTPHeader("ETag"): "\"v1\"",
                    HTTPHeader("Last-Modified"): "Wed, 02 Mar 2022 00:08:45 GMT",
                ]), body: Self.feed)
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            guard case .success(.fetched(let document)) = result.outcome else {
                Issue.record("expected a document, got \(result.outcome)")
                return
            }
            #expect(document.body == Array(Self.feed))
            #expect(document.status == 200)
            #expect(document.charset == "GBK")
            #expect(document.validators == Validators(etag: "\"v1\"", lastModified: "Wed, 02 Mar 2022 00:08:45 GMT"))
        }
    }

    @Test("Stored validators are sent; a 304 is an outcome, not an error")
    func conditional() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                if request.headers[HTTPHeader("If-None-Match")] == "\"v1\"",
                   request.headers[HTTPHeader("If-Modified-Since")] == "Wed, 02 Mar 2022 00:08:45 GMT" {
                    return HTTPResponse(statusCode: .notModified, headers: HTTPHeaders([HTTPHeader("ETag"): "\"v1\""]))
                }
                return HTTPResponse(statusCode: .ok, body: Self.feed)
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(
                key: "a", url: "\(base)/feed.xml", etag: "\"v1\"", lastModified: "Wed, 02 Mar 2022 00:08:45 GMT"))
            guard case .success(.notModified(let validators)) = result.outcome else {
                Issue.record("expected not modified, got \(result.outcome)")
                return
            }
            #expect(validators.etag == "\"v1\"")
        }
    }

    @Test("HTTP error statuses are classified with the status", arguments: [404, 410, 500])
    func httpErrors(status: Int) async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Error")) }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            guard case .failure(let error) = result.outcome else {
                Issue.record("expected an error")
                return
            }
            #expect(error.code == .httpStatus)
            #expect(error.httpStatus == status)
            #expect(error.message.contains("HTTP \(status)"))
        }
    }

    @Test("A body over max_size aborts the transfer")
    func tooLarge() async throws {
        let big = Data(repeating: UInt8(ascii: "x"), count: 200_000)
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /big") { _ in HTTPResponse(statusCode: .ok, body: big) }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/big", maxSize: 10_000))
            guard case .failure(let error) = result.outcome else {
                Issue.record("expected an error")
                return
            }
            #expect(error.code == .tooLarge)
        }
    }

    @Test("A redirect to file:// is refused")
    func redirectToFile() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /evil") { _ in
                HTTPResponse(statusCode: .found, headers: HTTPHeaders([HTTPHeader("Location"): "file:///etc/passwd"]))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/evil"))
            guard case .failure(let error) = result.outcome else {
                Issue.record("expected the redirect to be refused, got \(result.outcome)")
                return
            }
            #expect(error.code == .redirect)
        }
    }

    @Test("Many requests: every result arrives once, keyed by request")
    func many() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed/*") { _ in HTTPResponse(statusCode: .ok, body: Self.feed) }
        }) { base in
            let requests = (0..<40).map { FetchRequest(key: "f\($0)", url: "\(base)/feed/\($0)") }
            let fetcher = FeedFetcher(configuration: .init(concurrency: 8, perHost: 4))
            var keys: [String] = []
            for await result in fetcher.fetch(requests) {
                keys.append(result.key)
                if case .failure(let error) = result.outcome { Issue.record("\(result.key): \(error)") }
            }
            #expect(keys.sorted() == requests.map(\.key).sorted())
        }
    }
}

@Suite("Feed fetcher without a server")
struct FeedFetcherLocalTests {
    @Test("file:// URLs are read; a missing file is a file error")
    func files() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("finews-fetch-\(UUID().uuidString).xml")
        try Data("<rss/>".utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let results = await FeedFetcher().fetchAll([
            FetchRequest(key: "here", url: path.absoluteString),
            FetchRequest(key: "gone", url: path.absoluteString + ".missing"),
        ])
        guard case .success(.fetched(let document)) = results[0].outcome else {
            Issue.record("expected the file, got \(results[0].outcome)")
            return
        }
        #expect(document.body == Array("<rss/>".utf8))
        guard case .failure(let error) = results[1].outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .file)
    }

    @Test("A refused connection is a connect error naming the URL")
    func refused() async throws {
        // Port 9 (discard) is closed on a test machine; connecting is refused at once.
        let results = await FeedFetcher().fetchAll([FetchRequest(key: "x", url: "http://127.0.0.1:9/feed")])
        guard case .failure(let error) = results.first?.outcome else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .connect)
        #expect(error.message.contains("http://127.0.0.1:9/feed"))
    }
}
