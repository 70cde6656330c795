import Foundation
import Synchronization

/// A tiny TCP server on a loopback address (127.0.0.1 by default) for behaviour an HTTP framework cannot express: it
/// reads requests and then stays silent, or drips its answer a byte at a time, or never
/// accepts at all. It runs on a thread of its own (its loop blocks in `poll`), for at
/// most `lifetime`, and stops by itself.
final class RawServer: Sendable {
    enum Behaviour: Sendable {
        /// Accepts, reads the request and never answers.
        case silent
        /// Answers `head`, then one byte of the body every `interval`, `count` bytes in all.
        case drip(head: String, interval: Duration, count: Int)
        /// Never accepts: its backlog is kept full, so new connections hang in the handshake.
        case unaccepted
    }

    let port: UInt16
    /// The address it listens on.
    let host: String
    private let listener: Int32
    private let accepted = Atomic<Int>(0)
    private let behaviour: Behaviour
    private let lifetime: Duration
    private let stopping = Atomic<Bool>(false)
    private let exit = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    /// Connections made by the server itself to fill its backlog (``Behaviour/unaccepted``).
    private let fillers: [Int32]

    /// Connections accepted so far.
    var connections: Int { accepted.load(ordering: .relaxed) }

    /// Binds an ephemeral port on `host` and starts serving.
    init(_ behaviour: Behaviour, host: String = "127.0.0.1", lifetime: Duration = .seconds(15)) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // A backlog of 0 admits a single pending connection on Linux; the next handshakes stall.
        guard bound == 0, listen(listener, { if case .unaccepted = behaviour { 0 } else { 16 } }()) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        self.host = host
        self.listener = listener
        self.behaviour = behaviour
        self.lifetime = lifetime
        if case .unaccepted = behaviour {
            var fillers: [Int32] = []
            for _ in 0..<2 {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                fillers.append(client)
            }
            self.fillers = fillers
        } else {
            self.fillers = []
        }
        let thread = Thread { [self] in
            serve()
            finish()
        }
        thread.name = "raw-test-server"
        thread.start()
    }

    /// Stops the server and waits until its thread has closed every socket.
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        await withCheckedContinuation { continuation in
            let resumeNow = exit.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func finish() {
        for filler in fillers { close(filler) }
        close(listener)
        let waiter = exit.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private struct Client {
        var socket: Int32
        var request: [UInt8] = []
        var answered = false
        var sent = 0
        var nextByte = ContinuousClock.now
    }

    private func serve() {
        let clock = ContinuousClock()
        let deadline = clock.now + lifetime
        var clients: [Client] = []
        defer { for client in clients { close(client.socket) } }
        while !stopping.load(ordering: .relaxed), clock.now < deadline {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if case .unaccepted = behaviour { fds = [] }
            fds += clients.map { pollfd(fd: $0.socket, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), 20)
            if case .unaccepted = behaviour { continue }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let socket = accept(listener, nil, nil)
                if socket >= 0 {
                    clients.append(Client(socket: socket))
                    accepted.add(1, ordering: .relaxed)
                }
            }
            var closed: Set<Int32> = []
            for index in clients.indices {
                let readable = fds.first { $0.fd == clients[index].socket }.map { $0.revents != 0 } ?? false
                if readable {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(clients[index].socket, &buffer, buffer.count, 0)
                    if count <= 0 {
                        closed.insert(clients[index].socket)
                        continue
                    }
                    clients[index].request += buffer.prefix(count)
                }
                respond(&clients[index], now: clock.now)
            }
            for socket in closed { close(socket) }
            clients.removeAll { closed.contains($0.socket) }
        }
    }

    private func respond(_ client: inout Client, now: ContinuousClock.Instant) {
        guard case .drip(let head, let interval, let count) = behaviour,
              client.request.firstRange(of: Array("\r\n\r\n".utf8)) != nil else { return }
        if !client.answered {
            _ = send(client.socket, head, head.utf8.count, Int32(MSG_NOSIGNAL))
            client.answered = true
            client.nextByte = now + interval
        }
        if client.sent < count, now >= client.nextByte {
            var byte = UInt8(ascii: "x")
            _ = send(client.socket, &byte, 1, Int32(MSG_NOSIGNAL))
            client.sent += 1
            client.nextByte = now + interval
        }
    }
}

/// Runs `body` with a ``RawServer`` listening, and stops the server afterwards.
func withRawServer(
    _ behaviour: RawServer.Behaviour, _ body: (_ baseURL: String) async throws -> Void
) async throws {
    let server = try RawServer(behaviour)
    do {
        try await body("http://127.0.0.1:\(server.port)")
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
