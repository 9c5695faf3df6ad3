import Foundation
import JSON

/// A JSON object body read field by field. Unknown keys are refused (400, naming the key);
/// every missing or invalid field is collected and reported together (422).
public struct FieldReader {
    public let object: JSONObject
    public let path: String
    public private(set) var errors: [FieldError] = []

    public init(_ object: JSONObject, path: String, allowed: Set<String>) throws(RegistryError) {
        self.object = object
        self.path = path
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw RegistryError.malformed("Unknown key '\(path + unknown)'; allowed here: \(allowed.sorted().joined(separator: ", ")).")
        }
    }

    public func name(_ key: String) -> String { path + key }

    public mutating func fail(_ key: String, _ message: String) { errors.append(FieldError(name(key), message)) }

    /// Present and not null.
    public func has(_ key: String) -> Bool {
        if let value = object[key], value != .null { return true }
        return false
    }

    public mutating func string(_ key: String, required: Bool = false, maxLength: Int = 10_000) -> String? {
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .string(let text)?:
            if required && text.trimmingSpaces.isEmpty { fail(key, "must not be empty"); return nil }
            if let control = text.unicodeScalars.first(where: Self.isRefusedControl) {
                fail(key, "must not contain the control character U+\(String(control.value, radix: 16, uppercase: true).leftPadded(to: 4))"); return nil
            }
            if text.count > maxLength { fail(key, "must be at most \(maxLength) characters"); return nil }
            return text
        case let other?:
            fail(key, "must be a string, not \(other.typeDescription)")
            return nil
        }
    }

    public mutating func money(_ key: String, required: Bool = false) -> Money? {
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .number(let literal)?:
            do { return try Money(decimal: literal) } catch {
                switch error {
                case .negative: fail(key, "must not be negative")
                case .tooPrecise: fail(key, "must have at most 2 decimals")
                case .tooLarge: fail(key, "is too large")
                case .notANumber: fail(key, "must be a number")
                }
                return nil
            }
        case let other?:
            fail(key, "must be a number of whole currency units (at most 2 decimals), not \(other.typeDescription)")
            return nil
        }
    }

    public mutating func date(_ key: String, required: Bool = false) -> LocalDate? {
        guard let text = string(key, required: required) else { return nil }
        guard let date = LocalDate(text) else { fail(key, "must be a real date written YYYY-MM-DD"); return nil }
        return date
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        switch object[key] {
        case nil, .null?:
            if required { fail(key, "is required") }
            return nil
        case .number(let literal)?:
            // As JSON Schema counts them, 3.0 and 3e0 are integers too.
            guard let value = Int(literal) ?? Double(literal).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }), range.contains(value) else {
                fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return value
        case let other?:
            fail(key, "must be a whole number, not \(other.typeDescription)")
            return nil
        }
    }

    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, required: Bool = false) -> T? where T.RawValue == String {
        guard let text = string(key, required: required) else { return nil }
        guard let value = T(rawValue: text) else {
            fail(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// Throws every collected field error at once (422).
    /// C0 controls and DEL have no place in an agency's text (tab and line breaks excepted):
    /// NUL ends strings in C, others garble terminals, CSV readers and logs.
    static func isRefusedControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || scalar.value == 0x7F
    }

    public func finish() throws(RegistryError) {
        if !errors.isEmpty { throw RegistryError.invalid(errors) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
