public import Foundation
import CSystemShims
import Glibc

/// A file to place in the site, by its path below the site root.
public struct ArchiveFile: Sendable, Hashable {
    /// The path below the site root, such as `_posts/2022-03-02-NW1.md`.
    public var relativePath: String
    /// The exact bytes to write.
    public var contents: [UInt8]

    /// Creates a file.
    public init(relativePath: String, contents: [UInt8]) {
        self.relativePath = relativePath
        self.contents = contents
    }
}

/// Writes files into the site so that a crash at any instant leaves either the old
/// file or the new one, never a partial file and never a stray file that Jekyll
/// would publish (DESIGN.md §3).
///
/// A batch is committed as a group: every file is first written to a temporary
/// file under `.finews/tmp/` (the same file system, and a dot-folder Jekyll
/// ignores); then one `syncfs` flushes them all to disk at once; then each is
/// renamed into place, and each folder that changed is flushed. Only after
/// ``write(_:)`` returns may the caller record the files in its state.
public struct ArchiveWriter: Sendable {
    /// The site root.
    public let root: URL
    /// `root.path`, taken once: the stem of every destination path.
    private let rootPath: String
    private let temporaryDirectory: URL

    /// Creates a writer for the site at `root`, keeping temporary files under `stateDirectory/tmp`.
    public init(root: URL, stateDirectory: URL) {
        self.root = root
        self.rootPath = root.path
        self.temporaryDirectory = stateDirectory.appendingPathComponent("tmp", isDirectory: true)
    }

    /// Writes `files` durably, as one group commit.
    /// - Throws: ``ArchiveError`` naming the file that could not be written. Nothing
    ///   is renamed into place unless every file of the batch was written and flushed;
    ///   files renamed before a later rename failed stay (each is complete).
    public func write(_ files: [ArchiveFile]) throws(ArchiveError) {
        guard !files.isEmpty else { return }
        let batch = try begin()
        for file in files { try batch.stage(file) }
        try batch.commit()
    }

    /// Starts a group commit whose files are staged one at a time, so that a large
    /// cycle never holds all of its posts in memory.
    public func begin() throws(ArchiveError) -> ArchiveBatch {
        try makeDirectory(temporaryDirectory)
        removeStaleTemporaryFiles()
        return ArchiveBatch(writer: self, prefix: temporaryDirectory.path + "/\(getpid())-")
    }

    /// Flushes the staged files, renames them into place and flushes their folders.
    /// `renamed` counts the files moved into place, in order, also when a rename fails.
    fileprivate func commit(_ staged: [StagedFile], renamed: inout Int) throws(ArchiveError) {
        guard !staged.isEmpty else { return }
        try flushFileSystem(holding: temporaryDirectory.path, files: staged.map(\.temporary))
        var changedDirectories: Set<String> = []
        for item in staged {
            if changedDirectories.insert(item.directory).inserted {
                try makeDirectory(URL(fileURLWithPath: item.directory, isDirectory: true))
            }
            guard rename(item.temporary, item.final) == 0 else {
                throw ArchiveError(.io, "cannot move a new file into place at \(item.final): \(errorText())")
            }
            renamed += 1
        }
        for directory in changedDirectories.sorted() { try syncDirectory(directory) }
    }

    /// Moves files already in the site (posts into the archive folder, say) with the
    /// same guarantees: each move is a rename, and the folders are flushed after.
    public func move(_ moves: [(from: String, to: String)]) throws(ArchiveError) {
        guard !moves.isEmpty else { return }
        var changedDirectories: Set<String> = []
        for move in moves {
            let source = try destination(of: move.from)
            let target = try destination(of: move.to)
            let targetDirectory = target.deletingLastPathComponent()
            try makeDirectory(targetDirectory)
            guard rename(source.path, target.path) == 0 else {
                throw ArchiveError(.io, "cannot move \(move.from) to \(move.to): \(errorText())")
            }
            changedDirectories.insert(source.deletingLastPathComponent().path)
            changedDirectories.insert(targetDirectory.path)
        }
        for directory in changedDirectories.sorted() { try syncDirectory(directory) }
    }

    /// The absolute destination of a relative path, refusing anything that would
    /// leave the site root or write into a dot-folder.
    func destination(of relativePath: String) throws(ArchiveError) -> URL {
        try checkSafe(relativePath)
        return root.appendingPathComponent(relativePath)
    }

    /// ``destination(of:)`` as a file system path, made without a URL: the same
    /// path, since a safe relative path has no empty, `.` or `..` component.
    func destinationPath(of relativePath: String) throws(ArchiveError) -> String {
        try checkSafe(relativePath)
        return rootPath.hasSuffix("/") ? rootPath + relativePath : rootPath + "/" + relativePath
    }

