import CCurl

/// Owns one libcurl easy handle, the request's header list and the response being
/// received. Used from the fetcher's thread only.
///
/// The write and header callbacks reach this object through an unretained pointer
/// (`CURLOPT_WRITEDATA`): the multi loop keeps it alive while the transfer runs.
/// They never throw; they record what happened (a body over the size limit, a refused
/// connection) for ``result(code:now:)`` to turn into an error afterwards.
///
/// The private-network rule (``PrivateNetworkAccess``) is applied twice per hop:
/// `CURLOPT_OPENSOCKETFUNCTION` sees each address libcurl is about to connect to, after
/// DNS, and refuses it before a packet is sent (libcurl then tries the name's other
/// addresses); `CURLOPT_PREREQFUNCTION` runs before each request is sent, on a new or a
/// reused connection, and checks the address it is connected to: a connection opened
/// for another transfer, under another rule, is never a way around the check.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let request: FetchRequest
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// `CURLOPT_RESOLVE` entries; libcurl reads the list when the transfer starts.
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let connectGuard: ConnectGuard
    /// The connection the guard refused last, unless another address was allowed since.
    private var refusal: PrivateNetworkRefusal?
    /// `CURLOPT_ERRORBUFFER`: libcurl writes into it during the transfer, so it must not
    /// move; allocated here rather than borrowed from an array.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private var body: [UInt8] = []
    private var exceededLimit = false
    /// The headers the fetcher reads, from the latest response.
    private var headers = ResponseHeaders()
    /// Every final (non-1xx) response: its status and the URL that was asked for it.
    private var responses: [(status: Int, url: String)] = []

    /// Creates and configures a handle for `request`; nil if libcurl cannot allocate one.
    /// `resolve` holds `HOST:PORT:ADDRESS` entries (`CURLOPT_RESOLVE`); `proxied` says
    /// whether the environment names a proxy.
    init?(request: FetchRequest, defaultUserAgent: String, resolve: [String] = [], proxied: Bool = false) {
        guard let handle = finews_curl_easy_init() else { return nil }
        self.handle = handle
        self.request = request
        connectGuard = ConnectGuard(request.privateNetworks, proxied: proxied)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(defaultUserAgent: defaultUserAgent, resolve: resolve)
    }

    deinit {
        finews_curl_easy_cleanup(handle)
        if let headerList { finews_curl_slist_free_all(headerList) }
        if let resolveList { finews_curl_slist_free_all(resolveList) }
        errorBuffer.deallocate()
    }

    private func configure(defaultUserAgent: String, resolve: [String]) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        setString(CURLOPT_URL, request.url)
        // The first URL may be a local file; redirects may only lead to http(s), never
        // to file:// or any other scheme a hostile server could name.
        setString(CURLOPT_PROTOCOLS_STR, "http,https,file")
        setString(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        setLong(CURLOPT_FOLLOWLOCATION, 1)
        setLong(CURLOPT_MAXREDIRS, 5)
        // HTTP/2 over TLS when the server offers it in ALPN, HTTP/1.1 otherwise; with
        // PIPEWAIT a new transfer waits for a connection being set up to the same host
        // rather than opening another, so HTTP/2 servers see one multiplexed connection.
        setLong(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        setLong(CURLOPT_PIPEWAIT, 1)
        // An empty string asks for every encoding this libcurl can decode (gzip, deflate,
        // br, zstd on Debian); the write callback then sees decompressed bytes.
        setString(CURLOPT_ACCEPT_ENCODING, "")
        setLong(CURLOPT_NOSIGNAL, 1)
        // Headers of a proxy's CONNECT answer would look like a first response.
        setLong(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        let timeout = max(1, request.timeout.milliseconds)
        setLong(CURLOPT_TIMEOUT_MS, timeout)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, min(timeout, max(1, request.connectTimeout.milliseconds)))
        // libcurl measures the speed once a second, so the time is whole seconds.
        setLong(CURLOPT_LOW_SPEED_LIMIT, max(1, request.lowSpeedLimit))
        setLong(CURLOPT_LOW_SPEED_TIME, max(1, (request.lowSpeedTime.milliseconds + 999) / 1000))
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        // No CURLOPT_PROXY: libcurl then reads http_proxy, https_proxy, all_proxy and no_proxy.
        setString(CURLOPT_USERAGENT, Self.headerValue(request.userAgent) ?? defaultUserAgent)
        if request.maxSize > 0 {
            // Refuses at once a body whose announced length (on the wire) is already too big.
            _ = finews_easy_setopt_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxSize))
        }
        _ = finews_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = finews_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        _ = finews_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = finews_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        _ = finews_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)

        var lines: [String] = []
        if let etag = Self.headerValue(request.etag) { lines.append("If-None-Match: \(etag)") }
        if let lastModified = Self.headerValue(request.lastModified) { lines.append("If-Modified-Since: \(lastModified)") }
        for header in request.headers where Self.isHeaderName(header.name) {
            guard let value = Self.headerValue(header.value) else { continue }
            lines.append("\(header.name): \(value)")
        }
        if let credentials = request.credentials, Self.headerValue(credentials.username) != nil,
           !credentials.username.contains(":"), !credentials.password.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            // Basic is libcurl's default scheme; without CURLOPT_UNRESTRICTED_AUTH it
            // sends the credentials to the first host only, not after a redirect elsewhere.
            setString(CURLOPT_USERNAME, credentials.username)
            setString(CURLOPT_PASSWORD, credentials.password)
        }
        for line in lines { headerList = finews_curl_slist_append(headerList, line) }
        if let headerList { _ = finews_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }
        for entry in resolve { resolveList = finews_curl_slist_append(resolveList, entry) }
        if let resolveList { _ = finews_easy_setopt_slist(handle, CURLOPT_RESOLVE, resolveList) }

        if connectGuard.checks {
            if !connectGuard.proxied {
                _ = finews_easy_setopt_opensocket_callback(handle, curlOpenSocket)
                _ = finews_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
            }
            _ = finews_easy_setopt_prereq_callback(handle, curlPrerequest)
            _ = finews_easy_setopt_pointer(handle, CURLOPT_PREREQDATA, context)
        }
    }

    /// The URL of the hop being connected: in a callback, libcurl's effective URL is
    /// the one it is working on, redirects included.
    private var currentURL: String {
        var effective: UnsafeMutablePointer<CChar>?
        _ = finews_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        return effective.map { String(cString: $0) } ?? request.url
    }

    /// Whether the hop being connected may reach `address` (4 or 16 bytes); a refusal is
    /// recorded. Called from `CURLOPT_OPENSOCKETFUNCTION`, before connecting.
    fileprivate func mayConnect(to address: [UInt8]) -> Bool {
        guard let refused = connectGuard.refusal(connectingTo: address, hopURL: { currentURL }) else {
            // Another address of the name is tried: if the transfer fails now, that
            // failure, not the refusal, is what went wrong.
            refusal = nil
            return true
        }
        refusal = refused
        return false
    }

    /// Whether the request may be sent over the connection to `primaryIP` (libcurl's
    /// text form; empty for `file://`). Called from `CURLOPT_PREREQFUNCTION`.
    fileprivate func maySend(primaryIP: String) -> Bool {
        let refused: PrivateNetworkRefusal?
        if connectGuard.proxied {
            refused = connectGuard.refusal(proxiedHopTo: currentURL)
        } else if let address = InternalAddress.parse(primaryIP) {
            refused = connectGuard.refusal(connectingTo: address, hopURL: { currentURL })
        } else {
            refused = nil
        }
        guard let refused else { return true }
        refusal = refused
        return false
    }

    /// A stored value fit to send as a header: nil when empty or when it holds control
    /// characters (a CR or LF would start another header).
    private static func headerValue(_ value: String?) -> String? {
        guard let value, !value.isEmpty, !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        return value
    }

    /// Whether `name` may name a header: RFC 9110 token characters only.
    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = finews_easy_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (since 7.17), so a temporary C string suffices.
        _ = finews_easy_setopt_string(handle, option, value)
    }

    /// Turns the transfer's end into a result; `now` (seconds since 1970) resolves a
    /// `Retry-After` date.
    func result(code: CURLcode, now: Double) -> FetchResult {
        let facts = self.facts()
        let redirect = permanentRedirect()
        return FetchResult(
            key: request.key, url: request.url, outcome: outcome(code: code, facts: facts, permanentRedirect: redirect, now: now),
            finalURL: facts.finalURL, permanentRedirect: redirect,
            cacheMaxAge: headers.cacheControl.flatMap(CacheControl.maxAge))
    }

    private func facts() -> TransferFacts {
        var effective: UnsafeMutablePointer<CChar>?
        _ = finews_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        var redirects = 0
        _ = finews_easy_getinfo_long(handle, CURLINFO_REDIRECT_COUNT, &redirects)
        var connectMicroseconds: curl_off_t = 0
        _ = finews_easy_getinfo_offset(handle, CURLINFO_CONNECT_TIME_T, &connectMicroseconds)
        var totalMicroseconds: curl_off_t = 0
        _ = finews_easy_getinfo_offset(handle, CURLINFO_TOTAL_TIME_T, &totalMicroseconds)
        return TransferFacts(
            url: request.url, finalURL: effective.map { String(cString: $0) } ?? request.url, redirects: redirects,
            connected: connectMicroseconds > 0 || !responses.isEmpty, timeout: request.timeout,
            connectTimeout: request.connectTimeout, lowSpeedTime: request.lowSpeedTime,
            lowSpeedLimit: request.lowSpeedLimit, elapsed: .microseconds(Int64(totalMicroseconds)),
            maxSize: request.maxSize)
    }

    /// Where the leading run of 301 and 308 answers led: those are the moves a user
    /// should copy to feeds.conf. A temporary redirect ends the run.
    private func permanentRedirect() -> String? {
        var target: String?
        for (index, response) in responses.enumerated() {
            guard response.status == 301 || response.status == 308, index + 1 < responses.count else { break }
            target = responses[index + 1].url
        }
        return target
    }

    private func outcome(
        code: CURLcode, facts: TransferFacts, permanentRedirect: String?, now: Double
    ) -> Result<FetchOutcome, FetchError> {
        if exceededLimit { return .failure(.tooLarge(facts: facts)) }
        // A refused address may have been one of several a name resolves to; it only
        // explains the failure when no other address served the transfer.
        if code != CURLE_OK, let refusal { return .failure(.refused(refusal, facts: facts)) }
        guard code == CURLE_OK else {
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: finews_curl_easy_strerror(code))
            return .failure(.transfer(code, detail: detail, facts: facts))
        }
        var status = 0
        _ = finews_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        // RFC 9111 §5.3: `Expires: 0` is an invalid date, "already expired"; such servers
        // mean "do not cache", so nothing is kept for a conditional GET.
        let uncacheable = headers.expires == "0"
        if status == 304 {
            // A 304 need not repeat every validator; the ones sent stay valid unless replaced.
            let validators = uncacheable ? Validators() : Validators(
                etag: headers.etag ?? request.etag, lastModified: headers.lastModified ?? request.lastModified)
            return .success(.notModified(validators))
        }
        if status != 0, !(200..<300).contains(status) {
            let retryAfter = status == 429 || status == 503
                ? headers.retryAfter.flatMap { RetryAfter.wait($0, now: now) } : nil
            return .failure(.status(status, retryAfter: retryAfter, facts: facts))
        }
        let contentType = headers.contentType
        if status != 0, request.expectsFeed, HTMLPage.matches(contentType: contentType, body: body) {
            return .failure(.notAFeed(facts: facts))
        }
        let validators = uncacheable ? Validators() : Validators(etag: headers.etag, lastModified: headers.lastModified)
        return .success(.fetched(FetchedDocument(
            body: body, status: status, contentType: contentType, finalURL: facts.finalURL,
            permanentRedirect: permanentRedirect, validators: validators)))
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // The body of an error status is not kept: only its status is reported.
        if let last = responses.last, !(200..<300).contains(last.status) { return true }
        if request.maxSize > 0, body.count + bytes.count > request.maxSize {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        if line.starts(with: "HTTP/".utf8) {
            // A new response (after a redirect): forget the old headers. Interim 1xx
            // answers only precede the real one.
            let status = Self.statusCode(line)
            guard !(100..<200).contains(status) else { return }
            headers = ResponseHeaders()
            // In a header callback, the effective URL is the one this response answers.
            var effective: UnsafeMutablePointer<CChar>?
            _ = finews_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
            responses.append((status, effective.map { String(cString: $0) } ?? request.url))
            return
        }
        headers.record(line)
    }

    /// The three digits after the protocol in `HTTP/1.1 404 Not Found` or `HTTP/2 404`; 0 if absent.
    private static func statusCode(_ line: UnsafeRawBufferPointer) -> Int {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return 0 }
        var code = 0
        for byte in line[(space + 1)...].prefix(3) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return 0 }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return code
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}

