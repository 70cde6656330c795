@testable import FinewsFetch
import FlyingFox
import Foundation
import Synchronization
import Testing

/// The address kinds, one table: every internal range at its edges, its IPv6 and
/// IPv4-mapped forms, and public neighbours that must stay public.
@Suite("Internal addresses")
struct InternalAddressTests {
    @Test("Addresses are classified", arguments: [
        ("127.0.0.1", InternalAddress.loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
        ("10.0.0.5", .privateNetwork), ("10.255.255.255", .privateNetwork),
        ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
        ("192.168.0.1", .privateNetwork), ("192.168.255.255", .privateNetwork),
        ("fc00::1", .privateNetwork), ("fdff:ffff::1", .privateNetwork), ("fec0::1", .privateNetwork),
        ("169.254.169.254", .linkLocal), ("169.254.0.0", .linkLocal), ("fe80::1", .linkLocal),
        ("febf:ffff::1", .linkLocal), ("fe80::1%eth0", .linkLocal),
        ("100.64.0.0", .sharedCGNAT), ("100.127.255.255", .sharedCGNAT),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("224.0.0.1", .multicast), ("239.255.255.255", .multicast), ("ff02::1", .multicast), ("ff0e::1", .multicast),
        ("255.255.255.255", .broadcast),
        // IPv4-mapped, IPv4-compatible and NAT64 forms are judged by their IPv4 part.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("::ffff:10.0.0.5", .privateNetwork),
        ("::ffff:169.254.169.254", .linkLocal), ("::ffff:100.64.1.1", .sharedCGNAT), ("::ffff:0.0.0.0", .unspecified),
        ("::ffff:224.0.0.1", .multicast), ("::127.0.0.1", .loopback), ("64:ff9b::10.1.2.3", .privateNetwork),
        ("[::1]", .loopback), ("[::ffff:192.168.1.1]", .privateNetwork),
    ] as [(String, InternalAddress)])
    func internalAddresses(text: String, kind: InternalAddress) {
        #expect(InternalAddress.classify(text: text) == kind, "\(text)")
    }

    @Test("Public addresses and names are not internal", arguments: [
        "8.8.8.8", "1.1.1.1", "126.255.255.255", "128.0.0.1", "9.255.255.255", "11.0.0.0", "172.15.255.255",
        "172.32.0.0", "192.167.255.255", "192.169.0.0", "169.253.255.255", "169.255.0.0", "100.63.255.255",
        "100.128.0.0", "223.255.255.255", "240.0.0.1", "2001:db8::1", "2606:4700::1111", "fbff::1", "fe00::1",
        "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "::2:0:0:1", "example.com", "", "not an address", "1.2.3",
    ])
    func publicAddresses(text: String) {
        #expect(InternalAddress.classify(text: text) == nil, "\(text)")
    }

    @Test("The same host is the same name on the same port; 80 and 443 count as one", arguments: [
        ("http://a.test/feed", "http://a.test/other?x=1", true),
        ("http://A.Test/feed", "http://a.test/", true),
        ("http://a.test/feed", "https://a.test/feed", true),
        ("http://a.test:8080/feed", "http://a.test:8080/x", true),
        ("http://a.test:8080/feed", "http://a.test:6379/", false),
        ("http://a.test:8080/feed", "http://a.test/", false),
        ("http://a.test/feed", "http://b.test/feed", false),
        ("http://a.test/feed", "http://a.test.evil.example/", false),
        ("http://127.0.0.1:80/", "http://127.0.0.2:80/", false),
        ("http://[::1]:8080/", "http://[::1]:8080/x", true),
        ("http://a.test/", "http://user@a.test/", true),
    ])
    func sameHost(configured: String, hop: String, same: Bool) throws {
        let trusted = try #require(URLOrigin(configured))
        let origin = try #require(URLOrigin(hop))
        #expect(origin.isSameHost(as: trusted) == same)
    }

    @Test("The guard trusts the configured host, refuses others, and allows all when asked")
    func guardDecisions() {
        let loopback: [UInt8] = [127, 0, 0, 1]
        let public4: [UInt8] = [93, 184, 216, 34]
        let onlyHost = ConnectGuard(.onlyHost(of: "http://feeds.test:8080/rss"), proxied: false)
        #expect(onlyHost.refusal(connectingTo: loopback, hopURL: "http://feeds.test:8080/a") == nil)
        #expect(onlyHost.refusal(connectingTo: loopback, hopURL: "http://other.test:8080/a")?.kind == .loopback)
        #expect(onlyHost.refusal(connectingTo: public4, hopURL: "http://other.test/a") == nil)
        let refused = ConnectGuard(.refused, proxied: false)
        #expect(refused.refusal(connectingTo: loopback, hopURL: "http://feeds.test:8080/rss")?.address == "127.0.0.1")
        #expect(ConnectGuard(.allowed, proxied: false).refusal(connectingTo: loopback, hopURL: "http://x/") == nil)
        #expect(!ConnectGuard(.allowed, proxied: false).checks)
        // An unparsable trusted URL trusts nothing.
        #expect(ConnectGuard(.onlyHost(of: "::"), proxied: false).refusal(connectingTo: loopback, hopURL: "http://x/") != nil)
    }

    @Test("Behind a proxy, IP addresses and localhost written in a URL are judged")
    func proxiedDecisions() {
        let guarded = ConnectGuard(.onlyHost(of: "http://feeds.test/rss"), proxied: true)
        #expect(guarded.refusal(proxiedHopTo: "http://169.254.169.254/latest/meta-data/")?.kind == .linkLocal)
        #expect(guarded.refusal(proxiedHopTo: "http://[::ffff:10.0.0.5]/admin")?.kind == .privateNetwork)
        #expect(guarded.refusal(proxiedHopTo: "http://localhost:6379/")?.kind == .loopback)
        #expect(guarded.refusal(proxiedHopTo: "http://news.example/a.html") == nil)
        #expect(guarded.refusal(proxiedHopTo: "http://feeds.test/other") == nil)
    }

    @Test("The refusal names the address, its kind and the option")
    func message() {
        let refusal = PrivateNetworkRefusal(address: "169.254.169.254", kind: .linkLocal, url: "http://169.254.169.254/x")
        let error = FetchError.refused(refusal, facts: TransferFacts(url: "http://feed.test/a", finalURL: "http://feed.test/a"))
        #expect(error.code == .refused)
        #expect(error.message == "http://feed.test/a (redirected to http://169.254.169.254/x): refused: 169.254.169.254 "
            + "is a link-local address; set allow_private_networks to allow it")
    }
}

