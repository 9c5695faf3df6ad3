/// An amount of the registry's currency in its smallest unit (cents), never a floating-point value.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64

    public init(minorUnits: Int64) { self.minorUnits = minorUnits }

    public static func units(_ whole: Int64) -> Money { Money(minorUnits: whole * 100) }
    public static let zero = Money(minorUnits: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits + rhs.minorUnits) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits - rhs.minorUnits) }

    public enum ParseError: Error, Sendable, Equatable {
        case notANumber
        case tooPrecise
        case negative
        case tooLarge
    }

    /// Largest accepted amount: 10^15 whole units, far beyond any budget, far inside Int64.
    public static let maximum = Money(minorUnits: 100_000_000_000_000_000)

    /// Parses a JSON number literal (`12500000.5`, `1.25e7`) exactly: at most two decimals, not negative.
    public init(decimal literal: String) throws(ParseError) {
        var text = Substring(literal)
        if text.first == "-" {
            let rest = text.dropFirst()
            // "-0" and "-0.00" are zero, not a negative budget.
            if rest.allSatisfy({ $0 == "0" || $0 == "." }) { text = rest } else { throw .negative }
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var exponentText = text[text.index(after: e)...]
            if exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            guard let value = Int(exponentText), abs(value) < 40 else { throw .notANumber }
            exponent = value
            text = text[..<e]
        }
        var digits = ""
        var decimals = 0
        var seenPoint = false
        for character in text {
            if character == "." {
                guard !seenPoint else { throw .notANumber }
                seenPoint = true
            } else if character.isASCII, character.isNumber {
                digits.append(character)
                if seenPoint { decimals += 1 }
            } else {
                throw .notANumber
            }
        }
        guard !digits.isEmpty else { throw .notANumber }
        // value = digits × 10^(exponent − decimals); in cents: × 10^(exponent − decimals + 2).
        var shift = exponent - decimals + 2
        while shift < 0, digits.last == "0" {
            digits.removeLast()
            shift += 1
        }
        guard shift >= 0 else { throw .tooPrecise }
        let significant = digits.drop { $0 == "0" }
        guard significant.count + shift <= 18 else { throw .tooLarge }
        var cents = Int64(significant) ?? 0
        for _ in 0..<shift { cents *= 10 }
        guard cents <= Money.maximum.minorUnits else { throw .tooLarge }
        self.minorUnits = cents
    }

    /// As the API shows it: whole units with up to two decimals, no trailing zeros (`12500000.5`).
    public var decimalString: String { written(thousands: false, bothDecimals: false) }

    /// For people: thousands separated, always two decimals (`12,500,000.50`).
    public var formatted: String { written(thousands: true, bothDecimals: true) }

    /// Written backwards into a buffer on the stack and read forwards: the rules word every
    /// finding with amounts and a quarter's changes show 100,000, and this allocates nothing
    /// (an amount of up to fifteen characters is a small string).
    private func written(thousands: Bool, bothDecimals: Bool) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var start = buffer.count
            func put(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            var magnitude = minorUnits.magnitude
            let cents = magnitude % 100
            magnitude /= 100
            if bothDecimals || cents != 0 {
                if bothDecimals || cents % 10 != 0 { put(UInt8(ascii: "0") + UInt8(cents % 10)) }
                put(UInt8(ascii: "0") + UInt8(cents / 10))
                put(UInt8(ascii: "."))
            }
            var digits = 0
            repeat {
                if thousands && digits > 0 && digits % 3 == 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
                digits += 1
            } while magnitude > 0
            if minorUnits < 0 { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
        }
    }

    public var description: String { decimalString }
}
