import FinewsNormalize
public import Foundation
import CSystemShims
import Glibc
import Synchronization

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
/// A batch is committed in groups: each file is first written as an unnamed file
/// (O_TMPFILE) in its destination folder, which has no name and vanishes in a
/// crash, or, where the file system has none, as a temporary file under
/// `.finews/tmp/` (the same file system, and a dot-folder Jekyll ignores). Each
/// group of a few thousand files is then flushed to disk by one `syncfs`, and only
/// then are its files given their names: an unnamed file is linked into place (a
/// file already there is replaced by a rename), a temporary file renamed. An
/// unnamed file spares the kernel a second folder entry and the rename's two
/// lookups: about a quarter of the kernel's time per post. Groups are committed on a
/// background queue while the next group is being written, so flushing and
/// renaming overlap with rendering and writing. A group handed over with
/// ``ArchiveBatch/handOver(then:)`` also has its folders flushed before its record
/// runs, so a caller records a group's files only once they are on disk; otherwise
/// each folder that changed is flushed at the end. Only after
/// ``ArchiveBatch/commit()`` returns may the caller record the other files.
public struct ArchiveWriter: Sendable {
    /// The site root.
    public let root: URL
    /// `root.path`, taken once: the stem of every destination path.
    private let rootPath: String
    private let temporaryDirectory: URL

    /// Files per group: large enough that one `syncfs` serves many files, small
    /// enough that flushing overlaps with staging.
    let groupSize: Int
    /// Bytes per group at most, for batches of large files.
    static let groupBytes = 16 << 20

    /// Creates a writer for the site at `root`, keeping temporary files under `stateDirectory/tmp`.
    public init(root: URL, stateDirectory: URL) {
        self.init(root: root, stateDirectory: stateDirectory, groupSize: 2048)
    }

    /// How many unnamed files this writer's batches may keep open at once, in the
    /// whole process (``defaultUnnamedFileBudget``); 0 stages every file as a named
    /// temporary file.
    let unnamedFileBudget: Int

    /// Creates a writer with another group size or budget of unnamed files (tests use small ones).
    init(root: URL, stateDirectory: URL, groupSize: Int, unnamedFileBudget: Int = ArchiveWriter.defaultUnnamedFileBudget) {
        self.unnamedFileBudget = unnamedFileBudget
        self.root = root
        self.rootPath = root.path
        self.temporaryDirectory = stateDirectory.appendingPathComponent("tmp", isDirectory: true)
        self.groupSize = max(1, groupSize)
    }

    /// Writes `files` durably, as one batch.
    /// - Throws: ``StoreError`` naming the file that could not be written. No file
    ///   is renamed into place before it is on disk; files renamed before a later
    ///   failure stay (each is complete).
    public func write(_ files: [ArchiveFile]) throws(StoreError) {
        guard !files.isEmpty else { return }
        let batch = try begin()
        for file in files { try batch.stage(file) }
        try batch.commit()
    }

    /// Starts a batch whose files are staged one at a time, so that a large cycle
    /// never holds all of its posts in memory.
    public func begin() throws(StoreError) -> ArchiveBatch {
        try makeDirectory(temporaryDirectory)
        removeStaleTemporaryFiles()
        return ArchiveBatch(
            writer: self, temporaryDirectory: temporaryDirectory.path,
            unnamedFiles: unnamedFileBudget > 0 && Self.canLinkUnnamedFiles(in: temporaryDirectory.path))
    }

    /// Flushes one group's files and gives each its name in place — a rename of a
    /// temporary file, a link of an unnamed one — counting them in `renamed`.
    /// `madeDirectories` holds the folders already created.
    fileprivate func commit(
        _ group: [StagedFile], renamed: inout Int, madeDirectories: inout Set<String>
    ) throws(StoreError) {
        guard !group.isEmpty else { return }
        try flushFileSystem(of: group)
        for item in group {
            if madeDirectories.insert(item.directory).inserted {
                try makeDirectory(URL(fileURLWithPath: item.directory, isDirectory: true))
            }
            switch item.source {
            case .temporary(let temporary):
                guard rename(temporary, item.final) == 0 else {
                    throw StoreError(.io, "cannot move a new file into place at \(item.final): \(errorText())")
                }
            case .unnamed(let descriptor):
                try link(descriptor, at: item.final)
                close(descriptor)
                Self.unnamedFilesOpen.subtract(1, ordering: .relaxed)
            }
            renamed += 1
        }
    }

