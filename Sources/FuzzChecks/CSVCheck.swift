import Registry

/// The CSV reader's and the import's properties: what reads writes back (in the export's
/// quoting) to text that reads the same; the import either gives projects or names the row
/// and field of every problem, and a project it gives reads back the same from its own JSON.
public enum CSVCheck {
    public static func findings(_ data: [UInt8]) -> FuzzFindings {
        let text = String(decoding: FuzzInput(data).payload, as: UTF8.self)
        var findings: FuzzFindings = []
        if let records = try? CSVReader.records(text) {
            let written = String(decoding: records.flatMap(CSVWriter.line), as: UTF8.self)
            do {
                let reread = try CSVReader.records(written)
                if reread != records { findings.append("\(records) wrote \(written.debugDescription), which reads as \(reread)") }
            } catch {
                findings.append("\(records) wrote \(written.debugDescription), which does not read: \(error)")
            }
        }
        do {
            let projects = try ProjectImport.read(text, agency: "ABC", currency: "EUR")
            for project in projects where (try? ProjectInput.read(project.json)) != project {
                findings.append("imported project \(project.externalID) does not read back from its own JSON")
            }
        } catch {
            if case .rows(let errors) = error {
                if errors.isEmpty { findings.append("refused without naming a row") }
                for error in errors where error.row < 2 || error.field.isEmpty { findings.append("row error without a row or field: \(error)") }
            }
        }
        return findings
    }
}