    /// Refuses a path that is absolute, has an empty component, a component that
    /// starts with a dot (`..`, a dot-folder) or a NUL.
    private func checkSafe(_ relativePath: String) throws(ArchiveError) {
        guard Self.isSafe(relativePath) else {
            throw ArchiveError(.unsafePath, "refusing to write '\(relativePath)': not a safe path inside the site")
        }
    }

    static func isSafe(_ relativePath: String) -> Bool {
        // Posts and category pages have ASCII paths: their bytes are their
        // characters, so the check runs on the bytes.
        let utf8 = relativePath.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            var componentStart = true
            for byte in utf8 {
                if componentStart, byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") { return false }
                if byte == 0 { return false }
                componentStart = byte == UInt8(ascii: "/")
            }
            return !componentStart
        }
        // Elsewhere characters decide (a dot followed by a combining mark is not a dot).
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        return !relativePath.hasPrefix("/") && !components.isEmpty
            && components.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("\0") })
    }

    /// Writes a temporary file completely; it is flushed with the rest of the batch.
    fileprivate func writeFile(_ contents: [UInt8], to path: String, naming name: String) throws(ArchiveError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ArchiveError(.io, "cannot create a temporary file for \(name) at \(path): \(errorText())")
        }
        var failure: String?
        contents.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { break }
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errorText()
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0, failure == nil { failure = errorText() }
        if let failure {
            unlink(path)
            throw ArchiveError(.io, "cannot write \(name): \(failure)")
        }
    }

    /// One flush for the whole batch: `syncfs` on the file system that holds the
    /// temporary files. Where the kernel refuses it, each file is flushed instead.
    private func flushFileSystem(holding directory: String, files: [String]) throws(ArchiveError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError(.io, "cannot open \(directory) to flush it: \(errorText())") }
        defer { close(descriptor) }
        if finews_syncfs(descriptor) == 0 { return }
        for file in files {
            let fileDescriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard fileDescriptor >= 0 else { throw ArchiveError(.io, "cannot open \(file) to flush it: \(errorText())") }
            defer { close(fileDescriptor) }
            guard fsync(fileDescriptor) == 0 else { throw ArchiveError(.io, "cannot flush \(file): \(errorText())") }
        }
    }

    private func syncDirectory(_ path: String) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError(.io, "cannot open folder \(path) to sync it: \(errorText())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ArchiveError(.io, "cannot sync folder \(path): \(errorText())") }
    }

    private func makeDirectory(_ url: URL) throws(ArchiveError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError(.io, "cannot create folder \(url.path): \(error.localizedDescription)")
        }
    }

    /// Temporary files left by a run that was killed; the caller holds the lock,
    /// so no other writer can be using them.
    private func removeStaleTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path) else { return }
        for name in names where name.hasSuffix(".tmp") {
            unlink(temporaryDirectory.appendingPathComponent(name).path)
        }
    }
}

func errorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// One group commit in progress (see ``ArchiveWriter/begin()``): each staged file
/// is written to its temporary file at once; ``commit()`` makes them all durable
/// and visible. A batch dropped without a commit removes its temporary files.
public final class ArchiveBatch {
    private let writer: ArchiveWriter
    private let prefix: String
    private var staged: [StagedFile] = []
    /// How many staged files are in place, after a commit.
    private var renamed = 0
    private var committed = false

    fileprivate init(writer: ArchiveWriter, prefix: String) {
        self.writer = writer
        self.prefix = prefix
    }

    deinit {
        if !committed { for item in staged { unlink(item.temporary) } }
    }

    /// The number of files staged so far.
    public var count: Int { staged.count }

    /// Writes `file` to its temporary file.
    public func stage(_ file: ArchiveFile) throws(ArchiveError) {
        let final = try writer.destinationPath(of: file.relativePath)
        let temporary = prefix + "\(staged.count).tmp"
        try writer.writeFile(file.contents, to: temporary, naming: file.relativePath)
        staged.append(StagedFile(temporary: temporary, final: final))
    }

    /// Flushes every staged file at once, renames each into place, flushes the
    /// folders. Only after this returns may the files be recorded as written.
    public func commit() throws(ArchiveError) {
        defer {
            committed = true
            // Whatever was not renamed (after a failure) is removed.
            for item in staged[renamed...] { unlink(item.temporary) }
        }
        try writer.commit(staged, renamed: &renamed)
    }
}

/// A file written to its temporary path, waiting to be renamed to its final one.
private struct StagedFile {
    var temporary: String
    var final: String

    /// The folder that receives the file.
    var directory: String {
        // `final` is absolute and normalized (no empty, `.` or `..` component).
        var final = final
        return final.withUTF8 { utf8 in
            guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
            return slash == 0 ? "/" : String(decoding: UnsafeBufferPointer(rebasing: utf8[..<slash]), as: UTF8.self)
        }
    }
}

@available(*, unavailable)
extension ArchiveBatch: Sendable {}
