import CZlib

/// gzip bodies for the tests, made with zlib.
enum Gzip {
    /// `bytes` compressed into one gzip member.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard finews_deflate_init(&stream, 9, 31) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let written = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(written))
    }

    /// A gzip member that inflates to `mebibytes` MiB of zeros, built without compressing
    /// them all: after a full flush deflate starts afresh, so every MiB of zeros compresses
    /// to the same bytes, which are simply repeated (about 1 KB per MiB).
    static func zeros(mebibytes: Int) -> [UInt8] {
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var stream = z_stream()
        guard finews_deflate_init(&stream, 9, -15) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let segment = run(&stream, chunk, flush: Z_FULL_FLUSH)
        let end = run(&stream, [], flush: Z_FINISH)

        var crc = crc32(0, nil, 0)
        chunk.withUnsafeBufferPointer { buffer in
            for _ in 0..<mebibytes { crc = crc32(crc, buffer.baseAddress, uInt(buffer.count)) }
        }
        let size = UInt32(truncatingIfNeeded: mebibytes << 20)
        var member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        member.reserveCapacity(10 + segment.count * mebibytes + end.count + 8)
        for _ in 0..<mebibytes { member += segment }
        member += end
        for value in [UInt32(truncatingIfNeeded: crc), size] {
            member += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        }
        return member
    }

    private static func run(_ stream: inout z_stream, _ bytes: [UInt8], flush: Int32) -> [UInt8] {
        var input = bytes
        var output = [UInt8](repeating: 0, count: 1 << 16)
        let written = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                _ = deflate(&stream, flush)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(written))
    }
}
