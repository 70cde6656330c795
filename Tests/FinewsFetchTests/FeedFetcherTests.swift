import FinewsFetch
import FlyingFox
import Foundation
import Synchronization
import Testing

@Suite("Feed fetcher against a local HTTP server")
struct FeedFetcherTests {
    static let feed = Data("<rss version=\"2.0\"><channel><title>t</title></channel></rss>".utf8)

    private func fetchOne(_ request: FetchRequest) async throws -> FetchResult {
        let results = await FeedFetcher().fetchAll([request])
        return try #require(results.first)
    }

    private static func headers(_ pairs: [String: String]) -> HTTPHeaders {
        HTTPHeaders(Dictionary(uniqueKeysWithValues: pairs.map { (HTTPHeader($0.key), $0.value) }))
    }

    @Test("A 200 delivers the body, the content type's charset and the validators")
    func ok() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(statusCode: .ok, headers: Self.headers([
                    "Content-Type": "application/rss+xml; charset=GBK",
                    "ETag": "\"v1\"",
                    "Last-Modified": "Wed, 02 Mar 2022 00:08:45 GMT",
                ]), body: Self.feed)
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            let document = try #require(result.document, "\(result.outcome)")
            #expect(document.body == Array(Self.feed))
            #expect(document.status == 200)
            #expect(document.charset == "GBK")
            #expect(document.finalURL == "\(base)/feed.xml")
            #expect(document.permanentRedirect == nil)
            #expect(document.validators == Validators(etag: "\"v1\"", lastModified: "Wed, 02 Mar 2022 00:08:45 GMT"))
        }
    }

    @Test("Cache-Control max-age is reported on a 200 and on a 304")
    func cacheMaxAge() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                if request.headers[HTTPHeader("If-None-Match")] == "\"v1\"" {
                    return HTTPResponse(statusCode: .notModified, headers: Self.headers(["Cache-Control": "max-age=900"]))
                }
                return HTTPResponse(statusCode: .ok, headers: Self.headers([
                    "ETag": "\"v1\"", "Cache-Control": "public, max-age=1800",
                ]), body: Self.feed)
            }
        }) { base in
            let first = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            #expect(first.cacheMaxAge == 1800)
            let second = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml", etag: "\"v1\""))
            #expect(second.cacheMaxAge == 900)
        }
    }

    enum Validator: String, CaseIterable, Sendable {
        case etag, lastModified
    }

    @Test("Validators round trip: a 200's validators make the next fetch a 304 that keeps them",
          arguments: Validator.allCases)
    func roundTrip(validator: Validator) async throws {
        let etag = "\"abc-123\""
        let date = "Wed, 02 Mar 2022 00:08:45 GMT"
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                let header = validator == .etag ? "ETag" : "Last-Modified"
                let value = validator == .etag ? etag : date
                let condition = validator == .etag ? "If-None-Match" : "If-Modified-Since"
                if request.headers[HTTPHeader(condition)] == value {
                    return HTTPResponse(statusCode: .notModified, headers: Self.headers([header: value]))
                }
                return HTTPResponse(statusCode: .ok, headers: Self.headers([header: value]), body: Self.feed)
            }
        }) { base in
            let fetcher = FeedFetcher()
            let first = try #require(await fetcher.fetchAll([FetchRequest(key: "a", url: "\(base)/feed.xml")]).first)
            let validators = try #require(first.document?.validators, "\(first.outcome)")
            #expect(validators == (validator == .etag ? Validators(etag: etag) : Validators(lastModified: date)))

            let second = try #require(await fetcher.fetchAll([FetchRequest(
                key: "a", url: "\(base)/feed.xml", etag: validators.etag, lastModified: validators.lastModified)]).first)
            #expect(second.notModified == validators, "\(second.outcome)")
        }
    }

    @Test("A 304 keeps the validators sent, replaced by any new ones it carries")
    func notModifiedMerges() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(statusCode: .notModified, headers: Self.headers(["ETag": "\"v2\""]))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(
                key: "a", url: "\(base)/feed.xml", etag: "\"v1\"", lastModified: "Wed, 02 Mar 2022 00:08:45 GMT"))
            #expect(result.notModified == Validators(etag: "\"v2\"", lastModified: "Wed, 02 Mar 2022 00:08:45 GMT"))
        }
    }

    @Test("Expires: 0 drops the validators, on a 200 and on a 304", arguments: [200, 304])
    func expiresZero(status: Int) async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(
                    statusCode: status == 200 ? .ok : .notModified,
                    headers: Self.headers(["ETag": "\"v1\"", "Last-Modified": "Wed, 02 Mar 2022 00:08:45 GMT", "Expires": "0"]),
                    body: status == 200 ? Self.feed : Data())
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml", etag: "\"v0\""))
            let validators = try #require(result.document?.validators ?? result.notModified, "\(result.outcome)")
            #expect(validators == Validators())
        }
    }

    @Test("Stored validators with a line break are not sent")
    func unsafeValidators() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                let sent = request.headers[HTTPHeader("If-None-Match")] != nil || request.headers[HTTPHeader("X-Evil")] != nil
                return HTTPResponse(statusCode: sent ? .badRequest : .ok, body: Self.feed)
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml", etag: "\"v1\"\r\nX-Evil: 1"))
            #expect(result.document != nil, "\(result.outcome)")
        }
    }

    @Test("gzip bodies are asked for and arrive decompressed")
    func gzip() async throws {
        let plain = Array(String(repeating: "<item><title>compressible</title></item>", count: 200).utf8)
        let compressed = Gzip.compress(plain)
        let acceptEncoding = Mutex<String?>(nil)
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                let accepted = request.headers[HTTPHeader("Accept-Encoding")]
                acceptEncoding.withLock { $0 = accepted }
                guard accepted?.contains("gzip") == true else { return HTTPResponse(statusCode: .notAcceptable) }
                return HTTPResponse(
                    statusCode: .ok, headers: Self.headers(["Content-Encoding": "gzip", "Content-Type": "application/rss+xml"]),
                    body: Data(compressed))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            let document = try #require(result.document, "\(result.outcome)")
            #expect(document.body == plain)
            #expect(compressed.count < plain.count / 10)
            let accepted = try #require(acceptEncoding.withLock { $0 })
            #expect(accepted.contains("gzip") && accepted.contains("deflate"))
        }
    }

    @Test("A gzip bomb (1 GiB of zeros) is aborted at max_size after decompression",
          arguments: [1, 3])
    func gzipBomb(layers: Int) async throws {
        // One layer: about 1 MB on the wire. Three stacked layers (`Content-Encoding:
        // gzip, gzip, gzip`, which libcurl decodes): a few hundred bytes.
        var bomb = Gzip.zeros(mebibytes: 1024)
        for _ in 1..<layers { bomb = Gzip.compress(bomb) }
        if layers == 3 { #expect(bomb.count < 1024) }
        let encoding = Array(repeating: "gzip", count: layers).joined(separator: ", ")
        let body = Data(bomb)
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /bomb.xml") { _ in
                HTTPResponse(statusCode: .ok, headers: Self.headers(["Content-Encoding": encoding]), body: body)
            }
        }) { base in
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/bomb.xml", maxSize: 1 << 20))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("\(base)/bomb.xml") && error.message.contains("max_size"))
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test("A body over max_size aborts the transfer")
    func tooLarge() async throws {
        let big = Data(repeating: UInt8(ascii: "x"), count: 200_000)
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /big") { _ in HTTPResponse(statusCode: .ok, body: big) }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/big", maxSize: 10_000))
            #expect(result.error?.code == .tooLarge, "\(result.outcome)")
        }
    }

    @Test("HTTP error statuses are classified with the status", arguments: [404, 410, 500])
    func httpErrors(status: Int) async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Error")) }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .httpStatus)
            #expect(error.httpStatus == status)
            #expect(error.retryAfter == nil)
            #expect(error.message.contains("HTTP \(status)"))
            #expect(error.message.contains("\(base)/feed.xml"))
        }
    }

    enum RetryForm: String, CaseIterable, Sendable {
        case seconds, httpDate
    }

    @Test("429 and 503 carry Retry-After, in seconds or as an HTTP date",
          arguments: [429, 503], RetryForm.allCases)
    func retryAfter(status: Int, form: RetryForm) async throws {
        let value = form == .seconds ? "120" : Self.httpDate(Date().addingTimeInterval(120))
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Slow down"), headers: Self.headers(["Retry-After": value]))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .httpStatus)
            #expect(error.httpStatus == status)
            let wait = try #require(error.retryAfter)
            #expect(wait > .seconds(100) && wait <= .seconds(121))
            #expect(error.message.contains("wait"))
        }
    }

    @Test("A 429 without Retry-After has no wait")
    func tooManyWithoutRetryAfter() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in HTTPResponse(statusCode: HTTPStatusCode(429, phrase: "Too Many")) }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/feed.xml"))
            #expect(result.error?.httpStatus == 429)
            #expect(result.error?.retryAfter == nil)
        }
    }

    /// IMF-fixdate, formatted independently of the code under test.
    private static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("An HTML page is not a feed; a feed mislabelled text/html still is")
    func htmlPage() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /page") { _ in
                HTTPResponse(statusCode: .ok, headers: Self.headers(["Content-Type": "text/html; charset=utf-8"]),
                             body: Data("\u{FEFF}\n  <!DOCTYPE html>\n<html><head><title>Blog</title></head></html>".utf8))
            }
            await server.appendRoute("GET /mislabelled") { _ in
                HTTPResponse(statusCode: .ok, headers: Self.headers(["Content-Type": "text/html"]), body: Self.feed)
            }
        }) { base in
            let results = await FeedFetcher().fetchAll([
                FetchRequest(key: "page", url: "\(base)/page"),
                FetchRequest(key: "mislabelled", url: "\(base)/mislabelled"),
            ])
            let error = try #require(results.first?.error)
            #expect(error.code == .notAFeed)
            #expect(error.message.contains("\(base)/page") && error.message.contains("HTML"))
            #expect(results.last?.document?.body == Array(Self.feed))
        }
    }

    @Test("A redirect to file:// is refused")
    func redirectToFile() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /evil") { _ in
                HTTPResponse(statusCode: .found, headers: Self.headers(["Location": "file:///etc/passwd"]))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/evil"))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .redirect)
            #expect(error.message.contains("file:///etc/passwd"))
        }
    }

    @Test("A redirect loop stops after 5 redirects")
    func redirectLoop() async throws {
        let hits = Atomic<Int>(0)
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /loop") { _ in
                hits.add(1, ordering: .relaxed)
                return HTTPResponse(statusCode: .found, headers: Self.headers(["Location": "/loop"]))
            }
        }) { base in
            let result = try await fetchOne(FetchRequest(key: "a", url: "\(base)/loop"))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .redirect)
            #expect(error.message.contains("redirects"))
            #expect(hits.load(ordering: .relaxed) == 6)
        }
    }

    @Test("Permanent redirects (301, 308) are reported; a temporary one ends the run")
    func permanentRedirects() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /old") { _ in
                HTTPResponse(statusCode: .movedPermanently, headers: Self.headers(["Location": "/older"]))
            }
            await server.appendRoute("GET /older") { _ in
                HTTPResponse(statusCode: HTTPStatusCode(308, phrase: "Permanent Redirect"), headers: Self.headers(["Location": "/new"]))
            }
            await server.appendRoute("GET /new") { _ in
                HTTPResponse(statusCode: .found, headers: Self.headers(["Location": "/today.xml"]))
            }
            await server.appendRoute("GET /temporary") { _ in
                HTTPResponse(statusCode: .temporaryRedirect, headers: Self.headers(["Location": "/today.xml"]))
            }
            await server.appendRoute("GET /moved-and-gone") { _ in
                HTTPResponse(statusCode: .movedPermanently, headers: Self.headers(["Location": "/gone"]))
            }
            await server.appendRoute("GET /today.xml") { _ in HTTPResponse(statusCode: .ok, body: Self.feed) }
        }) { base in
            let results = await FeedFetcher().fetchAll([
                FetchRequest(key: "old", url: "\(base)/old"),
                FetchRequest(key: "temporary", url: "\(base)/temporary"),
                FetchRequest(key: "gone", url: "\(base)/moved-and-gone"),
            ])
            let moved = try #require(results[0].document, "\(results[0].outcome)")
            #expect(moved.finalURL == "\(base)/today.xml")
            #expect(moved.permanentRedirect == "\(base)/new")
            #expect(results[0].permanentRedirect == "\(base)/new")

            let temporary = try #require(results[1].document, "\(results[1].outcome)")
            #expect(temporary.finalURL == "\(base)/today.xml")
            #expect(temporary.permanentRedirect == nil)

            #expect(results[2].error?.httpStatus == 404)
            #expect(results[2].permanentRedirect == "\(base)/gone")
            #expect(results[2].finalURL == "\(base)/gone")
        }
    }

    @Test("The User-Agent names finews by default and can be set per request")
    func userAgent() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /ua") { request in
                HTTPResponse(statusCode: .ok, body: Data((request.headers[HTTPHeader("User-Agent")] ?? "").utf8))
            }
        }) { base in
            let fetcher = FeedFetcher(configuration: .init(userAgent: "global-agent/1"))
            let results = await fetcher.fetchAll([
                FetchRequest(key: "global", url: "\(base)/ua"),
                FetchRequest(key: "feed", url: "\(base)/ua", userAgent: "feed-agent/2"),
            ])
            #expect(results.map { String(decoding: $0.document?.body ?? [], as: UTF8.self) } == ["global-agent/1", "feed-agent/2"])
            let byDefault = try await fetchOne(FetchRequest(key: "default", url: "\(base)/ua"))
            let agent = String(decoding: byDefault.document?.body ?? [], as: UTF8.self)
            #expect(agent.hasPrefix("finews/\(FeedFetcher.finewsVersion) "))
            #expect(FeedFetcher.defaultUserAgent == agent)
        }
    }

    @Test("200 feeds on one host with per_host = 2: never more than 2 in flight at the server, connections reused")
    func perHostLimit() async throws {
        let inFlight = Mutex<(now: Int, peak: Int, clients: Set<UInt16>)>((0, 0, []))
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed/*") { request in
                inFlight.withLock { state in
                    state.now += 1
                    state.peak = max(state.peak, state.now)
                    if case .ip4(_, let port)? = request.remoteAddress { state.clients.insert(port) }
                }
                try await Task.sleep(for: .milliseconds(5))
                inFlight.withLock { $0.now -= 1 }
                return HTTPResponse(statusCode: .ok, body: Self.feed)
            }
        }) { base in
            let requests = (0..<200).map { FetchRequest(key: "f\($0)", url: "\(base)/feed/\($0)") }
            let fetcher = FeedFetcher(configuration: .init(concurrency: 16, perHost: 2))
            var keys: [String] = []
            for await result in fetcher.fetch(requests) {
                keys.append(result.key)
                if let error = result.error { Issue.record("\(result.key): \(error)") }
            }
            #expect(keys.sorted() == requests.map(\.key).sorted())
            let state = inFlight.withLock { $0 }
            #expect(state.peak == 2)
            #expect(state.clients.count <= 4, "connections opened: \(state.clients.count)")
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
                if let error = result.error { Issue.record("\(result.key): \(error)") }
            }
            #expect(keys.sorted() == requests.map(\.key).sorted())
        }
    }
}
