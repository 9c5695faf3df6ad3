import Foundation
import JSON

/// Litestream's control socket (`socket: {enabled: true}` in its configuration), asked to ship
/// the database to its replica now and to answer once the replica holds it: what
/// `litestream sync -wait` does, without starting a process per commit. Litestream serves
/// HTTP/1.1 on the Unix socket; one request a connection (`Connection: close`).
struct LitestreamControl: Sendable {
    let socketPath: String
    /// The database as Litestream's configuration names it.
    let databasePath: String
    var timeoutSeconds = 10

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Returns once the replica has every transaction committed before the call.
    func syncAndWait() throws {
        let body = JSONValue.object(["path": .string(databasePath), "wait": .bool(true), "timeout": .integer(Int64(timeoutSeconds))]).serializedBytes
        let head = "POST /sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let answer = try exchange(Array(head.utf8) + body)
        let text = String(decoding: answer, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n", maxSplits: 1).first, statusLine.split(separator: " ").dropFirst().first == "200" else {
            throw Failure(description: "Litestream answered \(text.split(separator: "\r\n").first ?? "nothing"): \(Self.body(of: text))")
        }
        // Litestream reads the WAL up to its last commit (`txid`) and uploads; the replica
        // holds it all when `replicated_txid` has reached it.
        guard case .object(let result)? = try? JSONParser.parse(Self.body(of: text)),
              case .number(let synced)? = result["txid"], case .number(let replicated)? = result["replicated_txid"],
              let syncedID = UInt64(synced), let replicatedID = UInt64(replicated) else {
            throw Failure(description: "Litestream's answer is not a sync result: \(Self.body(of: text))")
        }
        guard replicatedID >= syncedID else {
            throw Failure(description: "the replica holds transaction \(replicatedID), not yet \(syncedID)")
        }
    }

    private static func body(of response: String) -> String {
        response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
    }

    /// Sends `request` and reads the answer to its end (the server closes the connection).
    private func exchange(_ request: [UInt8]) throws -> [UInt8] {
        let socket = try connected()
        defer { close(socket) }
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Failure(description: "sending to Litestream: \(String(cString: strerror(errno)))") }
            sent += written
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure(description: "reading Litestream's answer: \(String(cString: strerror(errno)))") }
            if count == 0 { return answer }
            answer.append(contentsOf: buffer[0..<count])
            if answer.count > 1 << 20 { throw Failure(description: "Litestream's answer is over 1 MiB") }
        }
    }

    /// A socket connected to Litestream's. Under `litestream replicate -exec` the server may be
    /// up a moment before the socket is: a missing or refusing socket is tried again for 5 s.
    private func connected() throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(description: "socket path too long: \(socketPath)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let deadline = Date().addingTimeInterval(5)
        while true {
            let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
            var timeout = timeval(tv_sec: timeoutSeconds + 5, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result == 0 { return socket }
            let reason = errno
            close(socket)
            guard (reason == ENOENT || reason == ECONNREFUSED || reason == EINTR) && Date() < deadline else {
                throw Failure(description: "cannot reach Litestream at \(socketPath): \(String(cString: strerror(reason)))")
            }
            usleep(50_000)
        }
    }
}