/// `CURLOPT_WRITEFUNCTION`: append to the body, or return 0 to abort past the limit.
private func curlWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return easy.receiveBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

/// `CURLOPT_HEADERFUNCTION`: record one header line.
private func curlHeader(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    easy.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

/// `CURLOPT_OPENSOCKETFUNCTION`: open the socket libcurl asks for, unless the address
/// is one the request may not reach (`CURL_SOCKET_BAD` then makes libcurl try the next
/// address, or fail with `CURLE_COULDNT_CONNECT`).
private func curlOpenSocket(
    _ context: UnsafeMutableRawPointer?, _ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>?
) -> curl_socket_t {
    guard let context, let address else { return CURL_SOCKET_BAD }
    let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
    var bytes = [UInt8](repeating: 0, count: 16)
    let length = Int(finews_sockaddr_ip(address, &bytes))
    // Not an IP address (a Unix socket path is set by the program, never by a server): allowed.
    if length == 4 || length == 16, !easy.mayConnect(to: Array(bytes.prefix(length))) { return CURL_SOCKET_BAD }
    return finews_open_socket(address)
}

/// `CURLOPT_PREREQFUNCTION`: check the connection a request is about to be sent over.
private func curlPrerequest(
    _ context: UnsafeMutableRawPointer?, _ primaryIP: UnsafeMutablePointer<CChar>?,
    _ localIP: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32
) -> Int32 {
    guard let context else { return Int32(CURL_PREREQFUNC_ABORT) }
    let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
    let ip = primaryIP.map { String(cString: $0) } ?? ""
    return easy.maySend(primaryIP: ip) ? Int32(CURL_PREREQFUNC_OK) : Int32(CURL_PREREQFUNC_ABORT)
}
