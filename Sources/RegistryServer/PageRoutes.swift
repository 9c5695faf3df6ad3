import HTTPServer

/// The HTML dashboard. For now, the landing page that the dashboard will grow from.
struct PageRoutes {
    func register(in api: inout APIBuilder) {
        api.add(APIOperation(
            method: .GET, path: "/", id: "dashboard", summary: "The dashboard's front page (HTML).", tag: "Dashboard", access: .everyone,
            responses: [.init(status: 200, description: "An HTML page.", contentType: "text/html", schema: nil)])
        ) { _ in
            HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: HTMLLayout.page(
                title: "Portfolio Registry",
                main: """
                <h1>Portfolio Registry</h1>
                <p>The register of the government's ICT projects: what each agency is building, what it costs,
                and whether it holds to the business-case and review rules (OECD Principles 7 and 8).</p>
                <p>The portfolio overview, project list and review queue appear here as the registry fills.</p>
                <ul>
                  <li><a href="/healthz">Service health</a></li>
                  <li><a href="/metrics">Metrics (Prometheus text)</a></li>
                </ul>
                """))
        }
    }
}

/// The layout every page shares: landmarks, a skip link, the stylesheet, no script.
enum HTMLLayout {
    static func page(title: String, main: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLEscaping.escape(title))</title>
        <link rel="stylesheet" href="/static/app.css">
        </head>
        <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header"><a class="site-name" href="/">Portfolio Registry</a></header>
        <main id="main">
        \(main)
        </main>
        <footer class="site-footer"><p>Open data under the registry's licence. Figures in whole currency units.</p></footer>
        </body>
        </html>
        """
    }
}

enum HTMLEscaping {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

enum ErrorPage {
    static func response(for error: HTTPError) -> HTTPResponse {
        var headers = error.headers
        headers.set("Content-Type", "text/html; charset=utf-8")
        let html = HTMLLayout.page(title: "\(error.status.code) \(error.title)", main: """
            <h1>\(HTMLEscaping.escape(error.title))</h1>
            <p>\(HTMLEscaping.escape(error.detail ?? "The request could not be answered."))</p>
            <p><a href="/">Back to the portfolio</a></p>
            """)
        return HTTPResponse(status: error.status, headers: headers, body: Array(html.utf8))
    }
}
