#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Serves the files of one folder: content types, validators (`ETag` from size and
/// modification time, `Last-Modified`), 304 on `If-None-Match` / `If-Modified-Since`, byte
/// ranges (206/416, `If-Range`), and no way out of the folder — not through `..`, `%2e%2e`,
/// encoded slashes, or links. Files up to 1 MiB are kept in memory with their gzip; larger
/// ones are streamed from disk a piece at a time, never read whole.
public struct StaticFileServer: Sendable {
    private let root: String
    private let cacheControl: String
    private let cache = FileCache()

    /// Files up to this size are kept in memory, revalidated with one `stat` per request.
    static let maxCachedFileSize = 1 << 20
    /// Larger files are read in pieces of this size as the client takes them.
    static let streamPieceSize = 64 * 1024

    public init(root: String, cacheControl: String = "public, max-age=300") {
        self.root = Self.realPath(root) ?? root
        self.cacheControl = cacheControl
    }

    /// `relativePath` is what follows the mount point (e.g. `/static/`), still percent-encoded.
    public func respond(to request: HTTPRequest, relativePath: String) throws(HTTPError) -> HTTPResponse {
        let notFound = HTTPError(.notFound, detail: "No such file.")
        guard let path = cache.resolvedPath(relativePath, resolve: resolve) else { throw notFound }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw notFound }
        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        guard let file = cache.file(at: path, size: size, modifiedNanoseconds: modified) else { throw notFound }

        var headers = HTTPHeaders([
            ("ETag", file.etag),
            ("Last-Modified", file.lastModified),
            ("Cache-Control", cacheControl),
        ])
        switch FileResponseDecision.decide(method: request.method, headers: request.headers, size: size, etag: file.etag,
                                           modifiedSeconds: Int(info.st_mtim.tv_sec)) {
        case .notModified:
            return HTTPResponse(status: .notModified, headers: headers)
        case .unsatisfiable:
            headers.add("Content-Range", "bytes */\(size)")
            throw HTTPError(HTTPStatus(code: 416), detail: "The range is outside the file's \(size) bytes.", headers: headers)
        case .partial(let range):
            headers.add("Content-Type", file.contentType)
            headers.add("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound)/\(size)")
            if let bytes = file.body?.bytes {
                return HTTPResponse(status: HTTPStatus(code: 206), headers: headers, body: Array(bytes[range]))
            }
            return HTTPResponse(status: HTTPStatus(code: 206), headers: headers, stream: try Self.stream(path, range))
        case .whole:
            headers.add("Content-Type", file.contentType)
            headers.add("Accept-Ranges", "bytes")
            if let body = file.body { return HTTPResponse(status: .ok, headers: headers, shared: body) }
            return HTTPResponse(status: .ok, headers: headers, stream: try Self.stream(path, 0...(max(size, 1) - 1), size: size))
        }
    }

    /// The bytes `range` of the file, read a piece at a time as the client takes them. The file
    /// is opened now (so a missing one is a 404) and closed at the end or when the response is dropped.
    private static func stream(_ path: String, _ range: ClosedRange<Int>, size: Int? = nil) throws(HTTPError) -> StreamedBody {
        let length = size ?? range.count
        guard let reader = FileRangeReader(path: path, offset: range.lowerBound, length: length) else {
            throw HTTPError(.notFound, detail: "No such file.")
        }
        return StreamedBody(length: length) { try reader.next(upTo: streamPieceSize) }
    }

    /// The real path of a file inside the folder, or nil. Links are followed, and what they
    /// lead to must still be inside the folder.
    private func resolve(_ relativePath: String) -> String? {
        guard let segments = Self.safeSegments(relativePath),
              let path = Self.realPath(root + "/" + segments.joined(separator: "/")),
              path.hasPrefix(root + "/") else { return nil }
        return path
    }

    /// If-None-Match (weak comparison) decides when present; otherwise If-Modified-Since.
    static func isNotModified(_ headers: HTTPHeaders, etag: String, modifiedSeconds: Int) -> Bool {
        guard headers.contains("If-None-Match") || headers.contains("If-Modified-Since") else { return false }
        let candidates = headers.values(for: "If-None-Match")
        if !candidates.isEmpty {
            let opaque = { (tag: Substring) -> Substring in tag.hasPrefix("W/") ? tag.dropFirst(2) : tag }
            let ours = opaque(Substring(etag))
            return candidates.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingHTTPWhitespace() }
                .contains { $0 == "*" || opaque($0) == ours }
        }
        if let since = headers["If-Modified-Since"].flatMap(HTTPDate.parse) {
            return modifiedSeconds <= since
        }
        return false
    }

    /// Decoded path segments, or nil when any could step outside the folder or name a hidden file.
    static func safeSegments(_ relativePath: String) -> [String]? {
        guard !relativePath.isEmpty else { return nil }
        var segments: [String] = []
        for raw in relativePath.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = PercentEncoding.decode(raw, plusAsSpace: false), !segment.isEmpty,
                  !segment.hasPrefix("."),
                  !segment.contains("/"), !segment.contains("\\"), !segment.contains("\0") else { return nil }
            segments.append(segment)
        }
        return segments
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func contentType(forPath path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercasedASCII() } ?? ""
        switch ext {
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "application/javascript; charset=utf-8"
        case "html", "htm": return "text/html; charset=utf-8"
        case "txt": return "text/plain; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        case "json", "map": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "ico": return "image/x-icon"
        case "webp": return "image/webp"
        case "woff2": return "font/woff2"
        case "pdf": return "application/pdf"
        default: return "application/octet-stream"
        }
    }
}

