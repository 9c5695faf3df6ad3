import HTTPServer
import Registry
struct ProjectPage { let storage: RegistryStorage
  func response(project: StoredProject) throws -> HTTPResponse { HTMLLayout.response(title: "x", current: .projects, main: "") } }
struct AgencyPage { let storage: RegistryStorage
  func response(code: String, principal: Principal) throws -> HTTPResponse { HTMLLayout.response(title: "x", current: nil, main: "") } }
struct ReviewQueuePage { let storage: RegistryStorage
  static let parameters: [APIOperation.Parameter] = []
  func response(parameters: QueryParameters, principal: Principal) throws -> HTTPResponse { HTMLLayout.response(title: "x", current: .reviews, main: "") } }
