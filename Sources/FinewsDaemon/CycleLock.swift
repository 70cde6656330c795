public import Foundation
import Glibc

/// The one lock held for a refresh cycle by the daemon and by `finews refresh`
/// (`.finews/lock`, DESIGN.md §7). Released when the value is dropped, and by the
/// kernel if the process dies. The holder writes its pid into the file so that a
/// second runner can name it.
public final class CycleLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Takes the lock at `path`. Unless `wait` is false, waits for the holder, polling
    /// with `flock(LOCK_NB)` and short sleeps: a blocking `flock` would hold a thread of
    /// Swift's cooperative pool, where the daemon's signal handling and watchdog run.
    /// `onWait` is called with the holder's description when waiting begins, then about
    /// once a second while it lasts (the daemon counts that as progress for its watchdog).
    /// - Throws: ``RefreshError`` `.lockBusy` (naming the holder's pid) when the lock
    ///   is held and `wait` is false; `.cancelled` when `stop` is requested or the task
    ///   is cancelled while waiting; `.io` when the lock file cannot be opened.
    public static func acquire(
        at path: URL, wait: Bool, stop: StopRequest? = nil, onWait: (@Sendable (String) -> Void)? = nil
    ) async throws(RefreshError) -> CycleLock {
        if let lock = try tryAcquire(at: path) { return lock }
        guard wait else {
            throw RefreshError(.lockBusy, "another refresh is running (\(holder(at: path)) holds \(path.path)); "
                + "try again later or drop --no-wait")
        }
        onWait?(holder(at: path))
        let clock = ContinuousClock()
        var lastReport = clock.now
        var pause = Duration.milliseconds(10)
        while true {
            if stop?.isRequested == true || Task.isCancelled {
                throw RefreshError(.cancelled, "stopped while waiting for the lock \(path.path)")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(200))
            if let lock = try tryAcquire(at: path) { return lock }
            if clock.now - lastReport >= .seconds(1) {
                lastReport = clock.now
                onWait?(holder(at: path))
            }
        }
    }

    /// Takes the lock if it is free; nil when another process holds it.
    private static func tryAcquire(at path: URL) throws(RefreshError) -> CycleLock? {
        let descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RefreshError(.io, "cannot open the lock file \(path.path): \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat {
            result = flock(descriptor, LOCK_EX | LOCK_NB)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK { return nil }
            throw RefreshError(.io, "cannot lock \(path.path): \(String(cString: strerror(failure)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return CycleLock(descriptor: descriptor)
    }

    /// `pid N` of the process named in the lock file, or a vaguer phrase when it names none.
    static func holder(at path: URL) -> String {
        let text = (try? String(contentsOf: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let text, !text.isEmpty, text.allSatisfy(\.isNumber) else { return "another finews process" }
        return "pid \(text)"
    }
}
