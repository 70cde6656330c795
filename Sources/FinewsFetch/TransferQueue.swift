/// Which waiting request starts next: at most `concurrency` in flight, at most
/// `perHost` in flight per host, first come first served within a host, and hosts
/// taken in the order their first request arrived. Pure bookkeeping, no I/O.
///
/// It also gives up on dead hosts: once `deadHostLimit` transfers to one host in one
/// batch have timed out or been refused in a row, that batch's other waiting jobs for
/// the host are handed back to fail at once, instead of each waiting out its timeout
/// `perHost` at a time. Any other ending (a response, even an error status) resets the count.
struct TransferQueue<Item> {
    /// How a transfer ended, as far as the dead-host rule is concerned.
    enum Ending {
        /// The host answered (whatever it answered), or the failure was not the host's.
        case answered
        /// A connect, total or low-speed timeout.
        case timedOut
        /// The connection was refused or the host unreachable.
        case connectionRefused
        /// Says nothing about the host (finews itself refused the address): the count stays.
        case notCounted
    }

    /// Jobs given up because their host is not answering.
    struct DeadHost {
        var jobs: [Job]
        /// The failures in a row that condemned the host, by kind.
        var timeouts: Int
        var refusals: Int
    }

    private struct HostInBatch: Hashable {
        var batch: UInt64
        var host: String
    }

    /// A waiting request and the host it counts against.
    struct Job {
        var batch: UInt64
        var host: String
        var item: Item
    }

    let concurrency: Int
    let perHost: Int
    /// Failures in a row after which a host's other waiting jobs of the batch are given up.
    let deadHostLimit: Int
    /// Timeouts and refusals in a row, per host and batch.
    private var strikes: [HostInBatch: (timeouts: Int, refusals: Int)] = [:]
    /// Transfers started and not yet finished.
    private(set) var inFlight = 0
    private var inFlightByHost: [String: Int] = [:]
    private var waiting: [String: [Job]] = [:]
    /// Where each host's next waiting job is in `waiting[host]` (jobs before it have started).
    private var heads: [String: Int] = [:]
    /// Hosts with waiting jobs, in order of arrival.
    private var hosts: [String] = []
    /// Waiting jobs per host and batch: a host whose first job's batch may not start
    /// is searched for another batch's job only when it has one.
    private var batchCounts: [String: [UInt64: Int]] = [:]

    init(concurrency: Int, perHost: Int, deadHostLimit: Int = 3) {
        self.concurrency = max(1, concurrency)
        self.perHost = max(1, perHost)
        self.deadHostLimit = max(1, deadHostLimit)
    }

    /// No job waits.
    var isEmpty: Bool { hosts.isEmpty }

    mutating func enqueue(_ job: Job) {
        if waiting[job.host] == nil {
            hosts.append(job.host)
            heads[job.host] = 0
        }
        waiting[job.host, default: []].append(job)
        batchCounts[job.host, default: [:]][job.batch, default: 0] += 1
    }

    /// Counts one job of `batch` for `host` as no longer waiting.
    private mutating func leave(host: String, batch: UInt64) {
        guard var counts = batchCounts[host], let count = counts[batch] else { return }
        counts[batch] = count > 1 ? count - 1 : nil
        batchCounts[host] = counts.isEmpty ? nil : counts
    }

