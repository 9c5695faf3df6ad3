import CSQLiteBaseline
import Foundation
import Hummingbird
import Synchronization

// Usage: NIOBaseline PORT PUBLIC_DIR [DATABASE] — /healthz and /static/... as the registry
// serves them, and POST /api/v1/projects: the JSON body decoded, one row inserted with
// synchronous=FULL (WAL), the row returned with 201. What a plain framework server does.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8081 : 8081
let publicDirectory = arguments.count > 2 ? arguments[2] : "Public"
let databasePath = arguments.count > 3 ? arguments[3] : NSTemporaryDirectory() + "nio-baseline-\(getpid()).sqlite"

/// One connection, one statement at a time.
final class PlainStore: Sendable {
    private let connection: Mutex<OpaquePointer>

    init(path: String) {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { fatalError("cannot open \(path)") }
        let setup = """
            PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS projects (id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                whole_life_cost REAL NOT NULL, planned_end_date TEXT NOT NULL, created_at TEXT NOT NULL) STRICT;
            """
        guard sqlite3_exec(db, setup, nil, nil, nil) == SQLITE_OK else { fatalError(String(cString: sqlite3_errmsg(db))) }
        connection = Mutex(db)
    }

    func insert(_ project: NewProject, at now: String) -> Int64? {
        connection.withLock { db in
            var statement: OpaquePointer?
            let sql = "INSERT INTO projects (external_id, title, whole_life_cost, planned_end_date, created_at) VALUES (?, ?, ?, ?, ?)"
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { return nil }
            defer { sqlite3_finalize(statement) }
            sqlite3_bind_text(statement, 1, project.external_id, -1, baseline_transient())
            sqlite3_bind_text(statement, 2, project.title, -1, baseline_transient())
            sqlite3_bind_double(statement, 3, project.whole_life_cost)
            sqlite3_bind_text(statement, 4, project.planned_end_date, -1, baseline_transient())
            sqlite3_bind_text(statement, 5, now, -1, baseline_transient())
            guard sqlite3_step(statement) == SQLITE_DONE else { return nil }
            return sqlite3_last_insert_rowid(db)
        }
    }
}

struct NewProject: Codable {
    var external_id: String
    var title: String
    var whole_life_cost: Double
    var planned_end_date: String
}

struct CreatedProject: Codable, ResponseEncodable {
    var id: Int64
    var external_id: String
    var title: String
    var whole_life_cost: Double
    var planned_end_date: String
    var created_at: String
}

let store = PlainStore(path: databasePath)
let router = Router()
router.add(middleware: FileMiddleware(publicDirectory, urlBasePath: "/static", searchForIndexHtml: false))
router.get("/healthz") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}
router.post("/api/v1/projects") { request, context -> EditedResponse<CreatedProject> in
    let project = try await request.decode(as: NewProject.self, context: context)
    let now = ISO8601DateFormatter().string(from: Date())
    guard let id = store.insert(project, at: now) else { throw HTTPError(.conflict) }
    return EditedResponse(status: .created, response: CreatedProject(id: id, external_id: project.external_id, title: project.title,
        whole_life_cost: project.whole_life_cost, planned_end_date: project.planned_end_date, created_at: now))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
