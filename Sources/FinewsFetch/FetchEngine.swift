import CCurl
import Foundation
import Synchronization

/// The thread behind a ``FeedFetcher``: it owns the curl multi handle and every transfer,
/// and exchanges work with other threads only through a small locked mailbox
/// (new requests, cancelled batches, shutdown), waking the thread with `curl_multi_wakeup`.
final class FetchEngine: Sendable {
    /// The requests of one ``FeedFetcher/fetch(_:)`` call and where their results go.
    struct Submission: Sendable {
        var batch: UInt64
        var requests: [FetchRequest]
        var continuation: AsyncStream<FetchResult>.Continuation
        var window: FetchWindow?
    }

    private struct Mailbox {
        var submissions: [Submission] = []
        var cancelled: [UInt64] = []
        var shuttingDown = false
        var threadRunning = false
        /// Set while the thread's multi handle exists.
        var wakeup: MultiWakeup?
    }

    private let configuration: FeedFetcher.Configuration
    private let mailbox = Mutex(Mailbox())
    private let lastBatchID = Atomic<UInt64>(0)

    init(configuration: FeedFetcher.Configuration) {
        self.configuration = configuration
    }

    /// A new, unique batch number.
    func makeBatchID() -> UInt64 {
        lastBatchID.add(1, ordering: .relaxed).newValue
    }

    /// Queues a batch, starting the thread if it is not running.
    func submit(
        batch: UInt64, requests: [FetchRequest], continuation: AsyncStream<FetchResult>.Continuation,
        window: FetchWindow? = nil
    ) {
        window?.onRelease { [weak self] in self?.wake() }
        let startThread = mailbox.withLock { mailbox -> Bool in
            mailbox.submissions.append(Submission(
                batch: batch, requests: requests, continuation: continuation, window: window))
            mailbox.wakeup?.wake()
            guard !mailbox.threadRunning else { return false }
            mailbox.threadRunning = true
            return true
        }
        guard startThread else { return }
        let thread = Thread { self.run() }
        thread.name = "finews-fetch"
        thread.start()
    }

    /// Wakes the thread, so that it looks at its queue again (a window has room).
    private func wake() {
        mailbox.withLock { $0.wakeup?.wake() }
    }

    /// Stops the transfers of `batch` that are still waiting or running.
    func cancel(_ batch: UInt64) {
        mailbox.withLock { mailbox in
            mailbox.cancelled.append(batch)
            mailbox.wakeup?.wake()
        }
    }

    /// Lets the thread end once all submitted work is done: no more will come.
    func shutDown() {
        mailbox.withLock { mailbox in
            mailbox.shuttingDown = true
            mailbox.wakeup?.wake()
        }
    }

    private func run() {
        guard let multi = CurlMulti(maxConnections: configuration.concurrency, maxPerHost: configuration.perHost) else {
            let reason = FeedFetcher.libraryProblem ?? "libcurl could not start (out of memory?)"
            let orphans = mailbox.withLock { mailbox -> [Submission] in
                defer {
                    mailbox.submissions = []
                    mailbox.threadRunning = false
                }
                return mailbox.submissions
            }
            for submission in orphans {
                for request in submission.requests {
                    submission.continuation.yield(FetchResult(key: request.key, url: request.url, outcome: .failure(
                        FetchError(.transfer, "\(request.url): \(reason)"))))
                }
                submission.continuation.finish()
            }
            return
        }
        mailbox.withLock { $0.wakeup = multi.wakeup }
        let driver = TransferDriver(multi: multi, configuration: configuration)
        while true {
            let idle = driver.isIdle
            let (submissions, cancelled, stop) = mailbox.withLock { mailbox -> ([Submission], [UInt64], Bool) in
                defer {
                    mailbox.submissions = []
                    mailbox.cancelled = []
                }
                let stop = mailbox.shuttingDown && idle && mailbox.submissions.isEmpty
                if stop {
                    // Withdrawn before the multi handle is cleaned up, under the same lock.
                    mailbox.wakeup = nil
                    mailbox.threadRunning = false
                }
                return (mailbox.submissions, mailbox.cancelled, stop)
            }
            if stop { break }
            for batch in cancelled { driver.cancel(batch) }
            for submission in submissions { driver.accept(submission) }
            driver.startTransfers()
            if driver.isIdle {
                // Nothing to do until a submission, a cancellation or shutdown wakes us.
                multi.poll(milliseconds: 60_000)
                continue
            }
            multi.perform()
            if !driver.collectFinished() {
                // libcurl shortens this wait to its own next timeout.
                multi.poll(milliseconds: 1000)
            }
        }
    }
}

