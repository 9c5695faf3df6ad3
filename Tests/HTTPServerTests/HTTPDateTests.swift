import HTTPTestSupport
@testable import HTTPServer
import Testing

struct HTTPDateTests {
    @Test func formatsAndParsesTheRFCExample() {
        #expect(HTTPDate.format(epochSeconds: 784111777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784111777)
    }

    @Test func roundTrips() {
        for seconds in [0, 951782400, 1_700_000_000, 2_000_000_000] {
            #expect(HTTPDate.parse(HTTPDate.format(epochSeconds: seconds)) == seconds)
        }
    }

    @Test func refusesInvalidDates() {
        for bad in ["", "yesterday", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 CET"] {
            #expect(HTTPDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func dateCacheGivesTheCurrentSecond() {
        let text = DateCache().current()
        #expect(HTTPDate.parse(text) != nil)
    }
}
