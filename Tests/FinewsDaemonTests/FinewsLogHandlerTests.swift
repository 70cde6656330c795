@testable import FinewsDaemon
@testable import FinewsConfig
import Foundation
import Glibc
import Logging
import Testing

@Suite("Log lines for journald and for a terminal")
struct FinewsLogHandlerTests {
    @Test("Every level carries its syslog priority under journald", arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorities(level: Logger.Level, priority: Int) {
        let line = FinewsLogHandler.render(level: level, message: "hello", metadata: [:], format: .journal, date: Date())
        #expect(line == "<\(priority)>hello\n")
    }

    @Test("Metadata sorted and quoted when needed; every line of a message prefixed")
    func journalLines() {
        let line = FinewsLogHandler.render(
            level: .warning, message: "feed failed\nsecond line",
            metadata: ["reason": "could not connect", "feed": "a", "empty": ""], format: .journal, date: Date())
        #expect(line == "<4>feed failed\n<4>second line empty=\"\" feed=a reason=\"could not connect\"\n")
    }

    @Test("Plain lines: a UTC time and the level")
    func plain() {
        let line = FinewsLogHandler.render(
            level: .notice, message: "finews started", metadata: ["feeds": "3"], format: .plain,
            date: Date(timeIntervalSince1970: 1_709_373_600))
        #expect(line == "2024-03-02T10:00:00Z notice: finews started feeds=3\n")
    }

    @Test("The handler honours its level and writes through its sink")
    func handler() {
        let lines = Recorder<String>()
        var logger = Logger(label: "test") { _ in
            FinewsLogHandler(format: .journal, level: .info, write: { lines.append($0) })
        }
        logger[metadataKey: "run"] = "1"
        logger.debug("hidden")
        logger.info("shown", metadata: ["feed": "x"])
        logger.error("bad")
        #expect(lines.values == ["<6>shown feed=x run=1\n", "<3>bad run=1\n"])
    }

    @Test("JOURNAL_STREAM counts only when it names the stream behind the descriptor")
    func journalStream() throws {
        let pipe = Pipe()
        let descriptor = pipe.fileHandleForWriting.fileDescriptor
        var info = stat()
        #expect(fstat(descriptor, &info) == 0)
        let matching = "\(info.st_dev):\(info.st_ino)"
        #expect(FinewsLogHandler.format(environment: ["JOURNAL_STREAM": matching], descriptor: descriptor) == .journal)
        #expect(FinewsLogHandler.format(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"],
                                        descriptor: descriptor) == .plain)
        #expect(FinewsLogHandler.format(environment: ["JOURNAL_STREAM": "garbage"], descriptor: descriptor) == .plain)
        #expect(FinewsLogHandler.format(environment: [:], descriptor: descriptor) == .plain)
    }
}
