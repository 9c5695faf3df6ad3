import CZlib

/// gzip through the system zlib.
public enum Gzip {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var code: Int32
        public var description: String { "zlib error \(code)" }
    }

    /// gzip format (window bits 15 + 16). Compression of bytes in memory cannot fail short of
    /// zlib being unable to allocate, in which case this traps rather than send a broken body.
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let rc = czlib_deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        precondition(rc == Z_OK, "deflateInit2 failed: \(rc)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var source = input
        let written = source.withUnsafeMutableBufferPointer { src -> Int in
            output.withUnsafeMutableBufferPointer { dst -> Int in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                // deflateBound guarantees room for everything in one call.
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish: \(status)")
                return dst.count - Int(stream.avail_out)
            }
        }
        output.removeLast(output.count - written)
        return output
    }

    /// Inflates gzip data, refusing output beyond `maxOutput` bytes.
    public static func decompress(_ input: [UInt8], maxOutput: Int = 64 << 20) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflateInit2(&stream, 15 + 16) == Z_OK else { throw Failure(code: Z_MEM_ERROR) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var source = input
        var status: Int32 = Z_OK
        source.withUnsafeMutableBufferPointer { src in
            stream.next_in = src.baseAddress
            stream.avail_in = uInt(src.count)
            while true {
                let produced = chunk.withUnsafeMutableBufferPointer { dst -> Int in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = uInt(dst.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return dst.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maxOutput { status = Z_BUF_ERROR; return }
                if status == Z_STREAM_END { return }
                // Z_BUF_ERROR with no input left: the stream is truncated.
                if status != Z_OK { return }
            }
        }
        guard status == Z_STREAM_END else { throw Failure(code: status) }
        return output
    }
}

public enum ContentNegotiation {
    /// Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): `gzip`/`x-gzip` with q > 0,
    /// or `*` with q > 0 when gzip is not named. An explicit `gzip;q=0` wins over `*`.
    /// A malformed q-value counts as 0: when in doubt, send what every client reads.
    public static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        var gzipQuality: Double?
        var wildcardQuality: Double?
        for element in acceptEncoding.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingHTTPWhitespace().lowercasedASCII(), !coding.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingHTTPWhitespace() }
                if pair.count == 2, pair[0].lowercasedASCII() == "q" {
                    quality = Double(pair[1]).flatMap { (0...1).contains($0) ? $0 : nil } ?? 0
                }
            }
            switch coding {
            case "gzip", "x-gzip": gzipQuality = max(gzipQuality ?? 0, quality)
            case "*": wildcardQuality = quality
            default: break
            }
        }
        if let gzipQuality { return gzipQuality > 0 }
        return (wildcardQuality ?? 0) > 0
    }
}
