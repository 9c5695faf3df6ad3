import JSON
import Registry

/// The JSON parser's properties: what it accepts is valid UTF-8, writes back as JSON that
/// parses to the same value, and that writing is stable.
public enum JSONCheck {
    public static func findings(_ data: [UInt8]) -> FuzzFindings {
        let payload = FuzzInput(data).payload
        guard let value = try? JSONParser.parse(payload) else { return [] }
        var findings: FuzzFindings = []
        if String(validating: payload, as: UTF8.self) == nil { findings.append("accepted a document that is not UTF-8") }
        let written = value.serialized
        do {
            let reparsed = try JSONParser.parse(written)
            if reparsed != value { findings.append("\(written) parses to \(reparsed.serialized), not what was written") }
            if reparsed.serialized != written { findings.append("writing is not stable: \(written) then \(reparsed.serialized)") }
        } catch {
            findings.append("the writer wrote \(written.debugDescription), which does not parse: \(error)")
        }
        return findings
    }
}

/// JSON Merge Patch (RFC 7386) as `PATCH /api/v1/projects/{id}` uses it: applied to a stored
/// project, the result either reads as a project or fails with field errors, never anything
/// else; a project read back from its own JSON is the same project; and the patch laws hold.
public enum MergePatchCheck {
    /// A project with every optional part present, so patches can remove and replace them.
    static let base: JSONObject = {
        let text = """
            {"external_id":"FUZZ-1","title":"Case management","description":"Replaces the 2004 system","category":"Justice",
             "whole_life_cost":"12500000.50","spend_to_date":"100","start_date":"2025-01-01","planned_end_date":"2027-06-30",
             "forecast_end_date":"2027-09-30","risk_rating":3,"owner":{"name":"A. Owner","role":"SRO","email":"a@example.org"},
             "systems":["CMS"],"datasets":["cases"],
             "milestones":[{"name":"Go-live","baseline_date":"2027-01-01","forecast_date":"2027-02-01"}]}
            """
        guard case .object(let object) = try! JSONParser.parse(text) else { fatalError("the base project is not an object") }
        return object
    }()

    public static func findings(_ data: [UInt8]) -> FuzzFindings {
        let payload = FuzzInput(data).payload
        guard let patch = try? JSONParser.parse(payload) else { return [] }
        var findings: FuzzFindings = []
        let target = JSONValue.object(base)
        let merged = target.applyingMergePatch(patch)
        if merged.applyingMergePatch(patch) != merged { findings.append("applying the patch twice differs from once") }
        if case .object(let patchObject) = patch {
            guard case .object(let mergedObject) = merged else { return findings + ["an object patch gave \(merged.typeDescription)"] }
            for (key, value) in patchObject.members {
                if value == .null {
                    if mergedObject[key] != nil { findings.append("null did not remove \(key)") }
                } else if mergedObject[key] != (base[key] ?? .null).applyingMergePatch(value) {
                    findings.append("member \(key) was not merged recursively")
                }
            }
            for (key, value) in base.members where patchObject[key] == nil && mergedObject[key] != value {
                findings.append("member \(key), not in the patch, changed")
            }
            do {
                let record = try ProjectInput.read(mergedObject)
                do {
                    let again = try ProjectInput.read(record.json)
                    if again != record { findings.append("a project read from its own JSON differs: \(record.json) vs \(again.json)") }
                } catch {
                    findings.append("a project's own JSON does not read back: \(error)")
                }
            } catch {
                // Refused input must name what is wrong.
                if case .invalid(let fields) = error, fields.isEmpty { findings.append("refused without naming a field") }
            }
        } else if merged != patch {
            findings.append("a patch that is not an object must replace the target")
        }
        return findings
    }
}
