public import Foundation
import Logging
import Glibc

/// How a run of the `[hooks] after_write` command ended.
public struct HookOutcome: Sendable, Hashable, Codable {
    /// The class of ending.
    public enum Result: String, Sendable, Hashable, Codable {
        /// The command exited with status 0.
        case ok
        /// It exited with another status, or was killed by a signal.
        case failed
        /// It ran past `[hooks] timeout`; its process group was killed.
        case timedOut = "timed-out"
        /// It could not be started (no `/bin/sh`, no memory).
        case notStarted = "not-started"
        /// finews was stopping; its process group was killed.
        case stopped
    }

    public var result: Result
    /// The exit status, when it exited.
    public var exitStatus: Int32?
    /// Seconds it ran.
    public var seconds: Double
    /// What happened, in a line: `exit status 1`, `timed out after 2m; its process group was killed`.
    public var message: String

    /// Whether the command did its job.
    public var succeeded: Bool { result == .ok }
}

/// The `[hooks] after_write` command, run after a cycle whose writes are on disk and
/// recorded, still under the cycle lock (so that no other cycle changes the site
/// while it runs, and two hooks never run at once).
///
/// It runs through `/bin/sh` in the site folder, in a process group of its own,
/// with `FINEWS_NEW`, `FINEWS_UPDATED`, `FINEWS_ARCHIVED`, `FINEWS_SITE` and
/// `FINEWS_CHANGED_FILES` (a file listing the changed paths, one per line, relative
/// to the site root) in its environment, and `{new}`, `{updated}`, `{archived}`
/// replaced in the command. Its output goes to the log line by line. A timeout or a
/// stop kills the whole group (SIGTERM, then SIGKILL two seconds later). Nothing it
/// does undoes the cycle.
struct AfterWriteHook: Sendable {
    var command: String
    /// Seconds before the process group is killed.
    var timeout: Int
    var siteRoot: URL
    var stateDirectory: URL
    var logger: Logger

    /// The counts a cycle hands to the command.
    struct Changes: Sendable {
        var new: Int
        var updated: Int
        var archived: Int
        /// Paths relative to the site root, in the order they changed.
        var files: [String]
    }

    /// The command with its placeholders filled.
    static func expand(_ command: String, _ changes: Changes) -> String {
        command.replacingOccurrences(of: "{new}", with: "\(changes.new)")
            .replacingOccurrences(of: "{updated}", with: "\(changes.updated)")
            .replacingOccurrences(of: "{archived}", with: "\(changes.archived)")
    }

    /// Runs the command for `changes` and waits for it (on a thread of its own, not
    /// the cooperative pool); `stop` kills it early; `beat` is called about once a
    /// second while it runs.
    func run(_ changes: Changes, stop: StopRequest?, beat: (@Sendable () -> Void)? = nil) async -> HookOutcome {
        let listFile = stateDirectory.appendingPathComponent("changed-files")
        let list = changes.files.map { $0 + "\n" }.joined()
        do {
            try Data(list.utf8).write(to: listFile, options: .atomic)
        } catch {
            return HookOutcome(result: .notStarted, seconds: 0,
                               message: "cannot write \(listFile.path) (\(error.localizedDescription)); the hook did not run")
        }
        var environment = ProcessInfo.processInfo.environment
        // systemd's notification socket and watchdog are finews's, not the hook's.
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment.removeValue(forKey: key) }
        environment["FINEWS_NEW"] = "\(changes.new)"
        environment["FINEWS_UPDATED"] = "\(changes.updated)"
        environment["FINEWS_ARCHIVED"] = "\(changes.archived)"
        environment["FINEWS_SITE"] = siteRoot.path
        environment["FINEWS_CHANGED_FILES"] = listFile.path
        let expanded = Self.expand(command, changes)
        // The site folder is entered by the shell itself, so that a missing folder is
        // the command's failure, reported like any other.
        let arguments = ["/bin/sh", "-c", "cd -- \"$1\" && exec /bin/sh -c \"$2\"", "finews-hook", siteRoot.path, expanded]
        let job = HookProcess(
            arguments: arguments, environment: environment, timeout: timeout, logger: logger, stop: stop, beat: beat)
        return await withCheckedContinuation { (continuation: CheckedContinuation<HookOutcome, Never>) in
            let thread = Thread { continuation.resume(returning: job.run()) }
            thread.name = "finews-hook"
            thread.start()
        }
    }
}

/// One run of the hook's shell: spawned into its own process group, its output read
/// and logged until it exits, killed on timeout or stop. Used from one thread.
private struct HookProcess: Sendable {
    var arguments: [String]
    var environment: [String: String]
    var timeout: Int
    var logger: Logger
    var stop: StopRequest?
    var beat: (@Sendable () -> Void)?

    /// Seconds between SIGTERM and SIGKILL.
    static let killGrace = 2.0
    /// Lines kept for the warning of a failed run.
    static let tailLines = 5
    /// Longest line logged; the rest of a longer one is dropped.
    static let maximumLine = 2000

    func run() -> HookOutcome {
        let start = Date()
        var fds: [Int32] = [0, 0]
        // Swift's Glibc has no pipe2; finews starts no other processes, so nothing
        // can inherit the ends between pipe and fcntl.
        guard pipe(&fds) == 0 else {
            return HookOutcome(result: .notStarted, seconds: 0, message: "cannot make a pipe (\(String(cString: strerror(errno))))")
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }
        guard let pid = spawn(output: writeEnd) else {
            let reason = String(cString: strerror(errno))
            close(writeEnd)
            return HookOutcome(result: .notStarted, seconds: 0, message: "cannot start /bin/sh (\(reason))")
        }
        close(writeEnd)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)

