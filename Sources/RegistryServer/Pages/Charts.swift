import Registry

/// Charts drawn on the server as inline SVG: no script, styled by presentation attributes
/// (which the CSP allows). Each is an image with a title and a text alternative; the page
/// puts the numbers in a table beside it. Double is used for geometry only, never for sums.
enum Charts {
    static let ink = "#0b0c0c"
    static let muted = "#505a5f"
    static let bar = "#1d3557"
    static let grid = "#b1b4b6"

    struct Bar {
        var label: String
        var value: Int64
        /// The value as the table shows it.
        var display: String
        var fill: String = Charts.bar
    }

    /// An SVG image with its title and description, in a figure with a caption pointing at the table.
    static func figure(id: String, title: String, description: String, width: Int, height: Int, caption: String, body: HTML) -> HTML {
        """
        <figure class="chart" aria-labelledby="\(id)-caption">
        <svg class="chart-svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">
        <title id="\(id)-title">\(title)</title>
        <desc id="\(id)-desc">\(description)</desc>
        \(body)
        </svg>
        <figcaption id="\(id)-caption">\(caption)</figcaption>
        </figure>
        """
    }

    static func shorten(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// Horizontal bars, one a row, longest scaled to the width.
    static func bars(id: String, title: String, caption: String, bars: [Bar]) -> HTML {
        let width = 640, labelWidth = 190, valueWidth = 150, rowHeight = 26, top = 8
        let height = top * 2 + max(1, bars.count) * rowHeight
        let maximum = max(1, bars.map(\.value).max() ?? 1)
        let span = Double(width - labelWidth - valueWidth - 10)
        var body = HTML.empty
        for (index, bar) in bars.enumerated() {
            let y = Double(top + index * rowHeight)
            let length = bar.value <= 0 ? 0 : max(2, span * Double(bar.value) / Double(maximum))
            body += """
            <text x="\(labelWidth - 8)" y="\(y + 17)" text-anchor="end" font-size="13" fill="\(ink)">\(shorten(bar.label, to: 26))</text>
            <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="\(rowHeight - 8)" fill="\(bar.fill)"/>
            <text x="\(Double(labelWidth) + length + 6)" y="\(y + 17)" font-size="13" fill="\(ink)">\(bar.display)</text>

            """
        }
        body += "<line x1=\"\(labelWidth)\" y1=\"\(top)\" x2=\"\(labelWidth)\" y2=\"\(height - top)\" stroke=\"\(ink)\" stroke-width=\"1\"/>"
        let description: String
        if bars.isEmpty {
            description = "No data."
        } else {
            let largest = bars.max { $0.value < $1.value }!
            description = "Bar chart of \(bars.count) \(bars.count == 1 ? "bar" : "bars"): "
                + bars.map { "\($0.label) \($0.display)" }.joined(separator: "; ") + ". Largest: \(largest.label)."
        }
        return figure(id: id, title: title, description: description, width: width, height: height, caption: caption, body: body)
    }

    struct Point {
        /// The number that names the point in the table beside the chart.
        var number: Int
        var label: String
        /// Schedule variance in days (x) and cost variance in per mille (y); positive is worse.
        var days: Int
        var basisPoints: Int64
    }

    /// Cost variance against schedule variance: a point a project, numbered as in its table.
    static func varianceScatter(id: String, title: String, caption: String, points: [Point]) -> HTML {
        let width = 640, height = 340, left = 70.0, right = 20.0, top = 20.0, bottom = 56.0
        let xs = points.map { Double($0.days) }, ys = points.map { Double($0.basisPoints) / 100 }
        let minX = min(0, xs.min() ?? 0), maxX = max(30, xs.max() ?? 30)
        let minY = min(0, ys.min() ?? 0), maxY = max(10, ys.max() ?? 10)
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * plotWidth }
        func py(_ y: Double) -> Double { top + (maxY - y) / (maxY - minY) * plotHeight }
        var body = HTML.empty
        // Grid and tick labels: five steps each way.
        for step in 0...4 {
            let x = minX + (maxX - minX) * Double(step) / 4, y = minY + (maxY - minY) * Double(step) / 4
            body += """
            <line x1="\(px(x))" y1="\(top)" x2="\(px(x))" y2="\(top + plotHeight)" stroke="\(grid)" stroke-width="1"/>
            <text x="\(px(x))" y="\(top + plotHeight + 18)" text-anchor="middle" font-size="12" fill="\(ink)">\(Int(x.rounded()))</text>
            <line x1="\(left)" y1="\(py(y))" x2="\(left + plotWidth)" y2="\(py(y))" stroke="\(grid)" stroke-width="1"/>
            <text x="\(left - 6)" y="\(py(y) + 4)" text-anchor="end" font-size="12" fill="\(ink)">\(Int(y.rounded())) %</text>

            """
        }
        body += """
        <line x1="\(px(0))" y1="\(top)" x2="\(px(0))" y2="\(top + plotHeight)" stroke="\(ink)" stroke-width="1.5"/>
        <line x1="\(left)" y1="\(py(0))" x2="\(left + plotWidth)" y2="\(py(0))" stroke="\(ink)" stroke-width="1.5"/>
        <text x="\(left + plotWidth / 2)" y="\(Double(height) - 10)" text-anchor="middle" font-size="13" fill="\(ink)">Schedule variance, days later than the original baseline</text>
        <text x="14" y="\(top + plotHeight / 2)" text-anchor="middle" font-size="13" fill="\(ink)" transform="rotate(-90 14 \(top + plotHeight / 2))">Cost variance, % of the original baseline</text>

        """
        for point in points {
            let x = px(Double(point.days)), y = py(Double(point.basisPoints) / 100)
            body += """
            <circle cx="\(x)" cy="\(y)" r="5" fill="\(bar)" stroke="#ffffff" stroke-width="1"/>
            <text x="\(x + 7)" y="\(y - 5)" font-size="11" fill="\(ink)">\(point.number)</text>

            """
        }
        let description = points.isEmpty ? "No project overruns or slips."
            : "Scatter plot of \(points.count) projects: " + points.map {
                "\($0.number). \($0.label): \(Format.days($0.days)), cost \($0.basisPoints >= 0 ? "+" : "-")\(abs($0.basisPoints) / 100).\(String(abs($0.basisPoints) % 100 + 100).dropFirst()) %"
            }.joined(separator: "; ") + "."
        return figure(id: id, title: title, description: description, width: width, height: height, caption: caption, body: body)
    }

