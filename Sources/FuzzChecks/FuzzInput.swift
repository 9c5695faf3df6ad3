/// How a fuzzer's bytes are read: the first byte's low three bits give how many cut points
/// follow (two bytes each, little-endian, taken modulo the payload's length); the rest is the
/// payload. So the fuzzer chooses where a payload is split as freely as what it contains.
public struct FuzzInput: Sendable, Equatable {
    public var payload: [UInt8]
    /// Sorted, each in `0...payload.count`.
    public var cuts: [Int]

    public init(_ data: [UInt8]) {
        guard let first = data.first else {
            payload = []
            cuts = []
            return
        }
        let cutCount = Int(first & 0x07)
        let header = min(data.count, 1 + 2 * cutCount)
        payload = Array(data[header...])
        var cuts: [Int] = []
        var index = 1
        while index + 1 < header {
            let raw = Int(data[index]) | Int(data[index + 1]) << 8
            cuts.append(raw % (payload.count + 1))
            index += 2
        }
        self.cuts = cuts.sorted()
    }

    /// The payload cut at `cuts`, in order; empty pieces included, as a read can return them.
    public var chunks: [[UInt8]] {
        var chunks: [[UInt8]] = []
        var start = 0
        for cut in cuts {
            chunks.append(Array(payload[start..<cut]))
            start = cut
        }
        chunks.append(Array(payload[start...]))
        return chunks
    }

    /// The inverse of `init`, for writing seeds.
    public static func encode(payload: [UInt8], cuts: [Int] = []) -> [UInt8] {
        precondition(cuts.count <= 7)
        var data: [UInt8] = [UInt8(cuts.count)]
        for cut in cuts {
            data.append(UInt8(cut & 0xFF))
            data.append(UInt8((cut >> 8) & 0xFF))
        }
        return data + payload
    }
}

/// What one fuzz check found wrong; empty when the input passed. A fuzzer aborts on a
/// non-empty list (so libFuzzer keeps the input), a test reports it.
public typealias FuzzFindings = [String]
