import FuzzChecks
import Testing

/// Every seed and every past finding, replayed through the same checks the fuzzers run.
struct FuzzCorpusTests {
    static let directory = String(#filePath.dropLast("FuzzCorpusTests.swift".count))

    @Test(arguments: FuzzTargets.all.map(\.name))
    func corpusAndRegressionsPass(target: String) throws {
        let check = try #require(FuzzTargets.check(named: target))
        let seeds = FuzzEntry.files(at: Self.directory + "corpus/" + target)
        #expect(seeds.count >= 10, "the seed corpus of \(target) is in the repository")
        for file in seeds + FuzzEntry.files(at: Self.directory + "regressions/" + target) {
            let data = try #require(FuzzEntry.read(file), "\(file)")
            #expect(check(data) == [], "\(file)")
        }
    }

    /// The checks can fail: each is given an input that breaks its property.
    @Test func inputFormatCutsWherePromised() {
        let data = FuzzInput.encode(payload: Array("GET / HTTP/1.1\r\n".utf8), cuts: [3, 9])
        let input = FuzzInput(data)
        #expect(input.cuts == [3, 9])
        #expect(input.chunks.map(\.count) == [3, 6, 7])
        #expect(FuzzInput([]).chunks == [[]])
        // Cut positions wrap around the payload's length instead of running past it.
        #expect(FuzzInput([1, 0xFF, 0xFF, 65, 66]).cuts.allSatisfy { $0 <= 2 })
    }

    @Test func parserInvariantsCatchAnUnsafeOutcome() {
        var outcome = HTTPParserCheck.feed([Array("GET / HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n".utf8)])
        #expect(HTTPParserCheck.invariantFindings(outcome, limits: HTTPParserCheck.fuzzLimits) == [])
        guard case .request(var parsed) = outcome.events[0] else { Issue.record("no request"); return }
        parsed.fieldValues.append("evil\r\nSet-Cookie: x")
        outcome.events[0] = .request(parsed)
        outcome.stayedFailed = false
        #expect(HTTPParserCheck.invariantFindings(outcome, limits: HTTPParserCheck.fuzzLimits).count == 2)
    }
}
