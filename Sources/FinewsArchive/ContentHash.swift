import Crypto

/// SHA-256 of bytes as lowercase hex, for change detection of bodies and posts.
public enum ContentHash {
    /// The hex digest of `bytes`.
    public static func of(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
