import Foundation
import Testing

/// The built `finews` executable, next to this test bundle in the build folder
/// (or `$FINEWS_BINARY`).
let finewsBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["FINEWS_BINARY"] { return URL(fileURLWithPath: path) }
    return Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("finews")
}()

/// What a run of the binary printed and how it exited.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `finews` with `arguments` in `directory` and waits for it.
///
/// The process is run and read on a thread of its own: a test that blocked Swift's
/// cooperative pool while a child runs would starve the HTTP servers other tests
/// run on that pool.
func runFinews(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) async throws -> RunResult {
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "FINEWS_CONFIG")
    env.merge(environment) { _, new in new }
    return try await runProcess(finewsBinary, arguments, in: directory, environment: env)
}

/// Runs any program off the cooperative pool and collects its output.
func runProcess(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil
) async throws -> RunResult {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RunResult, any Error>) in
        let thread = Thread {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = directory }
            if let environment { process.environment = environment }
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            // Both pipes are drained at once, so a full stderr cannot block the child.
            let group = DispatchGroup()
            let stderrBox = DataBox()
            group.enter()
            let reader = Thread {
                stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            reader.start()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            continuation.resume(returning: RunResult(
                status: process.terminationStatus,
                stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderrBox.data, as: UTF8.self)))
        }
        thread.start()
    }
}

/// Holds what the stderr reader thread read, handed over through the group's wait.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A fresh folder holding a copy of the seed fixtures (or of another fixture
/// folder), removed afterwards.
final class SeedSite {
    let folder: URL

    init(fixture: String = "seed") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-e2e-\(UUID().uuidString)")
        let seed = try #require(Bundle.module.url(forResource: "Fixtures/\(fixture)", withExtension: nil))
        try FileManager.default.copyItem(at: seed, to: folder)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    func read(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }

    func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: url(path))
    }

    /// The seed feeds.conf with the feed list replaced by `feeds` (name → url).
    func writeConfig(_ name: String, feeds: [(String, String)]) throws {
        var text = """
            [site]
            output = "out"
            base_url = "//finews.withounder.com"
            timezone = "Asia/Shanghai"
            archive_after = "0"

            """
        for (feedName, url) in feeds {
            text += "\n[[feed]]\nname = \"\(feedName)\"\nurl = \"\(url)\"\ntag = \"漯河日报新闻\"\ncategory = \"taheribao\"\n"
        }
        try write(name, text)
    }

    /// Every file under `out/` that Jekyll would see (dot-folders excluded), sorted.
    func publishedFiles() -> [String] {
        let root = url("out")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                         options: [.skipsHiddenFiles]) else { return [] }
        var paths: [String] = []
        for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            paths.append(String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)))
        }
        return paths.sorted()
    }
}
