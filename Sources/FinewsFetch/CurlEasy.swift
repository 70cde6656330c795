import CCurl

/// Owns one libcurl easy handle, the request's header list and the response being
/// received. Used from the fetcher's thread only.
///
/// The write and header callbacks reach this object through an unretained pointer
/// (`CURLOPT_WRITEDATA`): the multi loop keeps it alive while the transfer runs.
/// They never throw; they record what happened (a body over the size limit) for
/// ``result(code:)`` to turn into an error afterwards.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let request: FetchRequest
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    fileprivate(set) var body: [UInt8] = []
    fileprivate(set) var exceededLimit = false
    fileprivate var headers: [String: String] = [:]

    /// Creates and configures a handle for `request`; nil if libcurl cannot allocate one.
    init?(request: FetchRequest, defaultUserAgent: String) {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.request = request
        configure(defaultUserAgent: defaultUserAgent)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
    }

    private func configure(defaultUserAgent: String) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        setString(CURLOPT_URL, request.url)
        // The first URL may be a local file; redirects may only lead to http(s).
        setString(CURLOPT_PROTOCOLS_STR, "http,https,file")
        setString(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        setLong(CURLOPT_FOLLOWLOCATION, 1)
        setLong(CURLOPT_MAXREDIRS, 5)
        // An empty string asks for every encoding this libcurl can decode.
        setString(CURLOPT_ACCEPT_ENCODING, "")
        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_CONNECTTIMEOUT, Int(min(request.timeoutSeconds, 15)))
        setLong(CURLOPT_TIMEOUT, Int(request.timeoutSeconds))
        // Abort transfers slower than 1 KB/s for 15 s.
        setLong(CURLOPT_LOW_SPEED_LIMIT, 1024)
        setLong(CURLOPT_LOW_SPEED_TIME, 15)
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        setString(CURLOPT_USERAGENT, request.userAgent ?? defaultUserAgent)
        if request.maxSize > 0 {
            _ = finews_easy_setopt_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxSize))
        }
        errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = finews_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
        }
        _ = finews_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        _ = finews_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = finews_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        _ = finews_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)

        var lines: [String] = []
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lastModified = request.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
        for line in lines { headerList = curl_slist_append(headerList, line) }
        if let headerList { _ = finews_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = finews_easy_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (since 7.17), so a temporary C string suffices.
        _ = finews_easy_setopt_string(handle, option, value)
    }

    /// Turns the transfer's end into a result.
    func result(code: CURLcode) -> FetchResult {
        FetchResult(key: request.key, url: request.url, outcome: outcome(code: code))
    }

    private func outcome(code: CURLcode) -> Result<FetchOutcome, FetchError> {
        let url = request.url
        if exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(FetchError(.tooLarge,
                "\(url): the document is larger than max_size (\(request.maxSize) bytes); raise max_size if it is genuine"))
        }
        guard code == CURLE_OK else { return .failure(classify(code)) }
        var status = 0
        _ = finews_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutablePointer<CChar>?
        _ = finews_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        let finalURL = effective.map { String(cString: $0) } ?? url
        let validators = Validators(etag: headers["etag"], lastModified: headers["last-modified"])
        if status == 304 { return .success(.notModified(validators)) }
        if status != 0, !(200..<300).contains(status) {
            return .failure(FetchError(.httpStatus, "\(url): the server answered HTTP \(status)", httpStatus: status))
        }
        return .success(.fetched(FetchedDocument(
            body: body, status: status, contentType: headers["content-type"], finalURL: finalURL,
            validators: validators)))
    }

    private func classify(_ code: CURLcode) -> FetchError {
        let detail = errorBuffer.withUnsafeBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress, base.pointee != 0 else { return String(cString: curl_easy_strerror(code)) }
            return String(cString: base)
        }
        let url = request.url
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return FetchError(.dns, "\(url): the host name does not resolve (\(detail)); check the URL and DNS")
        case CURLE_COULDNT_CONNECT:
            return FetchError(.connect, "\(url): could not connect (\(detail)); is the server up?")
        case CURLE_OPERATION_TIMEDOUT:
            return FetchError(.timeout, "\(url): timed out (\(detail)); raise timeout if the server is slow")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS:
            return FetchError(.tls, "\(url): TLS failed (\(detail)); the certificate is not trusted or the handshake broke")
        case CURLE_TOO_MANY_REDIRECTS:
            return FetchError(.redirect, "\(url): more than 5 redirects (\(detail)); point the feed at the final URL")
        case CURLE_UNSUPPORTED_PROTOCOL:
            return FetchError(.redirect, "\(url): refused a redirect or URL with a scheme other than http, https or file (\(detail))")
        case CURLE_FILE_COULDNT_READ_FILE:
            return FetchError(.file, "\(url): cannot read the file (\(detail)); check the path in feeds.conf")
        default:
            return FetchError(.transfer, "\(url): transfer failed (\(detail))")
        }
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if request.maxSize > 0, body.count + bytes.count > request.maxSize {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100 Continue): forget the old headers.
            headers.removeAll()
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        headers[name] = value
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
