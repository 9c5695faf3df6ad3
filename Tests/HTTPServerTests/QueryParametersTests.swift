import HTTPTestSupport
@testable import HTTPServer
import Testing

struct QueryParametersTests {
    @Test func parsesRepeatedKeysPlusAndPercentEncoding() throws {
        let query = try QueryParameters(parsing: "status=approved&status=submitted&q=caf%C3%A9+au+lait&flag&=skip&&empty=")
        #expect(query.values("status") == ["approved", "submitted"])
        #expect(query["status"] == "approved")
        #expect(query["q"] == "café au lait")
        #expect(query["flag"] == "")
        #expect(query["empty"] == "")
        #expect(query.names == ["status", "q", "flag", "empty"])
        #expect(query["missing"] == nil)
    }

    @Test func refusesInvalidEncodingWith400() {
        for bad in ["a=%zz", "a=%4", "%C3=x", "a=%FF%FE"] {
            do {
                _ = try QueryParameters(parsing: bad)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.status.code == 400)
                #expect(error.detail?.contains("not valid") == true)
            }
        }
    }

    @Test func percentDecoding() {
        #expect(PercentEncoding.decode("a%20b", plusAsSpace: false) == "a b")
        #expect(PercentEncoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentEncoding.decode("%2e%2E", plusAsSpace: false) == "..")
        #expect(PercentEncoding.decode("%", plusAsSpace: false) == nil)
    }
}
