import CCurl

/// Owns one libcurl multi handle. Used from the fetcher's thread only.
final class CurlMulti {
    private let handle: UnsafeMutableRawPointer

    /// Creates a multi handle with limits on connections in total and per host;
    /// nil if libcurl cannot allocate one.
    init?(maxConnections: Int, maxPerHost: Int) {
        guard let handle = curl_multi_init() else { return nil }
        self.handle = handle
        _ = finews_multi_setopt_long(handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        _ = finews_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, maxPerHost)
        _ = finews_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
    }

    deinit {
        curl_multi_cleanup(handle)
    }

    func add(_ easy: CurlEasy) {
        curl_multi_add_handle(handle, easy.handle)
    }

    func remove(_ easy: CurlEasy) {
        curl_multi_remove_handle(handle, easy.handle)
    }

    /// Drives all transfers as far as they can go without blocking.
    func perform() {
        var running: Int32 = 0
        curl_multi_perform(handle, &running)
    }

    /// Waits up to `milliseconds` for activity on any transfer.
    func poll(milliseconds: Int32) {
        var ready: Int32 = 0
        curl_multi_poll(handle, nil, 0, milliseconds, &ready)
    }

    /// The next finished transfer, as its easy handle and result code.
    func nextCompleted() -> (handle: UnsafeMutableRawPointer, code: CURLcode)? {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            return (easy, message.pointee.data.result)
        }
        return nil
    }
}

@available(*, unavailable)
extension CurlMulti: Sendable {}