        var output = LineBuffer(logger: logger)
        let deadline = start.addingTimeInterval(TimeInterval(timeout))
        var exitStatus: Int32?
        var killedAt: Date?
        var killedBy: HookOutcome.Result?
        var endOfOutput = false
        var lastBeat = start
        while true {
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            if !endOfOutput { _ = poll(&poller, 1, 100) } else { usleep(20_000) }
            if !endOfOutput { endOfOutput = output.read(from: readEnd) }
            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
            }
            if let status = exitStatus {
                // What is already in the pipe is logged; a background child that keeps
                // it open does not hold the cycle.
                if !endOfOutput { _ = output.read(from: readEnd) }
                output.flush()
                return outcome(status: status, killedBy: killedBy, start: start, tail: output.tail)
            }
            let now = Date()
            if now.timeIntervalSince(lastBeat) >= 1 {
                beat?()
                lastBeat = now
            }
            if killedAt == nil, now >= deadline || stop?.isRequested == true {
                killedBy = now >= deadline ? .timedOut : .stopped
                kill(-pid, SIGTERM)
                killedAt = now
            } else if let killedAt, now.timeIntervalSince(killedAt) >= Self.killGrace {
                kill(-pid, SIGKILL)
            }
        }
    }

    private func outcome(status: Int32, killedBy: HookOutcome.Result?, start: Date, tail: [String]) -> HookOutcome {
        let seconds = Date().timeIntervalSince(start)
        let exited = status & 0x7F == 0
        let code = (status >> 8) & 0xFF
        var result: HookOutcome.Result = exited && code == 0 ? .ok : .failed
        var message = exited ? "exit status \(code)" : "killed by signal \(status & 0x7F)"
        if let killedBy {
            result = killedBy
            message = killedBy == .timedOut
                ? "timed out after \(formatSeconds(timeout)); its process group was killed (raise [hooks] timeout if it needs longer)"
                : "stopped with finews; its process group was killed"
        } else if exited && code == 127 {
            message += " (command not found)"
        }
        if result != .ok, !tail.isEmpty { message += "; last output: " + tail.joined(separator: " | ") }
        return HookOutcome(result: result, exitStatus: exited ? code : nil, seconds: seconds, message: message)
    }

    private func formatSeconds(_ seconds: Int) -> String {
        seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }

    /// Starts `/bin/sh` in a new process group, stdin from /dev/null, stdout and
    /// stderr into `output`, default signal handling (finews ignores some signals,
    /// which a child would otherwise inherit). Nil when it cannot start.
    private func spawn(output: Int32) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGHUP, SIGUSR1, SIGINT, SIGTERM, SIGXFSZ, SIGCHLD] { sigaddset(&defaults, signal) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard result == 0 else {
            errno = result
            return nil
        }
        return pid
    }
}

/// The hook's output, split into lines as it comes: each line logged, the last few kept.
private struct LineBuffer {
    let logger: Logger
    private var pending: [UInt8] = []
    private(set) var tail: [String] = []

    init(logger: Logger) {
        self.logger = logger
    }

    /// Reads what the pipe holds; true at its end.
    mutating func read(from descriptor: Int32) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EINTR }
            pending.append(contentsOf: chunk[..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                emit(Array(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
            if pending.count > HookProcess.maximumLine {
                emit(Array(pending))
                pending.removeAll()
            }
        }
    }

    /// Logs a last line without its newline.
    mutating func flush() {
        if !pending.isEmpty { emit(pending) }
        pending.removeAll()
    }

    private mutating func emit(_ bytes: [UInt8]) {
        var line = String(decoding: bytes.prefix(HookProcess.maximumLine), as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        logger.notice("hook: \(line)", metadata: ["hook": "after_write"])
        tail.append(line)
        if tail.count > HookProcess.tailLines { tail.removeFirst() }
    }
}

/// The hook's record, kept in `.finews/hooks.json` for `finews status`: runs and
/// failures so far and the last outcome.
public struct HookRecord: Sendable, Hashable, Codable {
    public var runs = 0
    public var failures = 0
    public var lastRun: Date?
    public var lastOutcome: HookOutcome?
    /// When it last failed, and how.
    public var lastFailure: Date?
    public var lastFailureMessage: String?

    /// Creates an empty record.
    public init() {}

    static func file(in stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("hooks.json")
    }

    /// The record in `stateDirectory`, or nil when the hook never ran there.
    static func load(from stateDirectory: URL) -> HookRecord? {
        guard let data = try? Data(contentsOf: file(in: stateDirectory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(HookRecord.self, from: data)
    }

    /// Adds `outcome` and saves the record (atomically); a record that cannot be
    /// saved is logged, never fatal.
    static func add(_ outcome: HookOutcome, at date: Date, in stateDirectory: URL, logger: Logger) {
        var record = load(from: stateDirectory) ?? HookRecord()
        record.runs += 1
        record.lastRun = date
        record.lastOutcome = outcome
        if !outcome.succeeded {
            record.failures += 1
            record.lastFailure = date
            record.lastFailureMessage = outcome.message
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(record).write(to: file(in: stateDirectory), options: .atomic)
        } catch {
            logger.warning("cannot save the hook's record", metadata: ["error": "\(error.localizedDescription)"])
        }
    }
}
