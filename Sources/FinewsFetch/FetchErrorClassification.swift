import CCurl

/// What the fetcher knows about a transfer when it ends: enough to tell a user what
/// went wrong and what to do.
struct TransferFacts {
    /// The requested URL.
    var url: String
    /// The URL of the last request made (after redirects).
    var finalURL: String
    /// Redirects followed.
    var redirects: Int = 0
    /// Whether a connection was ever established.
    var connected = true
    /// The limits the request ran under.
    var timeout: Duration = .seconds(30)
    var connectTimeout: Duration = .seconds(15)
    var lowSpeedTime: Duration = .seconds(15)
    var lowSpeedLimit = 1024
    /// How long the transfer ran.
    var elapsed: Duration = .zero
    var maxSize = 10 << 20

    /// The URL, followed by where redirects led when they did.
    var subject: String {
        finalURL == url ? url : "\(url) (redirected to \(finalURL))"
    }
}

extension FetchError {
    /// Classifies a libcurl failure. `detail` is libcurl's own explanation.
    static func transfer(_ code: CURLcode, detail: String, facts: TransferFacts) -> FetchError {
        let subject = facts.subject
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return FetchError(.dns, "\(subject): the host name does not resolve (\(detail)); check the URL and the DNS settings")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return FetchError(.dns, "\(subject): the proxy's host name does not resolve (\(detail)); check http_proxy and https_proxy")
        case CURLE_COULDNT_CONNECT:
            return FetchError(.connect,
                "\(subject): could not connect (\(detail)); the server may be down, or a proxy may be needed (https_proxy)")
        case CURLE_OPERATION_TIMEDOUT:
            return timeout(detail: detail, facts: facts)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED, CURLE_SSL_CLIENTCERT:
            return FetchError(.tls,
                "\(subject): TLS failed (\(detail)); the server's certificate is not trusted (expired, wrong name, "
                + "missing chain) or the handshake broke. TLS verification stays on: ask the publisher to fix it, "
                + "or check the system's CA certificates (ca-certificates)")
        case CURLE_TOO_MANY_REDIRECTS:
            return FetchError(.redirect,
                "\(subject): more than 5 redirects, probably a loop (\(detail)); open the URL in a browser and "
                + "put the final one in feeds.conf")
        case CURLE_UNSUPPORTED_PROTOCOL where facts.redirects > 0:
            return FetchError(.redirect,
                "\(facts.url): refused a redirect to \(facts.finalURL): only http and https may be followed (\(detail))")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return FetchError(.transfer,
                "\(subject): not a URL finews can fetch (\(detail)); use an http, https or file URL in feeds.conf")
        case CURLE_FILE_COULDNT_READ_FILE:
            return FetchError(.file, "\(subject): cannot read the file (\(detail)); check the path in feeds.conf")
        case CURLE_FILESIZE_EXCEEDED:
            return tooLarge(facts: facts)
        case CURLE_BAD_CONTENT_ENCODING:
            return FetchError(.transfer,
                "\(subject): the server sent a body that cannot be decompressed (\(detail)); the publisher's server is misconfigured")
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return FetchError(.transfer,
                "\(subject): the connection broke during the transfer (\(detail)); finews tries again at the next check")
        default:
            return FetchError(.transfer, "\(subject): the transfer failed (\(detail))")
        }
    }

    /// Tells the three timeouts apart: libcurl reports them all as `CURLE_OPERATION_TIMEDOUT`.
    private static func timeout(detail: String, facts: TransferFacts) -> FetchError {
        let subject = facts.subject
        if !facts.connected {
            return FetchError(.timeout,
                "\(subject): no connection within \(format(min(facts.connectTimeout, facts.timeout))) (\(detail)); "
                + "the server is down or unreachable, or a firewall drops the traffic")
        }
        if facts.elapsed >= facts.timeout - .milliseconds(100) {
            return FetchError(.timeout,
                "\(subject): the transfer took longer than \(format(facts.timeout)) (\(detail)); "
                + "raise the feed's timeout in feeds.conf if the server is just slow")
        }
        return FetchError(.timeout,
            "\(subject): the server sent less than \(facts.lowSpeedLimit) bytes a second for "
            + "\(format(facts.lowSpeedTime)) and the transfer was aborted (\(detail)); the server is stalling")
    }

    /// The body passed `max_size` (after decompression) and the transfer was aborted.
    static func tooLarge(facts: TransferFacts) -> FetchError {
        FetchError(.tooLarge,
            "\(facts.subject): the document is larger than max_size (\(facts.maxSize) bytes after decompression) "
            + "and was not downloaded; raise max_size for this feed if it is genuine")
    }

    /// A connection to an internal address that the request's ``PrivateNetworkAccess`` refused.
    static func refused(_ refusal: PrivateNetworkRefusal, facts: TransferFacts) -> FetchError {
        var facts = facts
        facts.finalURL = refusal.url
        return FetchError(.refused,
            "\(facts.subject): refused: \(refusal.address) is \(refusal.kind.phrase); "
            + "set allow_private_networks to allow it")
    }

    /// A request not tried because its host stopped answering earlier in the batch.
    static func hostDown(url: String, host: String, timeouts: Int, refusals: Int) -> FetchError {
        let count = timeouts + refusals
        let what = refusals == 0 ? "\(count) transfers timed out"
            : timeouts == 0 ? "\(count) connections refused"
            : "\(count) transfers timed out or were refused"
        return FetchError(.hostDown, "\(url): host \(host) not answering (\(what) this cycle); tried again next cycle")
    }

    /// A 200 that is an HTML page, not a feed.
    static func notAFeed(facts: TransferFacts) -> FetchError {
        FetchError(.notAFeed,
            "\(facts.subject): the server sent an HTML page, not a feed; put the feed's own URL in feeds.conf "
            + "(the page's <link rel=\"alternate\"> names it)")
    }

    /// An error status. `retryAfter` is the server's `Retry-After`, when it sent one.
    static func status(_ status: Int, retryAfter: Duration?, facts: TransferFacts) -> FetchError {
        let subject = facts.subject
        let wait = retryAfter.map { "the server asks to wait \(format($0)); finews waits that long before trying again" }
        let message: String
        switch status {
        case 404:
            message = "not found (HTTP 404); the feed may have moved: find its new URL on the site and fix feeds.conf"
        case 410:
            message = "gone (HTTP 410); the publisher removed this feed: remove it from feeds.conf"
        case 401, 403:
            message = "access denied (HTTP \(status)); the server refuses finews (a login, or a block on the User-Agent); "
                + "check the URL in a browser"
        case 429:
            message = "too many requests (HTTP 429); " + (wait ?? "finews backs off before trying again")
        case 503:
            message = "service unavailable (HTTP 503); " + (wait ?? "finews tries again later")
        case 300..<400:
            message = "a redirect finews cannot follow (HTTP \(status), no usable Location); fix the URL in feeds.conf"
        case 500..<600:
            message = "server error (HTTP \(status)); the publisher's server failed, finews tries again later"
        default:
            message = "the server refused the request (HTTP \(status)); check the URL in feeds.conf"
        }
        return FetchError(.httpStatus, "\(subject): \(message)", httpStatus: status, retryAfter: retryAfter)
    }

    /// `1.5 s`, `30 s`, `2 min 5 s`.
    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        if milliseconds < 10_000, milliseconds % 1000 != 0 {
            return "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s"
        }
        let seconds = milliseconds / 1000
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s" }
        return seconds % 3600 == 0 ? "\(seconds / 3600) h" : "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; saturates instead of overflowing.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let limit = Int64.max / 1000 - 1
        guard seconds < limit else { return Int(limit) * 1000 }
        guard seconds > -limit else { return -Int(limit) * 1000 }
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
