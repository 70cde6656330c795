import CCurl
import Glibc

/// Whether a transfer may connect to loopback, private, link-local and other internal
/// addresses (see ``InternalAddress``).
///
/// A URL written in feeds.conf is the administrator's choice and is fetched as written.
/// What a server or a feed points to (a redirect, an article link) is the publisher's:
/// without this rule a feed could make finews fetch `http://169.254.169.254/…` or an
/// intranet page and publish it. The check is made on the address libcurl actually
/// connects to, after DNS, for every hop of a transfer.
public enum PrivateNetworkAccess: Sendable, Hashable {
    /// Any address may be reached (`allow_private_networks = true`).
    case allowed
    /// Internal addresses may be reached only by hops to the host of this URL (the
    /// feed's configured URL): the same host name, on the same port, where http's 80
    /// and https's 443 count as one. Every other hop must reach a public address.
    case onlyHost(of: String)
    /// No hop may reach an internal address.
    case refused
}

/// The kinds of address that only the administrator may send finews to.
package enum InternalAddress: String, Sendable, Hashable, CaseIterable {
    case loopback
    case privateNetwork = "private"
    case linkLocal = "link-local"
    case sharedCGNAT = "carrier-grade NAT (100.64.0.0/10)"
    case unspecified
    case multicast
    case broadcast

    /// `a loopback address`, `an unspecified address`.
    var phrase: String {
        switch self {
        case .unspecified: "an unspecified address"
        case .sharedCGNAT: "a carrier-grade NAT (100.64.0.0/10) address"
        default: "a \(rawValue) address"
        }
    }

    /// The kind of an IPv4 (4 bytes) or IPv6 (16 bytes) address; nil for a public one
    /// or any other length. IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
    /// (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) forms are judged by their IPv4 part.
    package static func classify(_ bytes: some Collection<UInt8>) -> InternalAddress? {
        let bytes = Array(bytes)
        switch bytes.count {
        case 4: return classifyIPv4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: return classifyIPv6(bytes)
        default: return nil
        }
    }

    /// The kind of an address written as text (`10.0.0.5`, `fe80::1`, `[::1]`); nil
    /// for a public address or text that is not an IP address.
    package static func classify(text: String) -> InternalAddress? {
        parse(text).flatMap { classify($0) }
    }

    /// The bytes of an IP address written as text, brackets allowed around IPv6; nil if it is not one.
    package static func parse(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        // A zone (`fe80::1%eth0`) does not change the kind of address.
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        let string = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            return withUnsafeBytes(of: v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, string, &v6) == 1 {
            return withUnsafeBytes(of: v6) { Array($0) }
        }
        return nil
    }

    private static func classifyIPv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> InternalAddress? {
        switch (a, b) {
        // 0.0.0.0/8 is "this network"; Linux connects 0.0.0.0 to the local host.
        case (0, _): return .unspecified
        case (127, _): return .loopback
        case (10, _): return .privateNetwork
        case (172, 16...31): return .privateNetwork
        case (192, 168): return .privateNetwork
        case (169, 254): return .linkLocal
        case (100, 64...127): return .sharedCGNAT
        case (224...239, _): return .multicast
        case (255, 255) where c == 255 && d == 255: return .broadcast
        default: return nil
        }
    }

    private static func classifyIPv6(_ bytes: [UInt8]) -> InternalAddress? {
        let prefix96Zero = bytes[0..<12].allSatisfy { $0 == 0 }
        if prefix96Zero {
            let tail = bytes[12..<16]
            if tail.allSatisfy({ $0 == 0 }) { return .unspecified }
            if tail.elementsEqual([0, 0, 0, 1]) { return .loopback }
            // IPv4-compatible, deprecated but still parsed.
            return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        // ::ffff:0:0/96, IPv4-mapped.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        // 64:ff9b::/96, NAT64: a gateway turns it into the IPv4 address in its last bytes.
        if bytes[0..<12].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) {
            return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        switch bytes[0] {
        case 0xFC, 0xFD: return .privateNetwork  // fc00::/7, unique local
        case 0xFF: return .multicast  // ff00::/8
        case 0xFE:
            if bytes[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
            if bytes[1] & 0xC0 == 0xC0 { return .privateNetwork }  // fec0::/10, the old site-local
            return nil
        default: return nil
        }
    }
}

/// The host and port a URL connects to, as libcurl itself parses it (its URL API is
/// the parser its transfers use, so finews and libcurl cannot disagree about a URL).
struct URLOrigin: Hashable {
    /// The host name, lowercased; an IPv6 address keeps its brackets.
    var host: String
    /// The port; the scheme's default when none is written.
    var port: Int

    init?(_ url: String) {
        guard let handle = finews_curl_url() else { return nil }
        defer { finews_curl_url_cleanup(handle) }
        guard finews_curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        var host: UnsafeMutablePointer<CChar>?
        guard finews_curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK, let host else { return nil }
        self.host = String(cString: host).lowercased()
        finews_curl_free(host)
        var port: UnsafeMutablePointer<CChar>?
        guard finews_curl_url_get(handle, CURLUPART_PORT, &port, UInt32(CURLU_DEFAULT_PORT)) == CURLUE_OK, let port else {
            return nil
        }
        self.port = Int(String(cString: port)) ?? 0
        finews_curl_free(port)
    }

    /// The same host name, on the same port; http's 80 and https's 443 count as one,
    /// so that a move from http to https on the same host stays the same host.
    func isSameHost(as other: URLOrigin) -> Bool {
        guard host == other.host else { return false }
        let web: Set<Int> = [80, 443]
        return port == other.port || (web.contains(port) && web.contains(other.port))
    }
}

/// A connection that ``PrivateNetworkAccess`` did not allow.
struct PrivateNetworkRefusal: Sendable, Hashable {
    /// The address, as text (`169.254.169.254`, `::1`).
    var address: String
    var kind: InternalAddress
    /// The URL of the hop that would have connected.
    var url: String
}

/// Applies a request's ``PrivateNetworkAccess`` to each connection of its transfer.
/// Pure decisions; ``CurlEasy`` asks it from its libcurl callbacks.
struct ConnectGuard {
    private enum Rule {
        case allowed
        /// The trusted host, and the URL it was read from (a hop to that very URL is
        /// trusted without parsing it again: the common case of a feed without redirects).
        case onlyHost(URLOrigin, url: String)
        case refused
    }

    private let rule: Rule
    /// Whether a proxy may carry the transfer: the socket then leads to the proxy
    /// (the administrator's choice), and only the URL's own host can be judged.
    let proxied: Bool

    init(_ access: PrivateNetworkAccess, proxied: Bool) {
        switch access {
        case .allowed: rule = .allowed
        // A URL libcurl cannot parse makes no transfer, so no host is trusted for it.
        case .onlyHost(let url): rule = URLOrigin(url).map { Rule.onlyHost($0, url: url) } ?? .refused
        case .refused: rule = .refused
        }
        self.proxied = proxied
    }

    /// Whether any check is needed at all.
    var checks: Bool {
        if case .allowed = rule { return false }
        return true
    }

    /// Why the hop to `hopURL` may not connect to `address` (4 or 16 bytes); nil when it
    /// may. `hopURL` is asked for only when the address is internal.
    func refusal(connectingTo address: [UInt8], hopURL: () -> String) -> PrivateNetworkRefusal? {
        guard let kind = InternalAddress.classify(address) else { return nil }
        let url = hopURL()
        guard !trusts(url) else { return nil }
        return PrivateNetworkRefusal(address: Self.text(address), kind: kind, url: url)
    }

    /// ``refusal(connectingTo:hopURL:)`` for a URL at hand.
    func refusal(connectingTo address: [UInt8], hopURL: String) -> PrivateNetworkRefusal? {
        refusal(connectingTo: address, hopURL: { hopURL })
    }

    /// Behind a proxy, the name is resolved by the proxy: only an IP address or
    /// `localhost` written in the hop's URL can be judged.
    func refusal(proxiedHopTo hopURL: String) -> PrivateNetworkRefusal? {
        guard !trusts(hopURL), let origin = URLOrigin(hopURL) else { return nil }
        if origin.host == "localhost" || origin.host.hasSuffix(".localhost") {
            return PrivateNetworkRefusal(address: origin.host, kind: .loopback, url: hopURL)
        }
        guard let bytes = InternalAddress.parse(origin.host), let kind = InternalAddress.classify(bytes) else {
            return nil
        }
        return PrivateNetworkRefusal(address: Self.text(bytes), kind: kind, url: hopURL)
    }

    private func trusts(_ hopURL: String) -> Bool {
        switch rule {
        case .allowed: return true
        case .refused: return false
        case .onlyHost(let trusted, let url):
            return hopURL == url || (URLOrigin(hopURL).map { $0.isSameHost(as: trusted) } ?? false)
        }
    }

    /// `10.0.0.5`, `fe80::1`, `::ffff:127.0.0.1`.
    static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = address.count == 4 ? AF_INET : AF_INET6
        let written = address.withUnsafeBytes { bytes in
            inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(INET6_ADDRSTRLEN))
        }
        guard written != nil else { return address.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether libcurl may find a proxy in the environment: `http_proxy` (lowercase
    /// only, as libcurl reads it), `https_proxy`, `all_proxy`, in either case, unless
    /// `no_proxy` is `*` (no host through a proxy).
    static var environmentHasProxy: Bool {
        func value(_ name: String) -> String? {
            guard let pointer = getenv(name), pointer.pointee != 0 else { return nil }
            return String(cString: pointer)
        }
        if (value("no_proxy") ?? value("NO_PROXY")).map({ Substring($0).trimmingCharacters(in: " ") }) == "*" {
            return false
        }
        return ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains { value($0) != nil }
    }
}