    /// Names the unnamed file open at `descriptor` `path`. Where a file is there
    /// already (a post rewritten in place), it is linked under a temporary name and
    /// renamed over it, so that the old file is replaced in one step.
    private func link(_ descriptor: Int32, at path: String) throws(StoreError) {
        if finews_link_unnamed(descriptor, path) == 0 { return }
        guard errno == EEXIST else {
            throw StoreError(.io, "cannot put a new file in place at \(path): \(errorText())")
        }
        let number = Self.replacements.add(1, ordering: .relaxed).newValue
        let temporary = temporaryDirectory.path + "/\(getpid())-replace-\(number)"
        unlink(temporary)
        guard finews_link_unnamed(descriptor, temporary) == 0 else {
            throw StoreError(.io, "cannot put a new file in place at \(path): \(errorText())")
        }
        guard rename(temporary, path) == 0 else {
            let reason = errorText()
            unlink(temporary)
            throw StoreError(.io, "cannot move a new file into place at \(path): \(reason)")
        }
    }

    /// Names given to replacements, for unique temporary names.
    private static let replacements = Atomic<Int>(0)

    /// Unnamed files open in this process (written, not yet linked), against
    /// ``unnamedFileBudget``: batches of several writers share the descriptors.
    fileprivate static let unnamedFilesOpen = Atomic<Int>(0)

    /// How many unnamed files may be open at once: each holds a descriptor until its
    /// group is on disk. The soft limit of open files is raised within the hard one
    /// (to 16,384), and 512 descriptors stay for connections, the state and the rest;
    /// past the budget, files go through named temporary files.
    static let defaultUnnamedFileBudget: Int = {
        let limit = finews_raise_open_files_limit(16_384)
        return limit < 0 ? 0 : max(0, limit - 512)
    }()

    /// Flushes folders whose entries changed, so that renames survive a crash.
    fileprivate func syncDirectories(_ directories: some Sequence<String>) throws(StoreError) {
        for directory in directories { try syncDirectory(directory) }
    }

    /// Moves files already in the site (posts into the archive folder, say) with the
    /// same guarantees: each move is a rename, and the folders are flushed after.
    public func move(_ moves: [(from: String, to: String)]) throws(StoreError) {
        guard !moves.isEmpty else { return }
        var changedDirectories: Set<String> = []
        for move in moves {
            let source = try destination(of: move.from)
            let target = try destination(of: move.to)
            let targetDirectory = target.deletingLastPathComponent()
            try makeDirectory(targetDirectory)
            guard rename(source.path, target.path) == 0 else {
                throw StoreError(.io, "cannot move \(move.from) to \(move.to): \(errorText())")
            }
            changedDirectories.insert(source.deletingLastPathComponent().path)
            changedDirectories.insert(targetDirectory.path)
        }
        for directory in changedDirectories.sorted() { try syncDirectory(directory) }
    }

    /// The absolute destination of a relative path, refusing anything that would
    /// leave the site root or write into a dot-folder.
    func destination(of relativePath: String) throws(StoreError) -> URL {
        try checkSafe(relativePath)
        return root.appendingPathComponent(relativePath)
    }

    /// ``destination(of:)`` as a file system path, made without a URL: the same
    /// path, since a safe relative path has no empty, `.` or `..` component.
    func destinationPath(of relativePath: String) throws(StoreError) -> String {
        try checkSafe(relativePath)
        return rootPath.hasSuffix("/") ? rootPath + relativePath : rootPath + "/" + relativePath
    }

