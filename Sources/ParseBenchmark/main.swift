// ParseBenchmark: finews's feed parser against a raw libxml2 SAX pass with empty
// callbacks, in one process, over the same in-memory bytes.
//
//     ParseBenchmark [--rounds N] NAME=DIR [NAME=DIR ...]
//
// For each named folder, every file in it is read into memory once; then each
// parser runs over all of them, `rounds` times, the two taking turns (the best
// round, in thread CPU time, counts). Prints a Markdown table with MB/s and
// entries/s for both and finews's share of the raw pass's throughput.

import CLibXML2
import FinewsParse
import Foundation
import Glibc

/// The CPU time this thread has used: unlike the wall clock, it does not count
/// the time the thread waited for a core, so both passes are timed alike on a
/// machine shared with other work.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

struct Corpus {
    var name: String
    var documents: [[UInt8]]
    var bytes: Int { documents.reduce(0) { $0 + $1.count } }
}

func loadCorpus(name: String, folder: String) -> Corpus {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let documents = files.sorted().filter { $0.hasSuffix(".xml") }.compactMap { file -> [UInt8]? in
        FileManager.default.contents(atPath: folder + "/" + file).map { Array($0) }
    }
    return Corpus(name: name, documents: documents)
}

/// CPU seconds for the fastest of `rounds` runs of each pass, and what its last
/// run returned. The passes take turns, round by round, so that a burst of load on
/// a shared machine falls on both alike rather than on whichever ran then.
func best(rounds: Int, _ passes: [() -> Int]) -> [(seconds: Double, result: Int)] {
    var results = Array(repeating: (seconds: Double.infinity, result: 0), count: passes.count)
    for _ in 0..<rounds {
        for (index, pass) in passes.enumerated() {
            let start = threadCPUSeconds()
            let result = pass()
            let seconds = threadCPUSeconds() - start
            results[index] = (min(results[index].seconds, seconds), result)
        }
    }
    return results
}

/// finews: the whole parse, from bytes to `Feed` (encoding detection, decoding,
/// repair pass, SAX, entry building, dates). Returns the number of entries.
func finewsPass(_ corpus: Corpus) -> Int {
    let parser = FeedParser()
    var entries = 0
    for document in corpus.documents {
        if let feed = try? parser.parse(document) { entries += feed.entries.count }
    }
    return entries
}

/// The reference: libxml2's SAX2 push parser with empty callbacks, in recover mode,
/// handling the encoding itself. Returns the number of elements named item or entry.
func rawPass(_ corpus: Corpus) -> Int {
    final class Counter { var entries = 0 }
    let counter = Counter()
    var sax = xmlSAXHandler()
    sax.initialized = UInt32(XML_SAX2_MAGIC)
    sax.startElementNs = { context, localName, _, _, _, _, _, _, _ in
        guard let context, let localName else { return }
        // "item" or "entry": compare bytes, no String work.
        let isItem = localName[0] == 0x69 && localName[1] == 0x74 && localName[2] == 0x65 && localName[3] == 0x6D && localName[4] == 0
        let isEntry = localName[0] == 0x65 && localName[1] == 0x6E && localName[2] == 0x74 && localName[3] == 0x72
            && localName[4] == 0x79 && localName[5] == 0
        if isItem || isEntry { Unmanaged<Counter>.fromOpaque(context).takeUnretainedValue().entries += 1 }
    }
    sax.endElementNs = { _, _, _, _ in }
    sax.characters = { _, _, _ in }
    sax.cdataBlock = { _, _, _ in }
    sax.serror = { _, _ in }
    let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue
        | XML_PARSE_NOERROR.rawValue | XML_PARSE_COMPACT.rawValue)
    let context = Unmanaged.passUnretained(counter).toOpaque()
    for document in corpus.documents {
        guard let parser = xmlCreatePushParserCtxt(&sax, context, nil, 0, nil) else { continue }
        xmlCtxtUseOptions(parser, options)
        document.withUnsafeBufferPointer { buffer in
            let chunk = 1 << 16
            var offset = 0
            repeat {
                let count = min(chunk, buffer.count - offset)
                let pointer = buffer.baseAddress.map { UnsafeRawPointer($0 + offset).assumingMemoryBound(to: CChar.self) }
                _ = xmlParseChunk(parser, pointer, Int32(count), offset + count == buffer.count ? 1 : 0)
                offset += count
            } while offset < buffer.count
        }
        xmlFreeParserCtxt(parser)
    }
    return counter.entries
}

var rounds = 3
var corpora: [Corpus] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--rounds", let value = arguments.popFirst().flatMap(Int.init) {
        rounds = max(1, value)
    } else if let equals = argument.firstIndex(of: "=") {
        corpora.append(loadCorpus(name: String(argument[..<equals]), folder: String(argument[argument.index(after: equals)...])))
    } else {
        FileHandle.standardError.write(Data("usage: ParseBenchmark [--rounds N] NAME=DIR ...\n".utf8))
        exit(2)
    }
}

print("| input | documents | MB | parser | MB/s | entries/s | entries |")
print("|---|---:|---:|---|---:|---:|---:|")
var shares: [String] = []
for corpus in corpora {
    xmlInitParser()
    let megabytes = Double(corpus.bytes) / 1_000_000
    // FINEWS_BENCH_ONLY=finews or =raw runs one pass only (for profiling, or as a
    // reference in scripts/bench-refresh).
    let only = ProcessInfo.processInfo.environment["FINEWS_BENCH_ONLY"]
    var passes: [() -> Int] = []
    if only != "finews" { passes.append { rawPass(corpus) } }
    if only != "raw" { passes.append { finewsPass(corpus) } }
    let timed = best(rounds: rounds, passes)
    let placeholder = (seconds: 1.0, result: 0)
    let raw = only == "finews" ? placeholder : timed[0]
    let finews = only == "raw" ? placeholder : timed[timed.count - 1]
    for (name, run) in [("raw libxml2 SAX", raw), ("finews", finews)] {
        let line = String(format: "| %@ | %d | %.1f | %@ | %.1f | %.0f | %d |", corpus.name, corpus.documents.count,
                          megabytes, name, megabytes / run.seconds, Double(run.result) / run.seconds, run.result)
        print(line)
    }
    shares.append(String(format: "%@: finews at %.0f%% of the raw pass's MB/s", corpus.name, 100 * raw.seconds / finews.seconds))
}
print("")
for share in shares { print(share) }
