public import Foundation
import Glibc

/// The one lock held for a refresh cycle by the daemon and by `finews refresh`
/// (`.finews/lock`, DESIGN.md §7). Released when the value is dropped, and by the
/// kernel if the process dies.
public final class CycleLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Takes the lock at `path`, waiting for the holder unless `wait` is false.
    /// - Throws: ``RefreshError`` `.lockBusy` (naming the holder's pid) when the lock
    ///   is held and `wait` is false; `.io` when the lock file cannot be opened.
    public static func acquire(at path: URL, wait: Bool) throws(RefreshError) -> CycleLock {
        let descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RefreshError(.io, "cannot open the lock file \(path.path): \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat {
            result = flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB))
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let holder = (try? String(contentsOf: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            let who = holder.flatMap { $0.isEmpty ? nil : "pid \($0)" } ?? "another finews process"
            throw RefreshError(.lockBusy, "another refresh is running (\(who) holds \(path.path)); try again later or drop --no-wait")
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return CycleLock(descriptor: descriptor)
    }
}
