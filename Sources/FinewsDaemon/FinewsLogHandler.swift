public import Foundation
import Glibc
public import Logging

/// A swift-log handler that writes one line per message to standard error (or any
/// sink): with a `<N>` syslog priority prefix when journald reads the stream, so that
/// `journalctl -p warning` filters finews's lines; with a time and a level otherwise.
///
/// Libraries only take a `Logger`; `main` bootstraps this handler.
public struct FinewsLogHandler: LogHandler {
    /// How lines look.
    public enum Format: Sendable, Hashable {
        /// `<4>feed failed feed=a reason="..."`: journald adds the time and reads the priority.
        case journal
        /// `2024-03-02T10:00:00Z warning: feed failed feed=a reason="..."`.
        case plain
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: Format
    private let write: @Sendable (String) -> Void

    /// Creates a handler writing lines (each ending in a newline) to `write`.
    public init(format: Format, level: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.format = format
        self.logLevel = level
        self.write = write
    }

    /// Creates a handler writing to standard error in the format `environment` calls for.
    public init(level: Logger.Level, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(format: Self.format(environment: environment), level: level, write: Self.writeToStandardError)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line (more for a multi-line message) through the sink.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(Self.render(level: event.level, message: "\(event.message)", metadata: merged, format: format, date: Date()))
    }

    /// The line(s) for one message. Every line of a multi-line message carries the
    /// priority prefix, so journald files none of them at the wrong level.
    static func render(
        level: Logger.Level, message: String, metadata: Logger.Metadata, format: Format, date: Date
    ) -> String {
        var text = message
        for key in metadata.keys.sorted() {
            text += " \(key)=\(quoted("\(metadata[key].map { "\($0)" } ?? "")"))"
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        switch format {
        case .journal:
            return lines.map { "<\(priority(level))>\($0)\n" }.joined()
        case .plain:
            let head = "\(timestamp(date)) \(level): "
            let indent = String(repeating: " ", count: head.count)
            return lines.enumerated().map { ($0.offset == 0 ? head : indent) + $0.element + "\n" }.joined()
        }
    }

    /// The syslog priority of a level (sd-daemon(3)): trace and debug 7, info 6,
    /// notice 5, warning 4, error 3, critical 2.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// `.journal` when `JOURNAL_STREAM` names the file behind standard error
    /// (`device:inode`, as systemd.exec(5) says to check), `.plain` otherwise: a
    /// process started from a service but writing elsewhere keeps plain lines.
    public static func format(environment: [String: String], descriptor: Int32 = 2) -> Format {
        guard let value = environment["JOURNAL_STREAM"] else { return .plain }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return .plain }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .plain }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode ? .journal : .plain
    }

    /// Writes `text` to file descriptor 2 in as few calls as it takes.
    public static let writeToStandardError: @Sendable (String) -> Void = { text in
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    private static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
