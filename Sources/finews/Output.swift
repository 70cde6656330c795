public import ArgumentParser
import Foundation
public import Logging
import FinewsDaemon

enum FileHandleWriter {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Sets up swift-log once for the process: one line per message on standard error,
/// with syslog priority prefixes when journald reads it.
enum LogSetup {
    static func bootstrap(level: Logger.Level, write: @escaping @Sendable (String) -> Void = FinewsLogHandler.writeToStandardError)
        -> Logger {
        let format = FinewsLogHandler.format(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { _ in
            FinewsLogHandler(format: format, level: level, write: write)
        }
        var logger = Logger(label: "finews")
        logger.logLevel = level
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
