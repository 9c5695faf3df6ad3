/// A response body produced piece by piece and pulled by the server: the next piece is asked
/// for only when the socket has taken the last one, so a large body (an export) never sits in
/// memory whole, and a client that stops reading holds a buffer, never a thread.
///
/// `next` runs on a worker thread, one call at a time (the connection's lock serialises them),
/// and should return a piece of useful size (tens of KiB or more), e.g. a page of rows.
public final class StreamedBody: @unchecked Sendable {
    private var produce: () throws -> [UInt8]?
    private var finished = false
    /// The body's length when known in advance (a file): sent as `Content-Length`, and the
    /// pieces must add up to exactly it.
    public let length: Int?

    /// `next` returns the next piece, or nil once the body is complete. An error ends the
    /// response early: its head is out, so the connection is closed.
    public init(length: Int? = nil, _ next: @escaping () throws -> [UInt8]?) {
        self.length = length
        self.produce = next
    }

    /// A body made of a prefix, the pieces `page` returns until it returns nil, and a suffix.
    public convenience init(prefix: [UInt8] = [], suffix: [UInt8] = [], pages page: @escaping () throws -> [UInt8]?) {
        var stage = 0 // 0: prefix, 1: pages, 2: suffix, 3: done
        self.init {
            while true {
                switch stage {
                case 0:
                    stage = 1
                    if !prefix.isEmpty { return prefix }
                case 1:
                    if let piece = try page() {
                        if piece.isEmpty { continue }
                        return piece
                    }
                    stage = 2
                case 2:
                    stage = 3
                    if !suffix.isEmpty { return suffix }
                default:
                    return nil
                }
            }
        }
    }

    /// The next non-empty piece, or nil at the end (and ever after).
    func next() throws -> [UInt8]? {
        guard !finished else { return nil }
        while true {
            guard let piece = try produce() else {
                finished = true
                produce = { nil } // lets go of whatever the producer held
                return nil
            }
            if !piece.isEmpty { return piece }
        }
    }

    /// Frames a piece for `Transfer-Encoding: chunked`.
    static func chunk(_ piece: [UInt8]) -> [UInt8] {
        var framed = Array(String(piece.count, radix: 16).utf8)
        framed.reserveCapacity(framed.count + piece.count + 4)
        framed.append(13); framed.append(10)
        framed.append(contentsOf: piece)
        framed.append(13); framed.append(10)
        return framed
    }

    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
