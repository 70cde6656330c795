import Foundation
import Testing

/// The public feed corpus beside the project (../shared/corpus), when it is there.
private let corpusChecker: URL? = {
    var folder = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { folder.deleteLastPathComponent() }
    let checker = folder.deletingLastPathComponent().appendingPathComponent("shared/corpus/check.py")
    return FileManager.default.fileExists(atPath: checker.path) ? checker : nil
}()

@Suite("Parser conformance on the public corpus")
struct ParserConformanceTests {
    @Test("At least 95% of the public feeds parse as the reference parser reads them",
          .enabled(if: corpusChecker != nil, "../shared/corpus is not beside the project"))
    func corpus() async throws {
        let checker = try #require(corpusChecker)
        let run = try await runProcess(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", checker.path, "\(finewsBinary.path) parse --json {file}"])
        let text = run.stdout
        let last = try #require(text.split(separator: "\n").last { $0.contains("passed") })
        let numbers = last.split(separator: " ").compactMap { Int($0) }
        let passed = try #require(numbers.first)
        let failed = try #require(numbers.dropFirst().first)
        #expect(Double(passed) / Double(passed + failed) >= 0.95, "\(last)")
    }
}
