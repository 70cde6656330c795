import Crypto

/// SHA-256 of bytes as lowercase hex, for change detection of bodies and posts.
public enum ContentHash {
    /// The hex digest of `bytes`.
    public static func of(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        // Written straight into the String's storage: formatting each byte as its
        // own String and joining them cost more than the hash of a post.
        return String(unsafeUninitializedCapacity: SHA256.Digest.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
