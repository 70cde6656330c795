@testable import FinewsFetch
import FlyingFox
import Foundation
import Testing

@Suite("Dead hosts")
struct DeadHostTests {
    /// Starts every job it may and returns them.
    private func start(_ queue: inout TransferQueue<Int>) -> [TransferQueue<Int>.Job] {
        var started: [TransferQueue<Int>.Job] = []
        while let job = queue.next() { started.append(job) }
        return started
    }

    @Test("Three timeouts or refusals in a row give up the host's other waiting jobs of that batch")
    func threeStrikes() throws {
        var queue = TransferQueue<Int>(concurrency: 16, perHost: 2)
        for item in 0..<10 { queue.enqueue(.init(batch: 1, host: "dead", item: item)) }
        for item in 10..<13 { queue.enqueue(.init(batch: 2, host: "dead", item: item)) }
        queue.enqueue(.init(batch: 1, host: "alive", item: 99))
        #expect(start(&queue).map(\.item) == [0, 1, 99])
        queue.finished(host: "dead")
        #expect(queue.record(.timedOut, host: "dead", batch: 1) == nil)
        queue.finished(host: "dead")
        #expect(queue.record(.connectionRefused, host: "dead", batch: 1) == nil)
        queue.finished(host: "alive")
        #expect(queue.record(.answered, host: "alive", batch: 1) == nil)
        #expect(start(&queue).map(\.item) == [2, 3])
        queue.finished(host: "dead")
        let third = queue.record(.timedOut, host: "dead", batch: 1)
        let dead = try #require(third)
        #expect(dead.jobs.map(\.item) == [4, 5, 6, 7, 8, 9])
        #expect(dead.timeouts == 2 && dead.refusals == 1)
        // The other batch's jobs for the host still wait: they count on their own.
        queue.finished(host: "dead")
        #expect(queue.record(.timedOut, host: "dead", batch: 1) == nil)
        #expect(start(&queue).map(\.item) == [10, 11])
    }

    @Test("An answer resets the count")
    func answerResets() {
        var queue = TransferQueue<Int>(concurrency: 1, perHost: 1)
        for item in 0..<8 { queue.enqueue(.init(batch: 1, host: "flaky", item: item)) }
        let endings: [TransferQueue<Int>.Ending] = [.timedOut, .timedOut, .answered, .timedOut, .timedOut, .answered]
        var given: [Int] = []
        for ending in endings {
            _ = queue.next()
            queue.finished(host: "flaky")
            given += queue.record(ending, host: "flaky", batch: 1)?.jobs.map(\.item) ?? []
        }
        #expect(given.isEmpty)
        #expect(start(&queue).map(\.item) == [6])
    }

    @Test("A private-network refusal neither counts nor resets")
    func policyRefusalIsNeutral() {
        var queue = TransferQueue<Int>(concurrency: 1, perHost: 1)
        for item in 0..<6 { queue.enqueue(.init(batch: 1, host: "h", item: item)) }
        let endings: [TransferQueue<Int>.Ending] = [.timedOut, .notCounted, .timedOut, .notCounted]
        for ending in endings {
            _ = queue.next()
            queue.finished(host: "h")
            #expect(queue.record(ending, host: "h", batch: 1) == nil)
        }
        _ = queue.next()
        queue.finished(host: "h")
        #expect(queue.record(.timedOut, host: "h", batch: 1)?.jobs.map(\.item) == [5])
    }

    @Test("The message names the host and what happened")
    func message() {
        let error = FetchError.hostDown(url: "http://dead.test/f1.xml", host: "dead.test", timeouts: 3, refusals: 0)
        #expect(error.code == .hostDown)
        #expect(error.message == "http://dead.test/f1.xml: host dead.test not answering (3 transfers timed out this cycle); "
            + "tried again next cycle")
        #expect(FetchError.hostDown(url: "u", host: "h", timeouts: 0, refusals: 3).message.contains("3 connections refused"))
    }

    @Test("200 feeds on a silent host and 50 on a healthy one: the healthy ones arrive, the batch ends in about 2 timeouts")
    func silentHostDoesNotStallTheBatch() async throws {
        // Two seconds, so that the bound of four timeouts holds on a loaded machine too.
        let timeout = Duration.seconds(2)
        let silent = try RawServer(.silent, host: "127.0.0.2", lifetime: .seconds(30))
        let fetcher = FeedFetcher(configuration: .init(concurrency: 16, perHost: 2))
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /*") { _ in HTTPResponse(statusCode: .ok, body: Data("<rss/>".utf8)) }
        }) { healthy in
            var requests: [FetchRequest] = []
            for index in 0..<200 {
                requests.append(FetchRequest(key: "dead\(index)", url: "http://127.0.0.2:\(silent.port)/f\(index).xml",
                                             timeout: timeout))
            }
            for index in 0..<50 {
                // The healthy server answers at once; a longer timeout keeps a loaded test machine from failing it.
                requests.append(FetchRequest(key: "ok\(index)", url: "\(healthy)/f\(index).xml", timeout: .seconds(10)))
            }
            let clock = ContinuousClock()
            let start = clock.now
            let results = await fetcher.fetchAll(requests)
            let elapsed = clock.now - start
            print("200 silent + 50 healthy feeds, timeout \(timeout): \(elapsed), \(silent.connections) connections to the silent host")
            #expect(results.count == 250)
            let healthyResults = results.filter { $0.key.hasPrefix("ok") }
            #expect(healthyResults.allSatisfy { $0.document != nil })
            let deadCodes = results.filter { $0.key.hasPrefix("dead") }.compactMap { $0.error?.code }
            #expect(deadCodes.count == 200)
            // Three timed out in a row (two at a time: a fourth was already running), the rest failed at once.
            #expect(deadCodes.filter { $0 == .timeout }.count <= 4)
            #expect(deadCodes.filter { $0 == .hostDown }.count >= 196)
            let down = try #require(results.first { $0.error?.code == .hostDown }?.error)
            #expect(down.message.contains("host 127.0.0.2 not answering (3 transfers timed out this cycle); tried again next cycle"),
                    "\(down.message)")
            #expect(silent.connections <= 4)
            #expect(elapsed < timeout * 4)
        }
        await silent.stop()
    }

    @Test("The next batch tries the host again")
    func nextBatchTriesAgain() async throws {
        try await withRawServer(.silent) { base in
            let fetcher = FeedFetcher(configuration: .init(concurrency: 4, perHost: 1))
            let requests = (0..<5).map { FetchRequest(key: "f\($0)", url: "\(base)/f\($0).xml", timeout: .milliseconds(500)) }
            let first = await fetcher.fetchAll(requests).compactMap { $0.error?.code }
            #expect(first == [.timeout, .timeout, .timeout, .hostDown, .hostDown])
            let second = await fetcher.fetchAll(Array(requests.prefix(1)))
            #expect(second.first?.error?.code == .timeout, "\(String(describing: second.first?.outcome))")
        }
    }
}
