// WriteBenchmark: finews's durable group commit against a plain write loop.
//
//     WriteBenchmark [--posts N] [--rounds R] [--folder DIR]
//
// With `--plain-like DIR`, only the plain loop runs, writing as many files of the
// same sizes as DIR holds (a reference for scripts/bench-refresh).
//
// With `--growth N`, the durable path writes N posts in slices of `--slice S`
// (default 31,000, a cold 1,000-feed refresh) two ways, slice by slice in turn:
// all into one `_posts/` folder, as a site fills up, and each slice into a folder
// of its own. It prints the microseconds per post of every slice both ways: what
// a folder of hundreds of thousands of names costs ext4 for each new post.
//
// Renders N posts (default 50,000; bodies of 2–6 KB, Chinese and English) once,
// then, R times (default 3), writes them (a) with ArchiveWriter — unnamed files
// (O_TMPFILE), one syncfs per group, links, folder flushes — into one fresh site, and (b) with a plain
// loop that writes each file in place with no sync at all into another. Prints
// posts per second for both and the durable path's share of the plain one's rate,
// per round and as the median.

import FinewsStore
import FinewsNormalize
import Foundation

var count = 50_000
var folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-write-bench-\(getpid())")
var mirror: String?
var rounds = 3
var growth: Int?
var slice = 31_000
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--posts": count = arguments.popFirst().flatMap(Int.init) ?? count
    case "--folder": folder = URL(fileURLWithPath: arguments.popFirst() ?? folder.path)
    case "--plain-like": mirror = arguments.popFirst()
    case "--rounds": rounds = max(1, arguments.popFirst().flatMap(Int.init) ?? rounds)
    case "--growth": growth = arguments.popFirst().flatMap(Int.init)
    case "--slice": slice = max(1, arguments.popFirst().flatMap(Int.init) ?? slice)
    default:
        FileHandle.standardError.write(Data(
            "usage: WriteBenchmark [--posts N] [--rounds R] [--folder DIR] | --plain-like DIR | --growth N [--slice S]\n".utf8))
        exit(2)
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("WriteBenchmark: \(message)\n".utf8))
    exit(1)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

