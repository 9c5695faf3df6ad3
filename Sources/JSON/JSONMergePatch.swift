extension JSONValue {
    /// Applies a JSON Merge Patch (RFC 7386): objects merge member by member, `null` removes,
    /// anything else replaces.
    public func applyingMergePatch(_ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var target: JSONObject
        if case .object(let object) = self { target = object } else { target = JSONObject() }
        for (key, value) in patchObject.members {
            if value == .null {
                target[key] = nil
            } else {
                target[key] = (target[key] ?? .null).applyingMergePatch(value)
            }
        }
        return .object(target)
    }
}
