import FinewsFetch
import FlyingFox
import Foundation
import Testing

/// Servers that stall. Each test shortens the production timeouts so that it ends in
/// a few seconds.
@Suite("Feed fetcher against stalling servers")
struct SlowServerTests {
    private func timed(_ request: FetchRequest, fetcher: FeedFetcher = FeedFetcher()) async throws -> (FetchResult, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try #require(await fetcher.fetchAll([request]).first)
        return (result, clock.now - start)
    }

    @Test("A server that drips one byte a second is aborted by the low-speed limit")
    func drip() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100\r\n\r\n"
        try await withRawServer(.drip(head: head, interval: .seconds(1), count: 100)) { base in
            let (result, elapsed) = try await timed(FetchRequest(
                key: "drip", url: "\(base)/feed.xml", timeout: .seconds(20), lowSpeedTime: .seconds(2)))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .timeout)
            #expect(error.message.contains("1024 bytes a second"), "\(error.message)")
            // Well before the 20 s total timeout (the message names the limit that fired).
            #expect(elapsed < .seconds(12))
        }
    }

    @Test("A server that accepts and never answers is aborted by the total timeout")
    func silent() async throws {
        try await withRawServer(.silent) { base in
            let (result, elapsed) = try await timed(FetchRequest(
                key: "silent", url: "\(base)/feed.xml", timeout: .milliseconds(1500)))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .timeout)
            #expect(error.message.contains("longer than 1.5 s"), "\(error.message)")
            // Well before the 30 s default, with room for a loaded machine.
            #expect(elapsed < .seconds(12))
        }
    }

    @Test("A server that never completes the handshake is aborted by the connect timeout")
    func unaccepted() async throws {
        try await withRawServer(.unaccepted) { base in
            let (result, elapsed) = try await timed(FetchRequest(
                key: "hang", url: "\(base)/feed.xml", timeout: .seconds(20), connectTimeout: .seconds(1)))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .timeout)
            #expect(error.message.contains("no connection within 1 s"), "\(error.message)")
            // Well before the 20 s total timeout, with room for a loaded machine (8.6 s
            // seen beside the PostgreSQL and cluster suites on two cores, all three
            // stalling tests delayed alike).
            #expect(elapsed < .seconds(12))
        }
    }

    @Test("Cancelling a fetch frees its slots at once for the next one")
    func cancel() async throws {
        let fetcher = FeedFetcher(configuration: .init(concurrency: 1, perHost: 1))
        try await withRawServer(.silent) { silent in
            try await withLocalServer(routes: { server in
                await server.appendRoute("GET /feed.xml") { _ in HTTPResponse(statusCode: .ok, body: Data("<rss/>".utf8)) }
            }) { base in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in fetcher.fetch([FetchRequest(key: "stuck", url: "\(silent)/feed.xml", timeout: .seconds(30))]) {}
                    }
                    try? await Task.sleep(for: .milliseconds(300))
                    group.cancelAll()
                }
                let (result, elapsed) = try await timed(FetchRequest(key: "next", url: "\(base)/feed.xml"), fetcher: fetcher)
                #expect(result.document?.body == Array("<rss/>".utf8), "\(result.outcome)")
                #expect(elapsed < .seconds(3))
            }
        }
    }
}
