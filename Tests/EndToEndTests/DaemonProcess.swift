import Foundation
import Synchronization
import Testing

/// `finews run` as a child process: its standard error collected as it comes, signals
/// sent by pid, killed if the test ends while it still runs.
final class DaemonProcess: Sendable {
    private let process: Process
    private let errorReader: StreamReader
    /// The device and inode of the pipe behind its standard error (`JOURNAL_STREAM`'s form).
    let stderrIdentity: String

    init(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
         journal: Bool = false) throws {
        process = Process()
        process.executableURL = finewsBinary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let err = Pipe()
        var info = stat()
        fstat(err.fileHandleForWriting.fileDescriptor, &info)
        stderrIdentity = "\(info.st_dev):\(info.st_ino)"
        var env = ProcessInfo.processInfo.environment
        for key in ["FINEWS_CONFIG", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] {
            env.removeValue(forKey: key)
        }
        env.merge(environment) { _, new in new }
        if journal { env["JOURNAL_STREAM"] = stderrIdentity }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        errorReader = StreamReader(err.fileHandleForReading)
        try process.run()
        errorReader.start()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderr: String { errorReader.text }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; its status, or nil when it still runs after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// Waits until standard error holds `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async -> Bool {
        await waitUntil(timeout: timeout) { self.stderr.contains(text) }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; whether it held.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A finews command run without blocking a thread of the test's pool (the test's
/// own HTTP server needs them): output collected as it comes, killed after `timeout`.
func runFinewsAsync(
    _ arguments: [String], in directory: URL, environment: [String: String] = [:], timeout: Duration = .seconds(30)
) async throws -> RunResult {
    let process = Process()
    process.executableURL = finewsBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "FINEWS_CONFIG")
    env.merge(environment) { _, new in new }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let outReader = StreamReader(out.fileHandleForReading)
    let errReader = StreamReader(err.fileHandleForReading)
    try process.run()
    outReader.start()
    errReader.start()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(10))
    }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("finews \(arguments.joined(separator: " ")) did not finish within \(timeout)")
    }
    process.waitUntilExit()
    _ = await waitUntil(timeout: .seconds(5)) { outReader.isFinished && errReader.isFinished }
    return RunResult(status: process.terminationStatus, stdout: outReader.text, stderr: errReader.text)
}

/// Reads a pipe to its end on a thread of its own, so that no thread of the test's
/// pool blocks and no dispatch source watches a descriptor that may be closed under it.
final class StreamReader: Sendable {
    private let handle: FileHandle
    private let state = Mutex((data: Data(), finished: false))

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    /// Starts reading; call once, after the child process has started.
    func start() {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.data.append(chunk) }
            }
            state.withLock { $0.finished = true }
        }
        thread.start()
    }

    /// What was read so far.
    var text: String { state.withLock { String(decoding: $0.data, as: UTF8.self) } }
    /// Whether the pipe reached its end.
    var isFinished: Bool { state.withLock { $0.finished } }
}

/// A fresh site folder for the daemon tests, removed afterwards.
final class DaemonSite: Sendable {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes feeds.conf: `feeds` (name → URL), checked every `interval`.
    func writeConfig(feeds: [(String, String)], interval: String = "2s", maxBackoff: String = "1h") throws {
        var text = """
            # Written by the test.
            [site]
            output = "out"
            timezone = "UTC"

            [schedule]
            min_interval = "1s"
            interval = "\(interval)"
            max_backoff = "\(maxBackoff)"

            """
        for (name, url) in feeds { text += "\n[[feed]]\nname = \"\(name)\"\nurl = \"\(url)\"\n" }
        try write("feeds.conf", text)
    }

    func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(path))
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    /// The post files written so far.
    func posts() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out/_posts").path))?
            .sorted() ?? []
    }

    /// Files left in the state folder's temporary area.
    func temporaryFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out/.finews/tmp").path)) ?? []
    }

    func daemon(environment: [String: String] = [:], journal: Bool = false, logLevel: String = "info") throws
        -> DaemonProcess {
        try DaemonProcess(["run", "--config", "feeds.conf", "--log-level", logLevel], in: folder,
                          environment: environment, journal: journal)
    }

    /// `finews status --json`, decoded.
    func status() async throws -> [String: Any] {
        let run = try await runFinewsAsync(["status", "--config", "feeds.conf", "--json"], in: folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// The status of one feed.
    func status(of feed: String) async throws -> [String: Any] {
        let feeds = try #require(try await status()["feeds"] as? [[String: Any]])
        return try #require(feeds.first { $0["name"] as? String == feed })
    }
}
