// FetchBenchmark: fetches every URL of a list with FeedFetcher and prints the wall
// time and what came back. Used by scripts/bench-fetch.
//
//   FetchBenchmark LIST [--concurrency N] [--per-host N] [--save-validators FILE]
//
// LIST has one request a line: URL, optionally followed by a tab and the ETag and a
// tab and the Last-Modified to send (the format --save-validators writes).
import FinewsFetch
import Foundation

struct Options {
    var list = ""
    var concurrency = 32
    var perHost = 32
    var saveValidators: String?
}

func parseOptions(_ arguments: [String]) -> Options? {
    var options = Options()
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--concurrency": guard let value = rest.popFirst().flatMap(Int.init) else { return nil }; options.concurrency = value
        case "--per-host": guard let value = rest.popFirst().flatMap(Int.init) else { return nil }; options.perHost = value
        case "--save-validators": guard let value = rest.popFirst() else { return nil }; options.saveValidators = value
        default:
            guard options.list.isEmpty, !argument.hasPrefix("-") else { return nil }
            options.list = argument
        }
    }
    return options.list.isEmpty ? nil : options
}

func readRequests(_ path: String) -> [FetchRequest]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated().map { index, line in
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        func field(_ position: Int) -> String? { fields.count > position && !fields[position].isEmpty ? fields[position] : nil }
        return FetchRequest(key: String(index), url: fields[0], etag: field(1), lastModified: field(2))
    }
}

guard let options = parseOptions(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(Data("usage: FetchBenchmark LIST [--concurrency N] [--per-host N] [--save-validators FILE]\n".utf8))
    exit(2)
}
guard let requests = readRequests(options.list) else {
    FileHandle.standardError.write(Data("FetchBenchmark: cannot read \(options.list)\n".utf8))
    exit(2)
}

let fetcher = FeedFetcher(configuration: .init(concurrency: options.concurrency, perHost: options.perHost))
let clock = ContinuousClock()
let start = clock.now
var fetched = 0, notModified = 0, failed = 0, bytes = 0
var validators = [String](repeating: "", count: requests.count)
for await result in fetcher.fetch(requests) {
    let index = Int(result.key) ?? 0
    switch result.outcome {
    case .success(.fetched(let document)):
        fetched += 1
        bytes += document.body.count
        validators[index] = "\(result.url)\t\(document.validators.etag ?? "")\t\(document.validators.lastModified ?? "")"
    case .success(.notModified(let kept)):
        notModified += 1
        validators[index] = "\(result.url)\t\(kept.etag ?? "")\t\(kept.lastModified ?? "")"
    case .failure(let error):
        failed += 1
        if failed <= 5 { FileHandle.standardError.write(Data("\(error.message)\n".utf8)) }
    }
}
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
if let path = options.saveValidators,
   !FileManager.default.createFile(atPath: path, contents: Data((validators.joined(separator: "\n") + "\n").utf8)) {
    FileHandle.standardError.write(Data("FetchBenchmark: cannot write \(path)\n".utf8))
    exit(2)
}
print(String(format: "seconds=%.3f fetched=%d not_modified=%d failed=%d bytes=%d", seconds, fetched, notModified, failed, bytes))
exit(failed == 0 ? 0 : 1)