    /// Refuses a path that is absolute, has an empty component, a component that
    /// starts with a dot (`..`, a dot-folder) or a NUL.
    private func checkSafe(_ relativePath: String) throws(StoreError) {
        guard Self.isSafe(relativePath) else {
            throw StoreError(.unsafePath, "refusing to write '\(relativePath)': not a safe path inside the site")
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
    fileprivate func writeFile(_ contents: [UInt8], to path: String, naming name: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(.io, "cannot create a temporary file for \(name) at \(path): \(errorText())")
        }
        var failure = Self.writeAll(contents, to: descriptor)
        if close(descriptor) != 0, failure == nil { failure = errorText() }
        if let failure {
            unlink(path)
            throw StoreError(.io, "cannot write \(name): \(failure)")
        }
    }

    /// Writes an unnamed file (O_TMPFILE) in `directory`, the folder of its
    /// destination: it has no name until its group is on disk, so a crash before
    /// that leaves nothing. Returns its descriptor, or nil where the file system has
    /// no unnamed files.
    fileprivate func writeUnnamedFile(
        _ contents: [UInt8], in directory: String, naming name: String
    ) throws(StoreError) -> Int32? {
        let descriptor = finews_open_unnamed(directory, 0o644)
        guard descriptor >= 0 else {
            if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL { return nil }
            throw StoreError(.io, "cannot create a new file for \(name) in \(directory): \(errorText())")
        }
        if let failure = Self.writeAll(contents, to: descriptor) {
            close(descriptor)
            throw StoreError(.io, "cannot write \(name): \(failure)")
        }
        return descriptor
    }

    /// Whether an unnamed file can be made in `directory` and then linked there: a
    /// kernel or file system without O_TMPFILE, or a process that may neither link
    /// a descriptor nor see `/proc/self/fd`, stages through named temporary files.
    static func canLinkUnnamedFiles(in directory: String) -> Bool {
        let descriptor = finews_open_unnamed(directory, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let probe = directory + "/.finews-probe-\(getpid())"
        unlink(probe)
        guard finews_link_unnamed(descriptor, probe) == 0 else { return false }
        unlink(probe)
        return true
    }

    /// Writes every byte of `contents`; the error's text, or nil.
    private static func writeAll(_ contents: [UInt8], to descriptor: Int32) -> String? {
        contents.withUnsafeBytes { buffer -> String? in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { break }
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errorText()
                }
                offset += written
            }
            return nil
        }
    }

    /// One flush for the whole group: `syncfs` on the file system that holds its
    /// files (an unnamed one's, else the temporary folder's). Where the kernel
    /// refuses it, each file is flushed instead.
    private func flushFileSystem(of group: [StagedFile]) throws(StoreError) {
        var descriptor: Int32 = -1
        for item in group {
            if case .unnamed(let unnamed) = item.source { descriptor = unnamed; break }
        }
        if descriptor >= 0, finews_syncfs(descriptor) == 0 { return }
        let directory = temporaryDirectory.path
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw StoreError(.io, "cannot open \(directory) to flush it: \(errorText())") }
        defer { close(folder) }
        if descriptor < 0, finews_syncfs(folder) == 0 { return }
        for item in group {
            switch item.source {
            case .unnamed(let unnamed):
                guard fsync(unnamed) == 0 else { throw StoreError(.io, "cannot flush \(item.final): \(errorText())") }
            case .temporary(let file):
                let fileDescriptor = open(file, O_RDONLY | O_CLOEXEC)
                guard fileDescriptor >= 0 else { throw StoreError(.io, "cannot open \(file) to flush it: \(errorText())") }
                defer { close(fileDescriptor) }
                guard fsync(fileDescriptor) == 0 else { throw StoreError(.io, "cannot flush \(file): \(errorText())") }
            }
        }
    }

    private func syncDirectory(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StoreError(.io, "cannot open folder \(path) to sync it: \(errorText())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StoreError(.io, "cannot sync folder \(path): \(errorText())") }
    }

    func makeDirectory(_ url: URL) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create folder \(url.path): \(error.localizedDescription)")
        }
    }

    /// Temporary files and group folders left by a run that was killed; the caller
    /// holds the lock, so no other writer can be using them.
    private func removeStaleTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path) else { return }
        for name in names {
            try? FileManager.default.removeItem(at: temporaryDirectory.appendingPathComponent(name))
        }
    }
}

func errorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// A batch in progress (see ``ArchiveWriter/begin()``): each staged file is written
/// at once, unnamed or to its temporary file; every 2,048 files (or 16 MiB), the group
/// is handed to a background queue that flushes and renames it while staging goes
/// on. ``commit()`` waits for every group and flushes the folders. A batch dropped
/// without a commit drops the files of the groups not yet handed over.
public final class ArchiveBatch {
    private let writer: ArchiveWriter
    private let temporaryDirectory: String
    private let committer: GroupCommitter
    private var group: [StagedFile] = []
    private var groupBytes = 0
    private var groupFolder: String?
    private var groupCount = 0
    private var stagedCount = 0
    private var committed = false
    /// Whether files are staged as unnamed files in their destination folder (where
    /// one could be made and linked, until the file system refuses one), and the
    /// folders known to exist for them.
    private var unnamedFiles: Bool
    private var readyDirectories: Set<String> = []
    /// Folders this batch made for unnamed files, deepest first for each.
    private var madeDirectories: [String] = []

    fileprivate init(writer: ArchiveWriter, temporaryDirectory: String, unnamedFiles: Bool) {
        self.writer = writer
        self.temporaryDirectory = temporaryDirectory
        self.unnamedFiles = unnamedFiles
        self.committer = GroupCommitter(writer: writer)
    }

