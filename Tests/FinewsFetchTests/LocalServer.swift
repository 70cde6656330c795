import FlyingFox
import FlyingSocks
import Foundation

/// Runs a real HTTP server on `host` (127.0.0.1 unless another loopback address is
/// given; an ephemeral port) for the duration of `body`.
func withLocalServer(
    host: String = "127.0.0.1",
    routes: @Sendable (HTTPServer) async -> Void,
    _ body: @Sendable (_ baseURL: String) async throws -> Void
) async throws {
    let server = HTTPServer(
        address: try sockaddr_in.inet(ip4: host, port: 0), timeout: 30, logger: .disabled)
    await routes(server)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            throw CocoaError(.featureUnsupported)
        }
        do {
            try await body("http://\(host):\(port)")
        } catch {
            await server.stop()
            group.cancelAll()
            throw error
        }
        await server.stop()
        group.cancelAll()
    }
}
