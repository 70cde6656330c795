import ArgumentParser
import FinewsConfig
import FinewsExtract
import FinewsFetch
import FinewsParse
import Foundation

/// `finews add URL`: adds a feed, or the feed a web page advertises, to feeds.conf.
struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a feed to the configuration, given its URL or the URL of a page that links to it.",
        discussion: """
            A feed's URL is added as it is. For an HTML page, finews lists the feeds the page names \
            (<link rel="alternate"> of RSS, Atom and JSON Feed types), else those it finds at /feed, \
            /rss.xml, /atom.xml and /index.xml, and adds the first (or the one --pick chooses). The entry \
            is appended to feeds.conf as `opml import` does: validated first, the file replaced atomically, \
            its comments and layout kept.
            """)

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    @Option(name: .long, help: "The feed's name in feeds.conf (default: made from its title).")
    var name: String?

    @Option(name: .long, help: "The feed's tag (default: its title).")
    var tag: String?

    @Option(name: .long, help: "Which of the feeds found to add, counting from 1.")
    var pick: Int = 1

    @Flag(name: .long, help: "Show what would be added without changing the configuration.")
    var dryRun = false

    @Argument(help: "The feed's URL, or a web page that links to its feeds.")
    var url: String

    func validate() throws {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw ValidationError("give an http(s) URL; local files are added by editing feeds.conf")
        }
        guard pick >= 1 else { throw ValidationError("--pick counts from 1") }
        if let name, name.isEmpty || !name.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }) {
            throw ValidationError("--name may only hold letters, digits, '_' and '-'")
        }
    }

    func run() async throws {
        let loaded = try loadConfig(config)
        let fetcher = FeedFetcher()
        let page = try await fetch(url, with: fetcher)
        var found: [(url: String, title: String?)] = []
        if let feed = try? FeedParser(options: .init(httpCharset: page.charset)).parse(page.body) {
            found = [(page.permanentRedirect ?? url, feed.title)]
        } else {
            let links = FeedDiscovery.alternates(inPage: page.body, charset: page.charset, pageURL: page.finalURL)
            found = links.map { ($0.url, $0.title) }
            if found.isEmpty {
                found = await probe(FeedDiscovery.commonURLs(for: page.finalURL), with: fetcher)
            }
        }
        guard !found.isEmpty else {
            printError("finews: \(url) is not a feed, and the page names none (no <link rel=\"alternate\"> of a feed "
                + "type, nothing at \(FeedDiscovery.commonPaths.joined(separator: ", "))); give the feed's own URL")
            throw ExitStatus.feedsFailed
        }
        for (index, feed) in found.enumerated() {
            print("\(index + 1). \(feed.url)\(feed.title.map { "  \($0)" } ?? "")")
        }
        guard pick <= found.count else {
            printError("finews: --pick \(pick), but \(found.count) feed\(found.count == 1 ? " was" : "s were") found")
            throw ExitStatus.usage
        }
        let chosen = found[pick - 1]
        guard let text = (try? Data(contentsOf: loaded.file)).flatMap({ String(data: $0, encoding: .utf8) }) else {
            printError("finews: \(loaded.file.path): cannot read the configuration file")
            throw ExitStatus.usage
        }
        let outline = OPMLOutline(title: chosen.title, url: chosen.url, name: name, tag: tag)
        let plan = OPMLImport([outline], into: text, config: loaded, source: "finews add")
        for skipped in plan.skipped {
            printError("finews: not added \(skipped.url): \(skipped.reason)")
        }
        guard let added = plan.added.first else { throw ExitStatus.feedsFailed }
        try writePlan(plan, to: loaded, dryRun: dryRun)
        print("\(dryRun ? "would add" : "added") \(added.name)  \(added.url); \(loaded.file.path)")
    }

    /// The document at `url`, whatever it is (a feed or a page).
    private func fetch(_ url: String, with fetcher: FeedFetcher) async throws -> FetchedDocument {
        var request = FetchRequest(key: "add", url: url)
        request.expectsFeed = false
        switch await fetcher.fetchAll([request]).first?.outcome {
        case .success(.fetched(let document))?:
            return document
        case .failure(let error)?:
            printError("finews: \(error.message)")
        default:
            printError("finews: \(url): no document was received")
        }
        throw ExitStatus.feedsFailed
    }

    /// Those of `urls` that answer with a feed, in order, with their titles.
    private func probe(_ urls: [String], with fetcher: FeedFetcher) async -> [(url: String, title: String?)] {
        let requests = urls.enumerated().map { index, url in FetchRequest(key: "\(index)", url: url) }
        var feeds: [Int: (url: String, title: String?)] = [:]
        for result in await fetcher.fetchAll(requests) {
            guard let index = Int(result.key), case .success(.fetched(let document)) = result.outcome,
                  let feed = try? FeedParser(options: .init(httpCharset: document.charset)).parse(document.body)
            else { continue }
            feeds[index] = (urls[index], feed.title)
        }
        return feeds.keys.sorted().compactMap { feeds[$0] }
    }
}
