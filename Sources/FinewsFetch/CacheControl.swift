/// The `Cache-Control` response header (RFC 9111 §5.2.2), as far as the scheduler cares.
enum CacheControl {
    /// The `max-age` directive in seconds, or nil when there is none or the response
    /// must not be reused (`no-cache`, `no-store`). A value too large is capped at a week,
    /// like `Retry-After`.
    static func maxAge(_ header: String) -> Int? {
        var maxAge: Int?
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1)
            let name = parts[0].trimmingCharacters(in: " \t").lowercased()
            switch name {
            case "no-cache", "no-store":
                return nil
            case "max-age":
                guard parts.count == 2 else { continue }
                let value = parts[1].trimmingCharacters(in: " \t\"")
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else { continue }
                maxAge = value.utf8.count > 9 ? RetryAfter.maximum : min(Int(value) ?? RetryAfter.maximum, RetryAfter.maximum)
            default:
                continue
            }
        }
        return maxAge
    }
}
