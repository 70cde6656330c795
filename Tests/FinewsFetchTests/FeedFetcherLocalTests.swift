import FinewsFetch
import Foundation
import Testing

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

    @Test("A URL of another scheme is refused without a request")
    func otherScheme() async throws {
        let results = await FeedFetcher().fetchAll([FetchRequest(key: "x", url: "ftp://127.0.0.1:9/feed.xml")])
        let error = try #require(results.first?.error)
        #expect(error.code == .transfer)
        #expect(error.message.contains("http, https or file"))
    }

    @Test("No requests: the stream ends at once")
    func empty() async {
        var count = 0
        for await _ in FeedFetcher().fetch([]) { count += 1 }
        #expect(count == 0)
    }

    @Test("A fetcher released while its results are read still delivers them all")
    func releasedFetcher() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("finews-fetch-\(UUID().uuidString).xml")
        try Data("<rss/>".utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let stream = FeedFetcher().fetch((0..<5).map { FetchRequest(key: "f\($0)", url: path.absoluteString) })
        var count = 0
        for await result in stream {
            #expect(result.document != nil)
            count += 1
        }
        #expect(count == 5)
    }
}
