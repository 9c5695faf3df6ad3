import HTTPTestSupport
@testable import HTTPServer
import Testing

struct RouterTests {
    func router() -> Router {
        var router = Router()
        let answer: (String) -> HTTPHandler = { name in { _ in HTTPResponse(contentType: "text/plain", body: name) } }
        router.get("/", answer("root"))
        router.get("/projects", answer("list"))
        router.post("/projects", answer("create"))
        router.get("/projects/new", answer("new"))
        router.get("/projects/{id}", answer("show"))
        router.put("/projects/{id}", answer("replace"))
        router.get("/projects/{id}/history", answer("history"))
        router.get("/static/{path...}", answer("static"))
        return router
    }

    func resolve(_ method: HTTPMethod, _ path: String) -> (route: String, parameters: [String: String])? {
        if case .matched(_, let route, let parameters) = router().resolve(method, path: path) { return (route, parameters) }
        return nil
    }

    @Test func matchesLiteralsBeforeParameters() {
        #expect(resolve(.GET, "/projects/new")?.route == "/projects/new")
        #expect(resolve(.GET, "/projects/42")?.route == "/projects/{id}")
        #expect(resolve(.GET, "/projects/42")?.parameters == ["id": "42"])
        #expect(resolve(.GET, "/projects/42/history")?.parameters == ["id": "42"])
        #expect(resolve(.GET, "/")?.route == "/")
    }

    @Test func decodesParametersAfterSplitting() {
        #expect(resolve(.GET, "/projects/a%2Fb%20c")?.parameters == ["id": "a/b c"])
        #expect(resolve(.GET, "/projects/a+b")?.parameters == ["id": "a+b"], "+ is not a space in paths")
        #expect(resolve(.GET, "/projects/%zz") == nil)
        #expect(resolve(.GET, "/projects/%C3") == nil, "invalid UTF-8")
    }

    @Test func catchAllTakesTheRestStillEncoded() {
        #expect(resolve(.GET, "/static/css/app%20x.css")?.parameters == ["path": "css/app%20x.css"])
        #expect(resolve(.GET, "/static/")?.parameters == ["path": ""])
    }

    @Test func trailingSlashIsSignificant() {
        #expect(resolve(.GET, "/projects")?.route == "/projects")
        #expect(resolve(.GET, "/projects/") == nil)
        #expect(resolve(.GET, "/projects//history") == nil)
    }

    @Test func headFallsBackToGet() {
        #expect(resolve(.HEAD, "/projects/1")?.route == "/projects/{id}")
    }

    @Test func listsAllowedMethodsWhenTheMethodIsWrong() {
        guard case .methodNotAllowed(let allowed) = router().resolve(.DELETE, path: "/projects/1") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == [.GET, .HEAD, .OPTIONS, .PUT])
        guard case .notFound = router().resolve(.GET, path: "/nothing") else { Issue.record("expected 404"); return }
    }

    @Test func listsEveryRoute() {
        #expect(router().routes.count == 8)
        #expect(router().routes.contains { $0.method == .PUT && $0.pattern == "/projects/{id}" })
    }
}