/// The fetcher thread's state: the queue, the transfers in flight and the batches
/// awaiting results. Used from that thread only.
private final class TransferDriver {
    private struct Transfer {
        var easy: CurlEasy
        var batch: UInt64
        var host: String
    }

    private struct Batch {
        var continuation: AsyncStream<FetchResult>.Continuation
        var remaining: Int
        var window: FetchWindow?
    }

    private let multi: CurlMulti
    private let userAgent: String
    private let resolve: [String]
    /// Read once: libcurl reads the proxy variables itself, for every transfer.
    private let proxied = ConnectGuard.environmentHasProxy
    private var queue: TransferQueue<FetchRequest>
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var batches: [UInt64: Batch] = [:]

    init(multi: CurlMulti, configuration: FeedFetcher.Configuration) {
        self.multi = multi
        self.userAgent = configuration.userAgent
        self.resolve = configuration.resolve
        self.queue = TransferQueue(
            concurrency: configuration.concurrency, perHost: configuration.perHost,
            deadHostLimit: configuration.deadHostLimit)
    }

    /// No batch is waiting for results.
    var isIdle: Bool { batches.isEmpty }

    func accept(_ submission: FetchEngine.Submission) {
        batches[submission.batch] = Batch(
            continuation: submission.continuation, remaining: submission.requests.count, window: submission.window)
        for request in submission.requests {
            queue.enqueue(.init(batch: submission.batch, host: TransferQueue<FetchRequest>.host(of: request.url), item: request))
        }
    }

    func cancel(_ batch: UInt64) {
        queue.removeAll(batch: batch)
        for (handle, transfer) in active where transfer.batch == batch {
            multi.remove(transfer.easy)
            queue.finished(host: transfer.host)
            active[handle] = nil
        }
        batches.removeValue(forKey: batch)?.continuation.finish()
        queue.forget(batch: batch)
    }

    /// Starts waiting transfers up to the limits.
    func startTransfers() {
        while let job = queue.next(mayStart: { batches[$0]?.window?.hasRoom ?? true }) {
            batches[job.batch]?.window?.acquire()
            let request = job.item
            guard let easy = CurlEasy(request: request, defaultUserAgent: userAgent, resolve: resolve, proxied: proxied),
                  multi.add(easy) else {
                queue.finished(host: job.host)
                deliver(FetchResult(key: request.key, url: request.url, outcome: .failure(
                    FetchError(.transfer, "\(request.url): libcurl could not start the transfer (out of memory?)"))),
                    to: job.batch)
                continue
            }
            active[easy.handle] = Transfer(easy: easy, batch: job.batch, host: job.host)
        }
    }

    /// Delivers the results of finished transfers; false when none had finished.
    func collectFinished() -> Bool {
        var any = false
        while let done = multi.nextCompleted() {
            guard let transfer = active.removeValue(forKey: done.handle) else { continue }
            multi.remove(transfer.easy)
            queue.finished(host: transfer.host)
            let result = transfer.easy.result(code: done.code, now: Date().timeIntervalSince1970)
            let dead = queue.record(Self.ending(of: result), host: transfer.host, batch: transfer.batch)
            deliver(result, to: transfer.batch)
            if let dead {
                for job in dead.jobs {
                    // Given up without a transfer, but a result all the same for the window.
                    batches[job.batch]?.window?.acquire()
                    deliver(FetchResult(key: job.item.key, url: job.item.url, outcome: .failure(.hostDown(
                        url: job.item.url, host: job.host, timeouts: dead.timeouts, refusals: dead.refusals))),
                        to: job.batch)
                }
            }
            any = true
        }
        return any
    }

    /// What a result says about its host for the dead-host rule: only a host that never
    /// answered counts (a refusal by the private-network rule is finews's own doing).
    private static func ending(of result: FetchResult) -> TransferQueue<FetchRequest>.Ending {
        guard case .failure(let error) = result.outcome else { return .answered }
        switch error.code {
        case .timeout: return .timedOut
        case .connect: return .connectionRefused
        case .refused: return .notCounted
        default: return .answered
        }
    }

    private func deliver(_ result: FetchResult, to batch: UInt64) {
        guard var state = batches[batch] else { return }
        state.continuation.yield(result)
        state.remaining -= 1
        if state.remaining > 0 {
            batches[batch] = state
        } else {
            batches[batch] = nil
            queue.forget(batch: batch)
            state.continuation.finish()
        }
    }

    deinit {
        for transfer in active.values { multi.remove(transfer.easy) }
    }
}

@available(*, unavailable)
extension TransferDriver: Sendable {}
