/// Percent-encoding for values put into URL templates (`{infoCode}`, `{link}`, a
/// story's field): every byte except the unreserved ones of RFC 3986
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so a value can never end the path, add a
/// query or reach another host.
package enum PercentEncoding {
    /// `value` with every byte but the unreserved ones as `%XX`.
    package static func encoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
