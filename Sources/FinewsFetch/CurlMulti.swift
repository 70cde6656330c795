import CCurl

/// Owns one libcurl multi handle: the connection cache, the DNS cache and the
/// transfers in progress. Used from the fetcher's thread only, except for
/// ``wakeup``, which any thread may use while the handle lives.
final class CurlMulti {
    private let handle: UnsafeMutableRawPointer

    /// Creates a multi handle with limits on connections in total and per host;
    /// nil if libcurl cannot allocate one.
    init?(maxConnections: Int, maxPerHost: Int) {
        guard let handle = finews_curl_multi_init() else { return nil }
        self.handle = handle
        _ = finews_multi_setopt_long(handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        // The fetcher never starts more than `maxPerHost` transfers to a host itself
        // (queued transfers inside libcurl would count their wait against their timeout);
        // this is the backstop for hosts reached through redirects.
        _ = finews_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, maxPerHost)
        // Enough idle connections kept to reuse one per host across many feeds.
        _ = finews_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, max(64, maxConnections * 4))
        _ = finews_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
    }

    deinit {
        finews_curl_multi_cleanup(handle)
    }

    /// A way for other threads to interrupt ``poll(milliseconds:)``.
    var wakeup: MultiWakeup { MultiWakeup(handle: handle) }

    /// Adds a transfer; false if libcurl refuses it.
    func add(_ easy: CurlEasy) -> Bool {
        finews_curl_multi_add_handle(handle, easy.handle) == CURLM_OK
    }

    func remove(_ easy: CurlEasy) {
        finews_curl_multi_remove_handle(handle, easy.handle)
    }

    /// Drives all transfers as far as they can go without blocking.
    func perform() {
        var running: Int32 = 0
        finews_curl_multi_perform(handle, &running)
    }

    /// Waits up to `milliseconds` for activity on any transfer, for libcurl's own next
    /// timeout (it shortens the wait itself), or for a ``MultiWakeup``.
    func poll(milliseconds: Int32) {
        var ready: Int32 = 0
        finews_curl_multi_poll(handle, nil, 0, milliseconds, &ready)
    }

    /// The next finished transfer, as its easy handle and result code.
    func nextCompleted() -> (handle: UnsafeMutableRawPointer, code: CURLcode)? {
        var remaining: Int32 = 0
        while let message = finews_curl_multi_info_read(handle, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            return (easy, message.pointee.data.result)
        }
        return nil
    }
}

@available(*, unavailable)
extension CurlMulti: Sendable {}

/// Interrupts the fetcher thread's `curl_multi_poll`, from any thread.
///
/// `curl_multi_wakeup` is documented as callable from any thread. The pointer is only
/// valid while the multi handle lives: the fetcher publishes this value under its lock
/// and withdraws it, under the same lock, before the handle is cleaned up.
struct MultiWakeup: @unchecked Sendable {
    fileprivate let handle: UnsafeMutableRawPointer

    func wake() {
        finews_curl_multi_wakeup(handle)
    }
}
