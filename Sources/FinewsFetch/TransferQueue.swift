/// Which waiting request starts next: at most `concurrency` in flight, at most
/// `perHost` in flight per host, first come first served within a host, and hosts
/// taken in the order their first request arrived. Pure bookkeeping, no I/O.
struct TransferQueue<Item> {
    /// A waiting request and the host it counts against.
    struct Job {
        var batch: UInt64
        var host: String
        var item: Item
    }

    let concurrency: Int
    let perHost: Int
    /// Transfers started and not yet finished.
    private(set) var inFlight = 0
    private var inFlightByHost: [String: Int] = [:]
    private var waiting: [String: [Job]] = [:]
    /// Where each host's next waiting job is in `waiting[host]` (jobs before it have started).
    private var heads: [String: Int] = [:]
    /// Hosts with waiting jobs, in order of arrival.
    private var hosts: [String] = []

    init(concurrency: Int, perHost: Int) {
        self.concurrency = max(1, concurrency)
        self.perHost = max(1, perHost)
    }

    /// No job waits.
    var isEmpty: Bool { hosts.isEmpty }

    mutating func enqueue(_ job: Job) {
        if waiting[job.host] == nil {
            hosts.append(job.host)
            heads[job.host] = 0
        }
        waiting[job.host, default: []].append(job)
    }

    /// The next job allowed to start, counted as in flight; nil when none may start now.
    mutating func next() -> Job? {
        guard inFlight < concurrency else { return nil }
        for (position, host) in hosts.enumerated() where inFlightByHost[host, default: 0] < perHost {
            guard let jobs = waiting[host], let head = heads[host] else { continue }
            let job = jobs[head]
            if head + 1 == jobs.count {
                waiting[host] = nil
                heads[host] = nil
                hosts.remove(at: position)
            } else {
                heads[host] = head + 1
            }
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

    /// Drops every waiting job of `batch` (jobs in flight are the caller's to stop).
    mutating func removeAll(batch: UInt64) {
        for host in hosts {
            guard let jobs = waiting[host], let head = heads[host] else { continue }
            let kept = jobs[head...].filter { $0.batch != batch }
            waiting[host] = kept.isEmpty ? nil : kept
            heads[host] = kept.isEmpty ? nil : 0
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