/// Files by path, valid while size and modification time are unchanged: the validators of
/// every file, and the contents (with their gzip, once asked for) of the small ones.
final class FileCache: Sendable {
    struct File: Sendable {
        var size: Int
        var modifiedNanoseconds: Int
        /// Nil for a file larger than `StaticFileServer.maxCachedFileSize`: it is streamed.
        var body: SharedBody?
        var etag: String
        var lastModified: String
        var contentType: String
    }

    private let files = Mutex<[String: File]>([:])
    /// Request paths already resolved to real paths inside the folder (never the refusals,
    /// so arbitrary requests cannot grow it beyond the folder's own files).
    private let resolved = Mutex<[String: String]>([:])

    func resolvedPath(_ relativePath: String, resolve: (String) -> String?) -> String? {
        if let known = resolved.withLock({ $0[relativePath] }) { return known }
        guard let path = resolve(relativePath) else { return nil }
        resolved.withLock { $0[relativePath] = path }
        return path
    }

    func file(at path: String, size: Int, modifiedNanoseconds: Int) -> File? {
        if let cached = files.withLock({ $0[path] }), cached.size == size, cached.modifiedNanoseconds == modifiedNanoseconds {
            return cached
        }
        var body: SharedBody?
        if size <= StaticFileServer.maxCachedFileSize {
            guard let bytes = Self.read(path, expectedSize: size) else { return nil }
            body = SharedBody(bytes)
        }
        let file = File(
            size: size, modifiedNanoseconds: modifiedNanoseconds, body: body,
            etag: "\"\(String(size, radix: 16))-\(String(modifiedNanoseconds, radix: 16))\"",
            lastModified: HTTPDate.format(epochSeconds: modifiedNanoseconds / 1_000_000_000),
            contentType: StaticFileServer.contentType(forPath: path))
        files.withLock { $0[path] = file }
        return file
    }

    private static func read(_ path: String, expectedSize: Int) -> [UInt8]? {
        guard let reader = FileRangeReader(path: path, offset: 0, length: Int.max) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expectedSize)
        do {
            while let piece = try reader.next(upTo: 64 * 1024) { bytes.append(contentsOf: piece) }
        } catch {
            return nil
        }
        return bytes
    }
}

/// Reads `length` bytes of a file from `offset`, in pieces; owns its descriptor.
final class FileRangeReader {
    struct ShortRead: Error {}
    private let fd: Int32
    private var offset: Int
    private var remaining: Int
    private let exact: Bool

    /// With `length: Int.max`, reads to the end of the file; otherwise exactly `length` bytes.
    init?(path: String, offset: Int, length: Int) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.offset = offset
        self.remaining = length
        self.exact = length != Int.max
    }

    deinit { close(fd) }

    /// The next piece, or nil after the last byte. A file that shrank meanwhile throws: the
    /// response promised its length, and only closing the connection can say it is short.
    func next(upTo count: Int) throws -> [UInt8]? {
        guard remaining > 0 else { return nil }
        var piece = [UInt8](repeating: 0, count: min(count, remaining))
        while true {
            let n = piece.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ShortRead()
            }
            if n == 0 {
                if exact { throw ShortRead() }
                remaining = 0
                return nil
            }
            offset += n
            remaining -= n
            return n == piece.count ? piece : Array(piece[0..<n])
        }
    }
}
