import FinewsConfig
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `[metrics] listen`: serves `GET /metrics` (the Prometheus text) and `GET /healthz`
/// (200 `ok`, or 503 when the scheduler has made no progress, by the systemd
/// watchdog's rule) on one address only.
///
/// SwiftNIO does the HTTP, on its own event-loop threads (the process's shared
/// group, made only when metrics are asked for), never on the cooperative pool. A
/// client has ``requestTimeout`` to send each request and is then dropped, so a
/// slow or stuck client holds only its own connection and never the scheduler;
/// NIO's parser bounds the request head, and a body is read and dropped. The
/// answers are built from two closures; nothing a client sends reaches the
/// daemon's state.
struct MetricsServer: Sendable {
    var address: Config.ListenAddress
    /// The figures to serve, read at each scrape.
    var metrics: @Sendable () -> String
    /// Whether the scheduler made progress recently.
    var healthy: @Sendable () -> Bool
    var logger: Logger
    /// How long a client may be silent before its connection is closed.
    static let requestTimeout: TimeAmount = .seconds(5)

    /// Serves until the task is cancelled. A failure to listen (the port is taken,
    /// the address is not this machine's) is logged as an error; the daemon goes on
    /// without metrics.
    func run() async {
        let metrics = self.metrics
        let healthy = self.healthy
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: Self.requestTimeout))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(MetricsHTTPHandler(metrics: metrics, healthy: healthy))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: address.host, port: Int(address.port)).get()
        } catch {
            logger.error("cannot serve metrics on \(address): \(error); check [metrics] listen")
            return
        }
        var shown = address
        if let port = channel.localAddress?.port.flatMap(UInt16.init(exactly:)) { shown.port = port }
        logger.notice("serving metrics", metadata: ["address": "\(shown)", "paths": "/metrics /healthz"])
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// One connection's requests: each is answered once its end has arrived.
private final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: @Sendable () -> String
    private let healthy: @Sendable () -> Bool
    private var request: HTTPRequestHead?

    init(metrics: @escaping @Sendable () -> String, healthy: @escaping @Sendable () -> Bool) {
        self.metrics = metrics
        self.healthy = healthy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let (status, contentType, body): (HTTPResponseStatus, String, String)
        var headers = HTTPHeaders()
        switch (head.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            (status, contentType, body) = (.ok, PrometheusText.contentType, metrics())
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            (status, contentType, body) = healthy()
                ? (.ok, "text/plain", "ok\n")
                : (.serviceUnavailable, "text/plain", "the scheduler has made no progress; see the log\n")
        case (_, "/metrics"), (_, "/healthz"):
            headers.add(name: "Allow", value: "GET, HEAD")
            (status, contentType, body) = (.methodNotAllowed, "text/plain", "only GET\n")
        default:
            (status, contentType, body) = (.notFound, "text/plain", "finews serves /metrics and /healthz\n")
        }
        let keepAlive = head.isKeepAlive
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
