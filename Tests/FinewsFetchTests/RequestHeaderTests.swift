import FinewsFetch
import FlyingFox
import Foundation
import Synchronization
import Testing

@Suite("Feed headers and basic authentication")
struct RequestHeaderTests {
    static let feed = Data("<rss version=\"2.0\"><channel><title>t</title></channel></rss>".utf8)
    static let authorization = "Basic " + Data("reader:s3cret".utf8).base64EncodedString()

    @Test("A feed's headers and credentials are sent; a header with a line break is not")
    func sent() async throws {
        let seen = Mutex<[String: String]>([:])
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /feed.xml") { request in
                seen.withLock { seen in
                    for name in ["Referer", "Cookie", "Authorization", "X-Evil", "X-Bad"] {
                        seen[name] = request.headers[HTTPHeader(name)]
                    }
                }
                return HTTPResponse(statusCode: .ok, body: Self.feed)
            }
        }) { base in
            var request = FetchRequest(key: "a", url: "\(base)/feed.xml")
            request.headers = [
                HTTPHeaderField(name: "Referer", value: "https://news.example/"),
                HTTPHeaderField(name: "Cookie", value: "session=1"),
                HTTPHeaderField(name: "X-Bad", value: "a\r\nX-Evil: 1"),
                HTTPHeaderField(name: "X-Evil: 1\r\nX-Bad", value: "b"),
            ]
            request.credentials = BasicCredentials(username: "reader", password: "s3cret")
            let result = try #require(await FeedFetcher().fetchAll([request]).first)
            #expect(result.document != nil, "\(result.outcome)")
        }
        let headers = seen.withLock { $0 }
        #expect(headers["Referer"] == "https://news.example/")
        #expect(headers["Cookie"] == "session=1")
        #expect(headers["Authorization"] == Self.authorization)
        #expect(headers["X-Evil"] == nil && headers["X-Bad"] == nil, "\(headers)")
        #expect(!"\(BasicCredentials(username: "reader", password: "s3cret"))".contains("s3cret"))
    }

    @Test("Credentials are not sent on after a redirect to another host")
    func notAfterRedirect() async throws {
        let seen = Mutex<[String?]>([])
        try await withLocalServer(routes: { server in
            await server.appendRoute("GET /moved") { request in
                let port = request.headers[HTTPHeader("Host")]?.split(separator: ":").last.map(String.init) ?? ""
                seen.withLock { $0.append(request.headers[HTTPHeader("Authorization")]) }
                return HTTPResponse(statusCode: .found, headers: HTTPHeaders([HTTPHeader("Location"): "http://localhost:\(port)/feed.xml"]))
            }
            await server.appendRoute("GET /feed.xml") { request in
                seen.withLock { $0.append(request.headers[HTTPHeader("Authorization")]) }
                return HTTPResponse(statusCode: .ok, body: Self.feed)
            }
        }) { base in
            var request = FetchRequest(key: "a", url: "\(base)/moved", privateNetworks: .allowed)
            request.credentials = BasicCredentials(username: "reader", password: "s3cret")
            let result = try #require(await FeedFetcher().fetchAll([request]).first)
            #expect(result.document != nil, "\(result.outcome)")
        }
        #expect(seen.withLock { $0 } == [Self.authorization, nil])
    }
}
