@testable import Registry
@testable import RegistryServer
import Testing

/// The changes are streamed in pages rendered several at a time on every core: the pages come
/// out in order, each event once, however many look-ahead rounds the events take.
struct ChangesPagesTests {
    @Test func pagesRenderedTogetherComeOutInOrderEachEventOnce() throws {
        let count = 20_345 // more than two rounds of look-ahead on any machine of up to four cores, and a part-page last
        let events = (0..<count).map { index in
            PortfolioChanges.Event(at: "2026-01-01T00:00:00Z", projectID: Int64(index), agency: "A", title: "T", kind: .registered, origin: .auditEvent(Int64(index)))
        }
        let next = ChangesRoutes.pages(of: events) { index, event, out in
            out.append(contentsOf: "\(index):\(event.projectID),".utf8)
        }
        var pages: [String] = []
        while let page = try next() { pages.append(String(decoding: page, as: UTF8.self)) }
        #expect(try next() == nil, "done stays done")
        #expect(pages.count == (count + 1_999) / 2_000)
        #expect(pages.joined() == (0..<count).map { "\($0):\($0)," }.joined())
        #expect(pages.dropLast().allSatisfy { $0.split(separator: ",").count == 2_000 })
    }
}
