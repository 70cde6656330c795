public import Foundation
import FinewsNormalize
import Glibc

/// Adds the feeds of an OPML list to feeds.conf as `[[feed]]` tables, appended to
/// the text so that every comment and layout of the file stays as it was.
public struct OPMLImport: Sendable {
    /// A feed that will be added.
    public struct Added: Sendable, Hashable {
        public var name: String
        public var url: String
        public var title: String?
    }

    /// An outline that will not be added, and why.
    public struct Skipped: Sendable, Hashable {
        public var title: String?
        public var url: String
        public var reason: String
    }

    public var added: [Added] = []
    public var skipped: [Skipped] = []
    /// The configuration text with the new tables appended (unchanged when none).
    public var text: String

    /// Plans the import of `outlines` into the configuration `text` (already loaded as
    /// `config`): URLs already configured, listed twice, or not http(s) are skipped;
    /// names come from the titles, made safe and unique.
    public init(_ outlines: [OPMLOutline], into text: String, config: Config, source: String, date: Date = Date()) {
        self.text = text
        var taken = Set(config.feeds.map(\.name))
        var configured: [String: String] = [:]
        for feed in config.feeds { configured[Self.normalize(feed.url)] = feed.name }
        var imported: Set<String> = []
        var blocks: [String] = []
        for outline in outlines {
            let lower = outline.url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: outline.url)?.host != nil else {
                skipped.append(Skipped(title: outline.title, url: outline.url, reason: "not an http(s) URL"))
                continue
            }
            let key = Self.normalize(outline.url)
            if let existing = configured[key] {
                skipped.append(Skipped(title: outline.title, url: outline.url, reason: "already configured as '\(existing)'"))
                continue
            }
            guard imported.insert(key).inserted else {
                skipped.append(Skipped(title: outline.title, url: outline.url, reason: "listed twice in \(source)"))
                continue
            }
            if let name = outline.name, taken.contains(name) {
                skipped.append(Skipped(title: outline.title, url: outline.url, reason: "the name '\(name)' is taken; choose another"))
                continue
            }
            let name = outline.name ?? Self.uniqueName(Self.baseName(title: outline.title, url: outline.url), taken: taken)
            taken.insert(name)
            added.append(Added(name: name, url: outline.url, title: outline.title))
            var block = "[[feed]]\nname = \(Self.tomlString(name))\nurl = \(Self.tomlString(outline.url))\n"
            if let title = outline.tag ?? outline.title, title != name {
                // A brace in a tag starts a placeholder; a literal one is written twice.
                let literal = title.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
                block += "tag = \(Self.tomlString(literal))\n"
            }
            for setting in outline.settings {
                block += "\(setting.key) = \(Self.tomlString(setting.value))\n"
            }
            blocks.append(block)
        }
        guard !blocks.isEmpty else { return }
        var appended = text
        if !appended.isEmpty, !appended.hasSuffix("\n") { appended += "\n" }
        if !appended.isEmpty { appended += "\n" }
        appended += "# Imported from \(source) on \(Self.day(date)).\n" + blocks.joined(separator: "\n")
        self.text = appended
    }

    /// A feed name from a title: transliterated to Latin letters, lowercased, with
    /// runs of anything but letters, digits, `-` and `_` turned into one `-`, at most
    /// 40 characters. Without a usable title, the URL's host (`www.` dropped).
    static func baseName(title: String?, url: String) -> String {
        if let title, let name = slug(title) { return name }
        var host = URL(string: url)?.host?.lowercased() ?? ""
        if host.hasPrefix("www.") { host.removeFirst(4) }
        return slug(host) ?? "feed"
    }

    /// `base`, or `base-2`, `base-3`, ... whichever is not taken.
    static func uniqueName(_ base: String, taken: Set<String>) -> String {
        guard taken.contains(base) else { return base }
        var number = 2
        while taken.contains("\(base)-\(number)") { number += 1 }
        return "\(base)-\(number)"
    }

    private static func slug(_ text: String) -> String? {
        let latin = Transliteration.latin(text, using: .toLatin)
        var out = ""
        var pendingDash = false
        for scalar in latin.lowercased().unicodeScalars {
            let isSafe = (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "-"
            if isSafe {
                if pendingDash, !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        while out.count > 40, let cut = out.prefix(40).lastIndex(of: "-") { out = String(out[..<cut]) }
        if out.count > 40 { out = String(out.prefix(40)) }
        while out.hasSuffix("-") || out.hasSuffix("_") { out.removeLast() }
        while out.hasPrefix("-") || out.hasPrefix("_") { out.removeFirst() }
        return out.isEmpty ? nil : out
    }

    /// A URL reduced to what tells two feeds apart: scheme and host lowercased,
    /// no fragment, no default port, no trailing slash.
    static func normalize(_ url: String) -> String {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var parts = URLComponents(string: trimmed), parts.host != nil else { return trimmed }
        parts.scheme = parts.scheme?.lowercased()
        parts.host = parts.host?.lowercased()
        parts.fragment = nil
        if (parts.scheme == "http" && parts.port == 80) || (parts.scheme == "https" && parts.port == 443) { parts.port = nil }
        var text = parts.string ?? trimmed
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// A TOML basic string.
    static func tomlString(_ text: String) -> String {
        QuotedString.escaped(text)
    }

    private static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
        return "\(parts.year ?? 1970)-\(two(parts.month))-\(two(parts.day))"
    }
}

/// Replacing feeds.conf safely.
public enum ConfigFile {
    /// Writes `text` to `file` atomically: a temporary file in the same folder, with
    /// the old file's permissions, flushed and renamed over it, then the folder flushed.
    /// A crash leaves the old file or the new one, never a mix.
    /// - Throws: ``OPMLError`` `.io` naming the file.
    public static func replace(_ file: URL, with text: String) throws(OPMLError) {
        let folder = file.deletingLastPathComponent().path
        let temporary = "\(folder)/.\(file.lastPathComponent).\(getpid()).tmp"
        var info = stat()
        let mode = stat(file.path, &info) == 0 ? info.st_mode & 0o7777 : 0o644
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw OPMLError(.io, "cannot write next to \(file.path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        var failure: Int32 = 0
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        if failure == 0, fchmod(descriptor, mode) != 0 { failure = errno }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, file.path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw OPMLError(.io, "cannot write \(file.path): \(String(cString: strerror(failure)))")
        }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