    /// The next job allowed to start, counted as in flight; nil when none may start now.
    /// A job whose batch `mayStart` refuses waits (its batch's window is full) while
    /// later jobs of other batches for the same host may go ahead.
    mutating func next(mayStart: (UInt64) -> Bool = { _ in true }) -> Job? {
        guard inFlight < concurrency else { return nil }
        for (position, host) in hosts.enumerated() where inFlightByHost[host, default: 0] < perHost {
            guard var jobs = waiting[host], let head = heads[host] else { continue }
            var job = jobs[head]
            if !mayStart(job.batch) {
                // A job further back, of a batch that may start: taken out of the line.
                guard (batchCounts[host]?.count ?? 0) > 1 else { continue }
                let blocked = job.batch
                guard let index = jobs[(head + 1)...].firstIndex(where: { $0.batch != blocked && mayStart($0.batch) })
                else { continue }
                job = jobs.remove(at: index)
                waiting[host] = jobs
                leave(host: host, batch: job.batch)
                inFlight += 1
                inFlightByHost[host, default: 0] += 1
                return job
            }
            if head + 1 == jobs.count {
                waiting[host] = nil
                heads[host] = nil
                hosts.remove(at: position)
            } else {
                heads[host] = head + 1
            }
            leave(host: host, batch: job.batch)
            inFlight += 1
            inFlightByHost[host, default: 0] += 1
            return job
        }
        return nil
    }

    /// Records that a job returned by ``next()`` finished, freeing its slots.
    mutating func finished(host: String) {
        inFlight = max(0, inFlight - 1)
        let count = inFlightByHost[host, default: 0] - 1
        inFlightByHost[host] = count > 0 ? count : nil
    }

    /// Records how a job of `batch` to `host` ended (after ``finished(host:)``). When it
    /// makes `deadHostLimit` timeouts or refusals in a row, returns the batch's jobs still
    /// waiting for that host, removed from the queue, for the caller to fail at once.
    mutating func record(_ ending: Ending, host: String, batch: UInt64) -> DeadHost? {
        let key = HostInBatch(batch: batch, host: host)
        var count = strikes[key] ?? (0, 0)
        switch ending {
        case .answered:
            strikes[key] = nil
            return nil
        case .notCounted:
            return nil
        case .timedOut: count.timeouts += 1
        case .connectionRefused: count.refusals += 1
        }
        strikes[key] = count
        guard count.timeouts + count.refusals >= deadHostLimit else { return nil }
        let jobs = removeWaiting(host: host, batch: batch)
        return jobs.isEmpty ? nil : DeadHost(jobs: jobs, timeouts: count.timeouts, refusals: count.refusals)
    }

    /// Forgets the dead-host counts of a batch that has ended.
    mutating func forget(batch: UInt64) {
        strikes = strikes.filter { $0.key.batch != batch }
    }

    /// Removes and returns the waiting jobs of `batch` for `host`, in order.
    private mutating func removeWaiting(host: String, batch: UInt64) -> [Job] {
        guard let jobs = waiting[host], let head = heads[host] else { return [] }
        var removed: [Job] = []
        var kept: [Job] = []
        for job in jobs[head...] {
            if job.batch == batch { removed.append(job) } else { kept.append(job) }
        }
        batchCounts[host]?[batch] = nil
        if batchCounts[host]?.isEmpty == true { batchCounts[host] = nil }
        if kept.isEmpty {
            waiting[host] = nil
            heads[host] = nil
            hosts.removeAll { $0 == host }
        } else {
            waiting[host] = kept
            heads[host] = 0
        }
        return removed
    }

    /// Drops every waiting job of `batch` (jobs in flight are the caller's to stop).
    mutating func removeAll(batch: UInt64) {
        for host in hosts {
            guard let jobs = waiting[host], let head = heads[host] else { continue }
            let kept = jobs[head...].filter { $0.batch != batch }
            waiting[host] = kept.isEmpty ? nil : kept
            heads[host] = kept.isEmpty ? nil : 0
            batchCounts[host]?[batch] = nil
            if batchCounts[host]?.isEmpty == true { batchCounts[host] = nil }
        }
        hosts.removeAll { waiting[$0] == nil }
    }

    /// The host a URL's transfers count against: the lowercased host name, without
    /// scheme, user information or port (politeness is owed to a server, whatever the port).
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let schemeEnd = rest.firstRange(of: "://") { rest = rest[schemeEnd.upperBound...] }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        if hostAndPort.hasPrefix("["), let close = hostAndPort.firstIndex(of: "]") {
            return hostAndPort[...close].lowercased()
        }
        return (hostAndPort.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").lowercased()
    }
}
