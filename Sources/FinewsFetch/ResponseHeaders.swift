/// The response headers the fetcher reads. Names are matched on the header line's
/// bytes, without regard to case, so that the headers it skips (most of them) cost
/// no string; values are trimmed of spaces, tabs and the line's end.
struct ResponseHeaders {
    private(set) var contentType: String?
    private(set) var etag: String?
    private(set) var lastModified: String?
    private(set) var expires: String?
    private(set) var retryAfter: String?
    private(set) var cacheControl: String?

    private static let contentTypeName = Array("content-type".utf8)
    private static let etagName = Array("etag".utf8)
    private static let lastModifiedName = Array("last-modified".utf8)
    private static let expiresName = Array("expires".utf8)
    private static let retryAfterName = Array("retry-after".utf8)
    private static let cacheControlName = Array("cache-control".utf8)

    /// Keeps the value of `line` (`Name: value\r\n`, as libcurl hands it over) when its
    /// name is one the fetcher reads; a later line of the same name replaces it.
    mutating func record(_ line: UnsafeRawBufferPointer) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        // Lengths first: a header the fetcher does not read is mostly passed over there.
        switch name.count {
        case 4 where Self.matches(name, Self.etagName): etag = Self.value(line, after: colon)
        case 7 where Self.matches(name, Self.expiresName): expires = Self.value(line, after: colon)
        case 11 where Self.matches(name, Self.retryAfterName): retryAfter = Self.value(line, after: colon)
        case 12 where Self.matches(name, Self.contentTypeName): contentType = Self.value(line, after: colon)
        case 13 where Self.matches(name, Self.lastModifiedName): lastModified = Self.value(line, after: colon)
        case 13 where Self.matches(name, Self.cacheControlName): cacheControl = Self.value(line, after: colon)
        default: break
        }
    }

    /// Whether `name` is `lowercased` in any case (ASCII letters only are folded).
    private static func matches(_ name: UnsafeRawBufferPointer, _ lowercased: [UInt8]) -> Bool {
        guard name.count == lowercased.count else { return false }
        for (byte, expected) in zip(name, lowercased) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if folded != expected { return false }
        }
        return true
    }

    private static func value(_ line: UnsafeRawBufferPointer, after colon: Int) -> String {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = colon + 1
        var end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }
}
