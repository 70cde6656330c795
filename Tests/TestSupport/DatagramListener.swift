import Foundation
import Glibc

/// A datagram socket the test owns, standing in for systemd's notification socket.
/// Bound to a path, or to an abstract name when `abstract` is true.
public final class DatagramListener {
    public let descriptor: Int32
    /// The value for `NOTIFY_SOCKET`.
    public let address: String
    private let path: String?

    public init(abstract: Bool = false) throws {
        let name = "finews-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var bytes: [UInt8]
        if abstract {
            address = "@\(name)"
            path = nil
            bytes = [0] + Array(name.utf8)
        } else {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sock").path
            address = file
            path = file
            bytes = Array(file.utf8) + [0]
        }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { target in
            for (index, byte) in bytes.enumerated() { target[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count - (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }

    /// The next datagram, or nil when none arrives within `timeout`.
    public func receive(timeout: Duration = .seconds(5)) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams until `last` matches one (included), or until none arrives in time.
    public func receive(until last: (String) -> Bool, timeout: Duration = .seconds(10)) -> [String] {
        var messages: [String] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, let message = receive(timeout: deadline - ContinuousClock.now) {
            messages.append(message)
            if last(message) { break }
        }
        return messages
    }
}