    struct TimelineRow {
        var name: String
        var baseline: LocalDate?
        var forecast: LocalDate?
        var actual: LocalDate?
    }

    /// Milestones on a date axis: the baseline date (hollow diamond), the forecast (hollow
    /// circle), the actual date (filled circle), a line showing the slip, and today.
    static func timeline(id: String, title: String, caption: String, rows: [TimelineRow], today: LocalDate) -> HTML {
        let width = 640, labelWidth = 170.0, right = 20.0, top = 34.0, rowHeight = 30.0
        let height = Int(top + Double(max(1, rows.count)) * rowHeight + 34)
        let dates = rows.flatMap { [$0.baseline, $0.forecast, $0.actual].compactMap { $0 } } + [today]
        let first = dates.min()!.adding(days: -30), last = dates.max()!.adding(days: 30)
        let span = Double(max(1, LocalDate.days(from: first, to: last)))
        let plotWidth = Double(width) - labelWidth - right
        func px(_ date: LocalDate) -> Double { labelWidth + Double(LocalDate.days(from: first, to: date)) / span * plotWidth }
        let bottom = top + Double(max(1, rows.count)) * rowHeight
        var body: HTML = """
        <g font-size="12" fill="\(ink)">
        <path d="M \(labelWidth) 12 l 6 6 l -6 6 l -6 -6 z" fill="#ffffff" stroke="\(ink)" stroke-width="1.5"/><text x="\(labelWidth + 10)" y="22">baseline</text>
        <circle cx="\(labelWidth + 90)" cy="18" r="5" fill="#ffffff" stroke="\(bar)" stroke-width="2"/><text x="\(labelWidth + 100)" y="22">forecast</text>
        <circle cx="\(labelWidth + 180)" cy="18" r="5" fill="\(bar)"/><text x="\(labelWidth + 190)" y="22">actual</text>
        </g>

        """
        // Year ticks.
        for year in (first.year + 1)...max(first.year + 1, last.year) {
            guard let tick = LocalDate(year: year, month: 1, day: 1), tick <= last else { continue }
            body += """
            <line x1="\(px(tick))" y1="\(top)" x2="\(px(tick))" y2="\(bottom)" stroke="\(grid)" stroke-width="1"/>
            <text x="\(px(tick))" y="\(bottom + 16)" text-anchor="middle" font-size="12" fill="\(ink)">\(year)</text>

            """
        }
        body += """
        <line x1="\(px(today))" y1="\(top - 4)" x2="\(px(today))" y2="\(bottom)" stroke="\(ink)" stroke-width="1.5" stroke-dasharray="4 3"/>
        <text x="\(px(today))" y="\(bottom + 30)" text-anchor="middle" font-size="12" fill="\(ink)">today \(today.description)</text>

        """
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight + rowHeight / 2
            body += "<text x=\"\(labelWidth - 10)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"13\" fill=\"\(ink)\">\(shorten(row.name, to: 24))</text>\n"
            let end = row.actual ?? row.forecast
            if let baseline = row.baseline, let end, end != baseline {
                body += "<line x1=\"\(px(baseline))\" y1=\"\(y)\" x2=\"\(px(end))\" y2=\"\(y)\" stroke=\"\(muted)\" stroke-width=\"3\"/>\n"
            }
            if let baseline = row.baseline {
                body += "<path d=\"M \(px(baseline)) \(y - 7) l 7 7 l -7 7 l -7 -7 z\" fill=\"#ffffff\" stroke=\"\(ink)\" stroke-width=\"1.5\"/>\n"
            }
            if let forecast = row.forecast, row.actual == nil {
                body += "<circle cx=\"\(px(forecast))\" cy=\"\(y)\" r=\"5\" fill=\"#ffffff\" stroke=\"\(bar)\" stroke-width=\"2\"/>\n"
            }
            if let actual = row.actual {
                body += "<circle cx=\"\(px(actual))\" cy=\"\(y)\" r=\"5\" fill=\"\(bar)\"/>\n"
            }
        }
        let description = rows.isEmpty ? "No milestones." : "Timeline of \(rows.count) milestones: " + rows.map { row in
            var parts = ["\(row.name): baseline \(Format.date(row.baseline))"]
            if let forecast = row.forecast { parts.append("forecast \(forecast)") }
            parts.append(row.actual.map { "done \($0)" } ?? "not done")
            return parts.joined(separator: ", ")
        }.joined(separator: "; ") + ". Today is \(today)."
        return figure(id: id, title: title, description: description, width: width, height: height, caption: caption, body: body)
    }
}
