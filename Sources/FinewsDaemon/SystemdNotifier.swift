import Glibc

/// Talks to systemd over `$NOTIFY_SOCKET` (the sd_notify protocol) without libsystemd:
/// each message is one datagram of `KEY=value` lines on an `AF_UNIX` `SOCK_DGRAM` socket.
///
/// Without `$NOTIFY_SOCKET` (not run by systemd, or not `Type=notify`) every call does
/// nothing. A path starting with `@` names a socket in the abstract namespace. Sending
/// never blocks and never fails loudly: a service manager that went away must not stop
/// the daemon.
public final class SystemdNotifier: Sendable {
    private let descriptor: Int32
    /// The socket address as bytes of `sun_path` (a leading NUL for the abstract namespace).
    private let address: [UInt8]
    /// Half of the watchdog timeout systemd set for this process, when it set one.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    /// `pid` (this process's id by default) is the one `WATCHDOG_PID` must name when present.
    public init(environment: [String: String], pid: Int32? = nil) {
        watchdogInterval = Self.watchdogInterval(environment: environment, pid: pid ?? getpid())
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count > 1,
              path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        else {
            descriptor = -1
            address = []
            return
        }
        var bytes = Array(path.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        address = bytes
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether messages go anywhere.
    public var isEnabled: Bool { descriptor >= 0 }

    /// Sends `message` (lines such as `READY=1` or `STATUS=...`).
    /// - Returns: whether the datagram was sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard descriptor >= 0 else { return false }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
        }
        // An abstract address is exactly as long as its bytes; a path one is NUL-terminated.
        let length = MemoryLayout<sa_family_t>.size + address.count + (address.first == 0 ? 0 : 1)
        let bytes = Array(message.utf8)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &socketAddress) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketPointer in
                    sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketPointer,
                           socklen_t(length))
                }
            }
        }
        return sent == bytes.count
    }

    /// `READY=1`: start-up (or a reload) is complete.
    public func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// `RELOADING=1`, with the monotonic time systemd asks for since version 253.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }

    /// `STOPPING=1`: shutting down.
    public func stopping() {
        send(["STOPPING=1"])
    }

    /// `STATUS=...`: a line `systemctl status` shows.
    public func status(_ text: String) {
        send(["STATUS=\(Self.oneLine(text))"])
    }

    /// `WATCHDOG=1`: the daemon is alive and making progress.
    public func watchdog() {
        send(["WATCHDOG=1"])
    }

    private func send(_ lines: [String]) {
        send(lines.joined(separator: "\n"))
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// Half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises, when it is set
    /// for this process.
    static func watchdogInterval(environment: [String: String], pid: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty, Int32(owner) != pid { return nil }
        return .microseconds(microseconds / 2)
    }
}