if let mirror {
    // The reference for a refresh: as many files of the same sizes, written plainly.
    let names = (try? FileManager.default.contentsOfDirectory(atPath: mirror)) ?? []
    let sizes = names.compactMap { name -> Int? in
        (try? FileManager.default.attributesOfItem(atPath: mirror + "/" + name)[.size] as? Int) ?? nil
    }
    let target = folder.appendingPathComponent("plain")
    try? FileManager.default.removeItem(at: folder)
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let contents = sizes.map { [UInt8](repeating: UInt8(ascii: "x"), count: $0) }
    sync()
    let clock = ContinuousClock()
    let start = clock.now
    for (index, data) in contents.enumerated() {
        let descriptor = open(target.path + "/\(index).md", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { fail("cannot create a file in \(target.path)") }
        _ = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }
    print(String(format: "plain write of %d files: %.3f s", contents.count, seconds(clock.now - start)))
    exit(0)
}

let renderer = PostRenderer(baseURL: "//news.example.com", timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current)
let chinese = Array("经济技术开发区深化体制机制改革促发展近年来围绕三化三制改革要求加快招商机制创新提高综合服务水平")
let english = "The city council approved a new budget for public transport and schools on Tuesday evening. "

/// Posts `range` of the benchmark's deterministic stories, rendered.
func renderPosts(_ range: Range<Int>) -> [ArchiveFile] {
    var files: [ArchiveFile] = []
    files.reserveCapacity(range.count)
    for index in range {
        var body = ""
        for paragraph in 0..<(2 + index % 4) {
            if index % 2 == 0 {
                body += "<p>" + String((0..<300).map { chinese[($0 * 7 + index + paragraph) % chinese.count] }) + "</p>\n"
            } else {
                body += "<p>" + String(repeating: english, count: 8) + "</p>\n"
            }
        }
        guard let code = InfoCode(String(format: "BENCH%07d", index)) else { continue }
        let post = Post(
            infoCode: code, title: "Story \(index)", date: Date(timeIntervalSince1970: 1_646_179_725 + Double(index * 60)),
            category: "bench", tag: "基准新闻", body: body, link: "https://news.example.com/?infoCode=\(code.value)")
        files.append(ArchiveFile(relativePath: renderer.relativePath(for: post), contents: Array(renderer.render(post).utf8)))
    }
    return files
}

if let growth {
    // Slice by slice, in turn: one growing `_posts/` (the site's real layout) and a
    // folder per slice, so that both fill the file system alike.
    try? FileManager.default.removeItem(at: folder)
    defer { try? FileManager.default.removeItem(at: folder) }
    let growing = folder.appendingPathComponent("one-folder")
    let spread = folder.appendingPathComponent("spread")
    try FileManager.default.createDirectory(at: growing, withIntermediateDirectories: true)
    print("| names already in _posts/ | µs per post, one folder | µs per post, a folder per slice | one / per slice |")
    print("|---:|---:|---:|---:|")
    var start = 0
    while start < growth {
        let files = renderPosts(start..<min(growth, start + slice))
        let moved = files.map { file in
            ArchiveFile(relativePath: file.relativePath.replacingOccurrences(of: "_posts/", with: "_posts/slice\(start)/"),
                        contents: file.contents)
        }
        let clock = ContinuousClock()
        sync()
        var begin = clock.now
        try ArchiveWriter(root: growing, stateDirectory: growing.appendingPathComponent(".finews")).write(files)
        let one = seconds(clock.now - begin) / Double(files.count) * 1e6
        sync()
        begin = clock.now
        try FileManager.default.createDirectory(at: spread, withIntermediateDirectories: true)
        try ArchiveWriter(root: spread, stateDirectory: spread.appendingPathComponent(".finews")).write(moved)
        let apart = seconds(clock.now - begin) / Double(moved.count) * 1e6
        print(String(format: "| %d | %.1f | %.1f | %.2f |", start, one, apart, one / apart))
        start += slice
    }
    exit(0)
}

let files = renderPosts(0..<count)
let bytes = files.reduce(0) { $0 + $1.contents.count }

try? FileManager.default.removeItem(at: folder)
defer { try? FileManager.default.removeItem(at: folder) }

/// The durable group commit into a fresh site under `root`; seconds taken.
func writeDurably(_ files: [ArchiveFile], into root: URL) throws -> Double {
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    // Nothing left over (the other path's files, say) may be flushed on this clock.
    sync()
    let clock = ContinuousClock()
    let start = clock.now
    try ArchiveWriter(root: root, stateDirectory: root.appendingPathComponent(".finews")).write(files)
    return seconds(clock.now - start)
}

/// The plain loop into a fresh site under `root`: each file written in place, no sync.
func writePlainly(_ files: [ArchiveFile], into root: URL) throws -> Double {
    try FileManager.default.createDirectory(at: root.appendingPathComponent("_posts"), withIntermediateDirectories: true)
    sync()
    let clock = ContinuousClock()
    let start = clock.now
    for file in files {
        let path = root.appendingPathComponent(file.relativePath).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { fail("cannot create \(path)") }
        _ = file.contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }
    return seconds(clock.now - start)
}

// Rounds alternate which path goes first, and nothing is deleted until the end:
// ext4 allocates inodes slowly right after a mass deletion, which would favour
// whichever path ran later.
print("| round | durable s | durable posts/s | plain s | plain posts/s | durable/plain |")
print("|---:|---:|---:|---:|---:|---:|")
var shares: [Double] = []
for round in 1...rounds {
    let durableRoot = folder.appendingPathComponent("durable-\(round)")
    let plainRoot = folder.appendingPathComponent("plain-\(round)")
    var durable = 0.0
    var plain = 0.0
    if round % 2 == 1 {
        durable = try writeDurably(files, into: durableRoot)
        plain = try writePlainly(files, into: plainRoot)
    } else {
        plain = try writePlainly(files, into: plainRoot)
        durable = try writeDurably(files, into: durableRoot)
    }
    shares.append(plain / durable)
    print(String(format: "| %d | %.2f | %.0f | %.2f | %.0f | %.0f%% |", round, durable, Double(files.count) / durable,
                 plain, Double(files.count) / plain, 100 * plain / durable))
}
let median = shares.sorted()[shares.count / 2]
print(String(format: "\n%d posts, %.0f MB; durable group commit (unnamed files, one syncfs and the links per group of 2,048, overlapped with writing; folder fsync) "
    + "at %.0f%% of the plain loop's posts per second (median of %d rounds)",
    files.count, Double(bytes) / 1_000_000, 100 * median, rounds))