/// Counts the requests a server received.
private final class Hits: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Real transfers between loopback addresses: 127.0.0.1 plays the feed's host and
/// 127.0.0.2 another host, which to the rule is as internal as an intranet server.
@Suite("Private networks: what a server or a feed points to")
struct PrivateNetworkFetchTests {
    static let page = Data("<html><body><p>article</p></body></html>".utf8)

    /// A server on 127.0.0.2 serving `/article.html` and counting requests.
    private func withOtherHost(_ body: @Sendable (_ base: String, _ hits: Hits) async throws -> Void) async throws {
        let hits = Hits()
        try await withLocalServer(host: "127.0.0.2", routes: { server in
            await server.appendRoute("GET /article.html") { _ in
                hits.add()
                return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/html"]), body: Self.page)
            }
        }) { base in try await body(base, hits) }
    }

    private func fetch(_ request: FetchRequest, configuration: FeedFetcher.Configuration = .init()) async throws -> FetchResult {
        try #require(await FeedFetcher(configuration: configuration).fetchAll([request]).first)
    }

    @Test("An article link to another loopback host is not requested, unless private networks are allowed")
    func articleOnAnotherHost() async throws {
        try await withOtherHost { other, hits in
            let feedURL = "http://127.0.0.1:9/feed.xml"
            var request = FetchRequest(key: "story", url: "\(other)/article.html", privateNetworks: .onlyHost(of: feedURL))
            request.expectsFeed = false
            let refused = try await fetch(request)
            let error = try #require(refused.error, "\(refused.outcome)")
            #expect(error.code == .refused)
            #expect(error.message.contains("refused: 127.0.0.2 is a loopback address; set allow_private_networks to allow it"),
                    "\(error.message)")
            #expect(hits.value == 0)

            request.privateNetworks = .allowed
            let allowed = try await fetch(request)
            #expect(allowed.document?.body == Array(Self.page), "\(allowed.outcome)")
            #expect(hits.value == 1)
        }
    }

    @Test("An article on the feed's own host is fetched")
    func articleOnTheFeedsHost() async throws {
        try await withOtherHost { other, hits in
            var request = FetchRequest(key: "story", url: "\(other)/article.html",
                                       privateNetworks: .onlyHost(of: "\(other)/feed.xml"))
            request.expectsFeed = false
            let result = try await fetch(request)
            #expect(result.document?.body == Array(Self.page), "\(result.outcome)")
            #expect(hits.value == 1)
        }
    }

    @Test("A redirect from the feed's host to another loopback host is refused; allowed with the option")
    func redirectToAnotherHost() async throws {
        try await withOtherHost { other, hits in
            try await withLocalServer(routes: { server in
                await server.appendRoute("GET /feed.xml") { _ in
                    HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: "\(other)/article.html"]))
                }
                await server.appendRoute("GET /here.xml") { _ in
                    HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: "/there.xml"]))
                }
                await server.appendRoute("GET /there.xml") { _ in
                    HTTPResponse(statusCode: .ok, body: Data("<rss/>".utf8))
                }
            }) { base in
                // The default: the requested URL's own host is trusted, where it redirects is not.
                let refused = try await fetch(FetchRequest(key: "feed", url: "\(base)/feed.xml"))
                let error = try #require(refused.error, "\(refused.outcome)")
                #expect(error.code == .refused)
                #expect(error.message.hasPrefix("\(base)/feed.xml (redirected to \(other)/article.html): refused: 127.0.0.2 "),
                        "\(error.message)")
                #expect(hits.value == 0)

                // A redirect on the same host is followed.
                let same = try await fetch(FetchRequest(key: "feed", url: "\(base)/here.xml"))
                #expect(same.document?.finalURL == "\(base)/there.xml", "\(same.outcome)")

                var allowedRequest = FetchRequest(key: "feed", url: "\(base)/feed.xml", privateNetworks: .allowed)
                allowedRequest.expectsFeed = false
                let allowed = try await fetch(allowedRequest)
                #expect(allowed.document?.body == Array(Self.page), "\(allowed.outcome)")
                #expect(hits.value == 1)
            }
        }
    }

    @Test("Redirects to IPv6 loopback and to an IPv4-mapped loopback address are refused before connecting",
          arguments: ["http://[::1]:9/feed.xml", "http://[::ffff:127.0.0.2]:9/feed.xml"])
    func redirectToIPv6Forms(target: String) async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { _ in
                HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: target]))
            }
        }) { base in
            let result = try await fetch(FetchRequest(key: "feed", url: "\(base)/feed.xml"))
            let error = try #require(result.error, "\(result.outcome)")
            #expect(error.code == .refused, "\(error.message)")
            let address = target.contains("ffff") ? "::ffff:127.0.0.2" : "::1"
            #expect(error.message.contains("refused: \(address) is a loopback address"), "\(error.message)")
        }
    }

    @Test("A name that resolves to 127.0.0.1 is caught after DNS; the configured name itself is trusted")
    func nameResolvingToLoopback() async throws {
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                // a.test redirects to b.test: another name, the same address.
                let port = request.headers[.host]?.split(separator: ":").last.map(String.init) ?? ""
                return HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: "http://b.test:\(port)/feed.xml"]))
            }
            await server.appendRoute("GET /direct.xml") { _ in HTTPResponse(statusCode: .ok, body: Data("<rss/>".utf8)) }
        }) { base in
            let port = try #require(base.split(separator: ":").last.map(String.init))
            let configuration = FeedFetcher.Configuration(resolve: ["a.test:\(port):127.0.0.1", "b.test:\(port):127.0.0.1"])
            // A story link on b.test, for a feed on a.test: b.test's address is loopback.
            var story = FetchRequest(key: "story", url: "http://b.test:\(port)/direct.xml",
                                     privateNetworks: .onlyHost(of: "http://a.test:\(port)/feed.xml"))
            story.expectsFeed = false
            let refused = try await fetch(story, configuration: configuration)
            #expect(refused.error?.code == .refused, "\(refused.outcome)")
            #expect(refused.error?.message.contains("127.0.0.1 is a loopback address") == true, "\(refused.outcome)")

            // The configured a.test is fetched; its redirect to b.test is not followed.
            let redirected = try await fetch(FetchRequest(key: "feed", url: "http://a.test:\(port)/feed.xml"),
                                             configuration: configuration)
            #expect(redirected.error?.code == .refused, "\(redirected.outcome)")
            #expect(redirected.error?.message.contains("redirected to http://b.test:\(port)/feed.xml") == true,
                    "\(redirected.outcome)")
            let direct = try await fetch(FetchRequest(key: "feed", url: "http://b.test:\(port)/direct.xml"),
                                         configuration: configuration)
            #expect(direct.document != nil, "\(direct.outcome)")
        }
    }

    @Test("A connection kept from an allowed transfer is checked again when another transfer reuses it")
    func reusedConnection() async throws {
        try await withOtherHost { other, hits in
            let fetcher = FeedFetcher(configuration: .init(concurrency: 1, perHost: 1))
            var allowed = FetchRequest(key: "a", url: "\(other)/article.html", privateNetworks: .allowed)
            allowed.expectsFeed = false
            let first = try #require(await fetcher.fetchAll([allowed]).first)
            #expect(first.document != nil, "\(first.outcome)")
            // Same fetcher, same host and port: libcurl would reuse the open connection,
            // so no new socket is opened and only the pre-request check can refuse it.
            var refused = allowed
            refused.key = "b"
            refused.privateNetworks = .refused
            let second = try #require(await fetcher.fetchAll([refused]).first)
            #expect(second.error?.code == .refused, "\(second.outcome)")
            #expect(hits.value == 1)
        }
    }
}
