import CCurl
@testable import FinewsFetch
import Testing

/// The fetcher's pure rules, as tables.
@Suite("Fetch policies")
struct FetchPolicyTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110.
    static let example = 784_111_777.0

    @Test("Retry-After: delay-seconds and the three HTTP-date forms", arguments: [
        ("120", example, 120),
        (" 30 ", example, 30),
        ("0", example, 0),
        ("99999999999999999999", example, RetryAfter.maximum),
        ("Sun, 06 Nov 1994 08:49:37 GMT", example - 60, 60),
        ("Sunday, 06-Nov-94 08:49:37 GMT", example - 60, 60),
        ("Sun Nov  6 08:49:37 1994", example - 60, 60),
        ("Sun, 06 Nov 1994 08:49:37 GMT", example - 0.5, 1),
        ("Sun, 06 Nov 1994 08:49:37 GMT", example + 3600, 0),
    ] as [(String, Double, Int)])
    func retryAfter(value: String, now: Double, seconds: Int) {
        #expect(RetryAfter.wait(value, now: now) == .seconds(seconds))
    }

    @Test("Retry-After values in neither form are ignored", arguments: [
        "", "soon", "-5", "1.5", "Sun, 31 Feb 2022 00:00:00 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 CET", "Sun, 06 Nov 94 08:49:37 GMT",
    ])
    func retryAfterInvalid(value: String) {
        #expect(RetryAfter.wait(value, now: Self.example) == nil)
    }

    @Test("HTTP dates: leap days, case, and RFC 850's two-digit years", arguments: [
        ("Thu, 29 Feb 2024 12:00:00 GMT", 2025, 1_709_208_000),
        ("thu, 29 FEB 2024 12:00:00 GMT", 2025, 1_709_208_000),
        ("Tuesday, 01-Jan-80 00:00:00 GMT", 2025, 315_532_800),
        ("Tuesday, 01-Jan-30 00:00:00 GMT", 2025, 1_893_456_000),
        ("Tuesday, 01-Jan-30 00:00:00 GMT", 2085, 1_893_456_000),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 2025, 784_111_777),
    ] as [(String, Int, Int)])
    func httpDates(text: String, nowYear: Int, epoch: Int) {
        #expect(HTTPDate.parse(text, nowYear: nowYear) == epoch)
    }

    @Test("Not a leap year, not a date")
    func notLeapYear() {
        #expect(HTTPDate.parse("Thu, 29 Feb 2023 12:00:00 GMT", nowYear: 2025) == nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 2000 12:00:00 GMT", nowYear: 2025) != nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 1900 12:00:00 GMT", nowYear: 2025) == nil)
        #expect(HTTPDate.year(ofEpochSeconds: Self.example) == 1994)
        #expect(HTTPDate.year(ofEpochSeconds: 1_709_208_000) == 2024)
    }

    @Test("Cache-Control: max-age, unless the response may not be reused", arguments: [
        ("max-age=600", 600),
        ("public, max-age=3600", 3600),
        ("Max-Age = 60", 60),
        ("MAX-AGE=\"120\"", 120),
        ("s-maxage=100, max-age=30", 30),
        ("max-age=99999999999999", RetryAfter.maximum),
        ("max-age=abc", nil),
        ("max-age=600, no-cache", nil),
        ("no-store", nil),
        ("private", nil),
    ] as [(String, Int?)])
    func cacheControl(header: String, maxAge: Int?) {
        #expect(CacheControl.maxAge(header) == maxAge)
    }

    @Test("HTML pages are recognised by type and first bytes", arguments: [
        ("text/html", "<!DOCTYPE html><html></html>", true),
        ("TEXT/HTML; charset=utf-8", "\u{FEFF} \r\n\t<html lang=\"en\">", true),
        ("text/html", "<HTML>", true),
        ("text/html", "<?xml version=\"1.0\"?><rss/>", false),
        ("text/html", "<rss version=\"2.0\">", false),
        ("text/html", "<htmlx>", false),
        ("text/html", "", false),
        ("application/rss+xml", "<!doctype html>", false),
        ("text/xml", "<html>", false),
    ] as [(String, String, Bool)])
    func htmlPage(contentType: String, body: String, isPage: Bool) {
        #expect(HTMLPage.matches(contentType: contentType, body: Array(body.utf8)) == isPage)
    }

    @Test("No content type, no page")
    func htmlPageWithoutType() {
        #expect(!HTMLPage.matches(contentType: nil, body: Array("<html>".utf8)))
    }

    @Test("The host a URL counts against", arguments: [
        ("https://Example.COM/feed.xml", "example.com"),
        ("http://user:secret@example.com:8080/a?b#c", "example.com"),
        ("http://127.0.0.1:9/feed", "127.0.0.1"),
        ("http://[::1]:8080/feed", "[::1]"),
        ("https://example.com?x=1", "example.com"),
        ("file:///tmp/feed.xml", ""),
    ])
    func host(url: String, host: String) {
        #expect(TransferQueue<Int>.host(of: url) == host)
    }

    @Test("The queue keeps both limits and serves hosts in order of arrival")
    func queueLimits() {
        var queue = TransferQueue<Int>(concurrency: 3, perHost: 2)
        for (index, host) in ["a", "a", "a", "b", "c"].enumerated() {
            queue.enqueue(.init(batch: 1, host: host, item: index))
        }
        var started: [Int] = []
        while let job = queue.next() { started.append(job.item) }
        #expect(started == [0, 1, 3])
        #expect(queue.inFlight == 3)
        queue.finished(host: "a")
        #expect(queue.next()?.item == 2)
        #expect(queue.next() == nil)
        queue.finished(host: "b")
        #expect(queue.next()?.item == 4)
        #expect(queue.isEmpty)
    }

    @Test("Cancelling a batch drops its waiting jobs only")
    func queueCancel() {
        var queue = TransferQueue<Int>(concurrency: 1, perHost: 1)
        for item in 0..<6 { queue.enqueue(.init(batch: UInt64(item % 2), host: item < 3 ? "a" : "b", item: item)) }
        #expect(queue.next()?.item == 0)
        queue.removeAll(batch: 1)
        queue.finished(host: "a")
        var rest: [Int] = []
        while let job = queue.next() {
            rest.append(job.item)
            queue.finished(host: job.host)
        }
        #expect(rest == [2, 4])
    }

    @Test("libcurl failures are classified", arguments: [
        (CURLE_COULDNT_RESOLVE_HOST, FetchError.Code.dns),
        (CURLE_COULDNT_RESOLVE_PROXY, .dns),
        (CURLE_COULDNT_CONNECT, .connect),
        (CURLE_PEER_FAILED_VERIFICATION, .tls),
        (CURLE_SSL_CONNECT_ERROR, .tls),
        (CURLE_SSL_CACERT_BADFILE, .tls),
        (CURLE_OPERATION_TIMEDOUT, .timeout),
        (CURLE_TOO_MANY_REDIRECTS, .redirect),
        (CURLE_FILESIZE_EXCEEDED, .tooLarge),
        (CURLE_FILE_COULDNT_READ_FILE, .file),
        (CURLE_GOT_NOTHING, .transfer),
    ] as [(CURLcode, FetchError.Code)])
    func classification(code: CURLcode, expected: FetchError.Code) {
        let facts = TransferFacts(url: "https://example.com/feed.xml", finalURL: "https://example.com/feed.xml")
        let error = FetchError.transfer(code, detail: "detail", facts: facts)
        #expect(error.code == expected)
        #expect(error.message.hasPrefix("https://example.com/feed.xml: "))
    }

    @Test("Timeouts say which limit expired")
    func timeoutKinds() {
        var facts = TransferFacts(url: "http://x/", finalURL: "http://x/", timeout: .seconds(30))
        facts.connected = false
        #expect(FetchError.transfer(CURLE_OPERATION_TIMEDOUT, detail: "", facts: facts).message.contains("no connection within 15 s"))
        facts.connected = true
        facts.elapsed = .seconds(30)
        #expect(FetchError.transfer(CURLE_OPERATION_TIMEDOUT, detail: "", facts: facts).message.contains("longer than 30 s"))
        facts.elapsed = .seconds(16)
        #expect(FetchError.transfer(CURLE_OPERATION_TIMEDOUT, detail: "", facts: facts).message.contains("for 15 s"))
    }

    @Test("Durations in messages", arguments: [
        (Duration.milliseconds(1500), "1.5 s"), (.seconds(30), "30 s"), (.seconds(125), "2 min 5 s"),
        (.seconds(600), "10 min"), (.seconds(7200), "2 h"), (.seconds(5400), "90 min"),
    ])
    func durations(duration: Duration, text: String) {
        #expect(FetchError.format(duration) == text)
    }
}
