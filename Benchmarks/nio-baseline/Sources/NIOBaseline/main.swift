import Hummingbird

// Usage: NIOBaseline PORT PUBLIC_DIR — /healthz and /static/... as the registry serves them.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8081 : 8081
let publicDirectory = arguments.count > 2 ? arguments[2] : "Public"

let router = Router()
router.add(middleware: FileMiddleware(publicDirectory, urlBasePath: "/static", searchForIndexHtml: false))
router.get("/healthz") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
