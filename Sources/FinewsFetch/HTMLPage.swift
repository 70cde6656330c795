/// Recognises a web page served where a feed was expected, cheaply: only the
/// `Content-Type` and the first bytes of the body are looked at.
enum HTMLPage {
    /// True when `contentType` is `text/html` and `body` begins, after a UTF-8 byte-order
    /// mark and white space, with `<!doctype html` or `<html` (in any case).
    /// Feeds wrongly served as `text/html` still pass: their bodies start with `<?xml` or `<rss`.
    static func matches(contentType: String?, body: [UInt8]) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard mediaType.trimmingCharacters(in: " \t").lowercased() == "text/html" else { return false }
        return startsWithHTMLDocument(body)
    }

    static func startsWithHTMLDocument(_ body: [UInt8]) -> Bool {
        var index = body.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let whiteSpace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0C]
        while index < body.count, whiteSpace.contains(body[index]) { index += 1 }
        for marker in ["<!doctype html", "<html"] {
            let bytes = Array(marker.utf8)
            guard body.count - index >= bytes.count else { continue }
            let matched = zip(bytes, body[index...]).allSatisfy { expected, byte in
                // ASCII case folding: set bit 5 on letters only.
                let folded = (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
                return folded == expected
            }
            guard matched else { continue }
            // `<html>` or `<html lang=…>`, not `<htmlfoo>`.
            let next = index + bytes.count
            return next == body.count || body[next] == UInt8(ascii: ">") || whiteSpace.contains(body[next])
        }
        return false
    }
}
