import FinewsConfig
import FinewsStore
import FinewsNormalize
import FinewsExtract
import FinewsFetch
import FinewsParse
import Foundation
import Logging

/// What fetching one story's full text gave.
enum FullTextOutcome: Sendable {
    /// The article's HTML (not yet sanitized) and the page it came from, which
    /// relative URLs in it resolve against.
    case fetched(html: String, pageURL: String)
    /// Why there is no full text this time; the feed's own content is used.
    case failed(url: String, reason: String)
}

/// The full-text phase of a cycle: for the stories of feeds with `fulltext_url`
/// that finews has not written yet, or whose full text is still missing, fetch the
/// publisher's page through the cycle's fetcher (its limits, per-host cap,
/// timeouts and size cap) and take the article out of it.
struct FullTextFetching: Sendable {
    /// After this many failed fetches of one story's full text, finews stops trying
    /// and keeps the feed's content.
    static let maximumFailures = 8
    /// A story's full text is tried again for this long after it was first seen (in
    /// seconds), while the story is still in its feed.
    static let retryWindow: TimeInterval = 3 * 86_400

    /// One story to fetch.
    struct Job: Sendable {
        var infoCode: InfoCode
        var feed: String
        var url: String
        var rule: ExtractionRule
    }

    let logger: Logger

    /// The stories that need their full text this cycle: the first candidate of each
    /// infoCode (the one that is written) when its feed has a full-text source and
    /// the story is new or still waiting for its text.
    static func jobs(
        for candidates: some Sequence<(infoCode: InfoCode, feed: String, entry: FeedEntry)>,
        feeds: [String: Config.Feed], stored: [InfoCode: StoredPost], now: Date
    ) -> [Job] {
        var seen: Set<InfoCode> = []
        var jobs: [Job] = []
        for candidate in candidates {
            guard seen.insert(candidate.infoCode).inserted,
                  let source = feeds[candidate.feed]?.fullText else { continue }
            switch stored[candidate.infoCode]?.fullText {
            case nil:
                break
            case .pending(let failures)? where failures < maximumFailures
                && stored[candidate.infoCode].map({ now.timeIntervalSince($0.firstSeen) < retryWindow }) == true:
                break
            default:
                continue
            }
            guard let url = source.url(for: candidate.entry, infoCode: candidate.infoCode) else { continue }
            jobs.append(Job(infoCode: candidate.infoCode, feed: candidate.feed, url: url, rule: source.rule))
        }
        return jobs
    }

    /// Fetches and extracts every job's article, by infoCode.
    func run(
        _ jobs: [Job], with fetcher: FeedFetcher, feeds: [String: Config.Feed], fetch settings: Config.Fetch
    ) async -> [InfoCode: FullTextOutcome] {
        guard !jobs.isEmpty else { return [:] }
        var byKey: [String: Job] = [:]
        let requests = jobs.map { job in
            byKey[job.infoCode.value] = job
            let feed = feeds[job.feed]
            var request = FetchRequest(
                key: job.infoCode.value, url: job.url, userAgent: feed?.userAgent,
                timeout: .seconds(feed?.timeout ?? settings.timeout), maxSize: feed?.maxSize ?? settings.maxSize,
                privateNetworks: feed.map { settings.privateNetworks(forFullTextOf: $0, url: job.url) } ?? .refused)
            request.expectsFeed = false
            if let feed { request.applyHTTPSettings(of: feed, fullTextURL: job.url) }
            return request
        }
        var outcomes: [InfoCode: FullTextOutcome] = [:]
        for await result in fetcher.fetch(requests) {
            guard let job = byKey[result.key] else { continue }
            let outcome = Self.outcome(of: result, rule: job.rule)
            if case .failed(let url, let reason) = outcome {
                logger.warning(
                    "full text not fetched; the post keeps the feed's summary and the next cycle tries again",
                    metadata: ["feed": "\(job.feed)", "infoCode": "\(job.infoCode.value)", "url": "\(url)",
                               "reason": "\(reason)"])
            }
            outcomes[job.infoCode] = outcome
        }
        return outcomes
    }

    /// The article in a fetch result, or why there is none.
    static func outcome(of result: FetchResult, rule: ExtractionRule) -> FullTextOutcome {
        switch result.outcome {
        case .failure(let error):
            return .failed(url: result.url, reason: error.message)
        case .success(.notModified):
            // No validators are sent for articles, so a 304 is a server mistake.
            return .failed(url: result.url, reason: "the server answered 304 Not Modified to an unconditional request")
        case .success(.fetched(let document)):
            do {
                let article = try ArticleExtractor(rule: rule).extract(document.body, charset: document.charset)
                guard article.html.contains(where: { !$0.isWhitespace }) else {
                    return .failed(url: document.finalURL, reason: "the extracted article is empty")
                }
                return .fetched(html: article.html, pageURL: document.finalURL)
            } catch {
                return .failed(url: document.finalURL, reason: error.message)
            }
        }
    }
}

extension FetchRequest {
    /// Adds `feed`'s `headers` and basic-auth credentials. For a full-text page, the
    /// headers go to every page (CDNs want the Referer) but the credentials only to
    /// the feed's own host.
    mutating func applyHTTPSettings(of feed: Config.Feed, fullTextURL: String? = nil) {
        headers = feed.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) }
        guard let credentials = feed.credentials else { return }
        if let fullTextURL, URL(string: fullTextURL)?.host?.lowercased() != URL(string: feed.url)?.host?.lowercased() {
            return
        }
        self.credentials = credentials
    }
}

extension Config.Fetch {
    /// Which hops of `feed`'s fetches (the feed and its stories' full text) may reach
    /// loopback, private and other internal addresses: all with
    /// `allow_private_networks` (the feed's, else `[fetch]`'s), else only those to the
    /// host of the feed's configured URL.
    func privateNetworks(for feed: Config.Feed) -> PrivateNetworkAccess {
        (feed.allowPrivateNetworks ?? allowPrivateNetworks) ? .allowed : .onlyHost(of: feed.url)
    }

    /// The same for one story's full text at `url`. A link from the feed may reach an
    /// internal address only on the feed's own host; a `fulltext_url` template whose
    /// scheme, host and port are written out in feeds.conf (placeholders only in the
    /// path or query) names its host itself, so that host is trusted as the feed's is.
    func privateNetworks(forFullTextOf feed: Config.Feed, url: String) -> PrivateNetworkAccess {
        let access = privateNetworks(for: feed)
        guard case .onlyHost = access, case .template(let template)? = feed.fullText?.target,
              Self.fixesHost(template) else { return access }
        return .onlyHost(of: url)
    }

    /// Whether `template` gives the same scheme and authority whatever its values: they
    /// are percent-encoded, so a value can never end the authority or add one.
    static func fixesHost(_ template: FullTextURLTemplate) -> Bool {
        guard let first = template.url(infoCode: "a", link: "a", id: "a"),
              let second = template.url(infoCode: "b", link: "b", id: "b") else { return false }
        return authority(first) == authority(second)
    }

    /// `http://host:port` of a URL: up to the first `/`, `?` or `#` after `://`.
    private static func authority(_ url: String) -> Substring? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let end = url[schemeEnd.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        return url[..<end]
    }
}
