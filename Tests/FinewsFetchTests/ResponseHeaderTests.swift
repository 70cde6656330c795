@testable import FinewsFetch
import Testing

@Suite("Response headers are read from libcurl's header lines by their bytes")
struct ResponseHeaderTests {
    private func headers(_ lines: [String]) -> ResponseHeaders {
        var headers = ResponseHeaders()
        for line in lines {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { headers.record(UnsafeRawBufferPointer($0)) }
        }
        return headers
    }

    @Test("Names match in any case; values lose the spaces, tabs and line end around them")
    func names() {
        let read = headers([
            "ETag: \"v1\"\r\n", "LAST-MODIFIED:\tWed, 02 Mar 2022 00:08:45 GMT \r\n", "content-Type: application/rss+xml\r\n",
            "Expires: 0\r\n", "Retry-After: 120\r\n", "Cache-Control:  max-age=600\r\n", "Server: nginx\r\n",
        ])
        #expect(read.etag == "\"v1\"")
        #expect(read.lastModified == "Wed, 02 Mar 2022 00:08:45 GMT")
        #expect(read.contentType == "application/rss+xml")
        #expect(read.expires == "0")
        #expect(read.retryAfter == "120")
        #expect(read.cacheControl == "max-age=600")
    }

    @Test("Only ASCII letters are folded: a byte that differs from a name's '-' by case bits is another name")
    func folding() {
        // `\r` (0x0D) is `-` (0x2D) without bit 0x20; `@` (0x40) is `` ` `` (0x60) without it.
        let read = headers(["Last\rModified: x\r\n", "Cache\rControl: y\r\n", "Etag@: z\r\n", "ETAG : w\r\n"])
        #expect(read.lastModified == nil)
        #expect(read.cacheControl == nil)
        #expect(read.etag == nil, "a space before the colon is part of the name, as before")
    }

    @Test("A later line of the same name replaces the earlier; an empty value is kept as empty; a line without colon is skipped")
    func repeated() {
        let read = headers(["ETag: \"a\"\r\n", "ETag: \"b\"\r\n", "Expires:\r\n", "HTTP/1.1 200 OK\r\n", "\r\n"])
        #expect(read.etag == "\"b\"")
        #expect(read.expires == "")
    }

    @Test("Bytes that are not UTF-8 in a value are replaced, not a reason to fail")
    func invalidUTF8() {
        var headers = ResponseHeaders()
        var bytes = Array("ETag: \"".utf8) + [0xFF, 0xFE] + Array("\"\r\n".utf8)
        bytes.withUnsafeMutableBytes { headers.record(UnsafeRawBufferPointer($0)) }
        #expect(headers.etag == "\"\u{FFFD}\u{FFFD}\"")
    }
}