    deinit {
        if !committed {
            for item in group { item.discard() }
            if let groupFolder { rmdir(groupFolder) }
            committer.abandon()
            // Made for files that never landed: removed when empty (rmdir leaves any other).
            for folder in madeDirectories { rmdir(folder) }
        }
    }

    /// The number of files staged so far.
    public var count: Int { stagedCount }

    /// Whether the group being staged has reached its size: the caller hands it over
    /// (``handOver(then:)``) with what to record once it is on disk. A full group left
    /// as it is is handed over by the next ``stage(_:)``, with nothing to record.
    public var isGroupFull: Bool {
        group.count >= writer.groupSize || groupBytes >= ArchiveWriter.groupBytes
    }

    /// Writes `file` as an unnamed file in its folder, or to a temporary file.
    /// - Throws: ``StoreError`` when the file cannot be written, or when a group
    ///   handed over earlier could not be committed.
    public func stage(_ file: ArchiveFile) throws(StoreError) {
        try committer.throwIfFailed()
        if isGroupFull { handOver() }
        let final = try writer.destinationPath(of: file.relativePath)
        let directory = StagedFile.directory(of: final)
        if unnamedFiles, ArchiveWriter.unnamedFilesOpen.load(ordering: .relaxed) < writer.unnamedFileBudget,
           prepareDirectory(directory) {
            if let descriptor = try writer.writeUnnamedFile(file.contents, in: directory, naming: file.relativePath) {
                ArchiveWriter.unnamedFilesOpen.add(1, ordering: .relaxed)
                append(StagedFile(source: .unnamed(descriptor), final: final, directory: directory), bytes: file.contents.count)
                return
            }
            // No unnamed files on this file system: named temporary files from now on.
            unnamedFiles = false
        }
        let folder: String
        if let groupFolder {
            folder = groupFolder
        } else {
            folder = temporaryDirectory + "/\(getpid())-\(groupCount)"
            guard mkdir(folder, 0o755) == 0 else {
                throw StoreError(.io, "cannot create the temporary folder \(folder): \(errorText())")
            }
            groupFolder = folder
        }
        let temporary = folder + "/\(group.count).tmp"
        try writer.writeFile(file.contents, to: temporary, naming: file.relativePath)
        append(StagedFile(source: .temporary(temporary), final: final, directory: directory), bytes: file.contents.count)
    }

    /// Makes sure the destination folder exists, for an unnamed file; false (and the
    /// file goes through a temporary one, failing at its group's commit as before)
    /// when it cannot be made. Folders made here are removed again, if empty, when
    /// the batch is dropped without a commit.
    private func prepareDirectory(_ directory: String) -> Bool {
        if readyDirectories.contains(directory) { return true }
        var missing: [String] = []
        var folder = directory
        while !folder.isEmpty, folder != "/", access(folder, F_OK) != 0 {
            missing.append(folder)
            folder = StagedFile.directory(of: folder)
        }
        do {
            try writer.makeDirectory(URL(fileURLWithPath: directory, isDirectory: true))
        } catch {
            return false
        }
        madeDirectories.append(contentsOf: missing)
        readyDirectories.insert(directory)
        return true
    }

    private func append(_ file: StagedFile, bytes: Int) {
        group.append(file)
        groupBytes += bytes
        stagedCount += 1
    }

    /// Commits every group and flushes the folders that changed. Only after this
    /// returns may the files be recorded as written.
    /// - Throws: ``StoreError`` for the first failure. Files already put in place
    ///   stay (each is complete); the others are dropped.
    public func commit() throws(StoreError) {
        committed = true
        handOver()
        try committer.finish()
    }

    /// Hands the files staged since the last group to the background queue, which
    /// flushes them, renames them into place, flushes their folders and then calls
    /// `record` — so that what `record` writes (a state transaction) is on disk only
    /// after the files it speaks of. Groups are committed in the order they are
    /// handed over; a group with no files only runs `record`, after the groups before it.
    /// A `record` that throws fails the batch like a file that cannot be written.
    public func handOver(then record: @escaping @Sendable () throws(StoreError) -> Void) {
        committer.submit(group, folder: groupFolder, then: record)
        group = []
        groupBytes = 0
        groupFolder = nil
        groupCount += 1
    }

    /// ``commit()`` with a last `record`, run once every file is in place.
    public func commit(then record: @escaping @Sendable () throws(StoreError) -> Void) async throws(StoreError) {
        committed = true
        handOver(then: record)
        try await committer.finishAsynchronously()
    }

    /// ``commit()`` without blocking the calling thread: the wait for the groups and
    /// the folder flushes happen on the batch's queue. For callers on Swift's
    /// cooperative pool, where a `syncfs` on a busy disk would hold a thread for seconds.
    public func commit() async throws(StoreError) {
        committed = true
        handOver()
        try await committer.finishAsynchronously()
    }

    private func handOver() {
        guard !group.isEmpty else { return }
        committer.submit(group, folder: groupFolder, then: nil)
        group = []
        groupBytes = 0
        self.groupFolder = nil
        groupCount += 1
    }
}

/// Commits a batch's groups one after the other on a serial background queue:
/// one flush per group, then its renames. After a failure, later groups are only
/// cleaned up.
private final class GroupCommitter: Sendable {
    private struct State {
        var failure: StoreError?
        /// Folders that received files, to be flushed at the end.
        var changedDirectories: Set<String> = []
        var madeDirectories: Set<String> = []
    }

    private let writer: ArchiveWriter
    private let queue = DispatchQueue(label: "finews.archive.commit")
    private let state = Mutex(State())

    init(writer: ArchiveWriter) {
        self.writer = writer
    }

    func throwIfFailed() throws(StoreError) {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// Commits `group` on the queue: flush, renames, then — when `record` is given —
    /// the group's folders are flushed and `record` runs, unless an earlier group failed.
    func submit(_ group: [StagedFile], folder: String?, then record: (@Sendable () throws(StoreError) -> Void)?) {
        queue.async { [self] in
            var renamed = 0
            var made = state.withLock { $0.failure == nil ? $0.madeDirectories : nil }
            if var directories = made {
                do throws(StoreError) {
                    try writer.commit(group, renamed: &renamed, madeDirectories: &directories)
                } catch {
                    state.withLock { if $0.failure == nil { $0.failure = error } }
                }
                made = directories
            }
            let changed = state.withLock { state -> Set<String>? in
                if let made { state.madeDirectories = made }
                for item in group[..<renamed] { state.changedDirectories.insert(item.directory) }
                guard record != nil, state.failure == nil else { return nil }
                // The folders are flushed now, before the record of the group.
                defer { state.changedDirectories = [] }
                return state.changedDirectories
            }
            for item in group[renamed...] { item.discard() }
            if let folder { rmdir(folder) }
            guard let record, let changed else { return }
            do throws(StoreError) {
                try writer.syncDirectories(changed.sorted())
                try record()
            } catch {
                state.withLock { if $0.failure == nil { $0.failure = error } }
            }
        }
    }

    /// Waits for every group handed over, then flushes the changed folders.
    func finish() throws(StoreError) {
        queue.sync {}
        try flushChangedDirectories()
    }

    /// ``finish()`` run on the queue, after the groups, while the caller is suspended.
    func finishAsynchronously() async throws(StoreError) {
        let failure: StoreError? = await withCheckedContinuation { continuation in
            queue.async { [self] in
                do throws(StoreError) {
                    try flushChangedDirectories()
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
        if let failure { throw failure }
    }

    private func flushChangedDirectories() throws(StoreError) {
        let (failure, directories) = state.withLock { ($0.failure, $0.changedDirectories) }
        if let failure { throw failure }
        try writer.syncDirectories(directories.sorted())
    }

    /// For a batch dropped without a commit: the groups still queued are removed
    /// instead of renamed into place, and this waits until they are.
    func abandon() {
        state.withLock { state in
            if state.failure == nil { state.failure = StoreError(.io, "the batch was abandoned before its commit") }
        }
        queue.sync {}
    }
}

/// A file written and waiting for its group's commit, to be named `final`.
private struct StagedFile: Sendable {
    /// Where its bytes are until then.
    enum Source: Sendable {
        /// A temporary file, renamed into place.
        case temporary(String)
        /// An unnamed file (O_TMPFILE) in the destination folder, open at this
        /// descriptor, linked into place.
        case unnamed(Int32)
    }

    var source: Source
    var final: String
    /// The folder of ``final``.
    var directory: String

    /// The folder of a destination path.
    static func directory(of final: String) -> String {
        guard let slash = final.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return String(final[..<slash])
    }

    /// Drops a file that will not be put in place: a temporary file is removed, an
    /// unnamed one closed (the file system frees it).
    func discard() {
        switch source {
        case .temporary(let path):
            unlink(path)
        case .unnamed(let descriptor):
            close(descriptor)
            ArchiveWriter.unnamedFilesOpen.subtract(1, ordering: .relaxed)
        }
    }
}

@available(*, unavailable)
extension ArchiveBatch: Sendable {}
