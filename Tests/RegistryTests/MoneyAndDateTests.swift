@testable import Registry
import Foundation
import Testing

struct MoneyTests {
    @Test(arguments: [
        ("0", 0), ("12500000.5", 1_250_000_050), ("12500000.50", 1_250_000_050), ("0.01", 1), ("1e6", 100_000_000),
        ("1.25E+7", 1_250_000_000), ("12.3400", 1234), ("-0", 0), ("1000000", 100_000_000), ("5e-2", 5),
    ] as [(String, Int64)])
    func parsesExactly(_ text: String, _ cents: Int64) throws {
        #expect(try Money(decimal: text).minorUnits == cents)
    }

    @Test(arguments: [
        ("0.001", Money.ParseError.tooPrecise), ("12.345", .tooPrecise), ("1e-3", .tooPrecise), ("-1", .negative),
        ("-0.01", .negative), ("abc", .notANumber), ("", .notANumber), ("1.2.3", .notANumber), ("1e999", .notANumber),
        ("10000000000000000", .tooLarge), ("1e17", .tooLarge),
    ])
    func refuses(_ text: String, _ error: Money.ParseError) {
        #expect(throws: error) { try Money(decimal: text) }
    }

    @Test func showsItselfAsTheAPIAndPeopleExpect() {
        #expect(Money(minorUnits: 1_250_000_050).decimalString == "12500000.5")
        #expect(Money(minorUnits: 1_250_000_005).decimalString == "12500000.05")
        #expect(Money(minorUnits: 100).decimalString == "1")
        #expect(Money(minorUnits: 0).decimalString == "0")
        #expect(Money(minorUnits: 10).decimalString == "0.1")
        #expect(Money(minorUnits: -1_230).decimalString == "-12.3")
        #expect(Money(minorUnits: -5).decimalString == "-0.05")
        #expect(Money(minorUnits: .min).decimalString == "-92233720368547758.08")
        #expect(Money(minorUnits: .min).formatted == "-92,233,720,368,547,758.08")
        #expect(Money(minorUnits: 1_250_000_050).formatted == "12,500,000.50")
        #expect(Money(minorUnits: 99).formatted == "0.99")
        #expect(Money(minorUnits: -100_000).formatted == "-1,000.00")
        #expect(Money(minorUnits: 0).formatted == "0.00")
        #expect(Money(minorUnits: -5).formatted == "-0.05")
        #expect(Money(minorUnits: 12_345_678).formatted == "123,456.78")
        #expect(Money(minorUnits: 100_000_000).formatted == "1,000,000.00")
        #expect(Money(minorUnits: .min).formatted == "-92,233,720,368,547,758.08")
    }
}

struct LocalDateTests {
    @Test func parsesOnlyRealDates() {
        #expect(LocalDate("2026-02-28")?.description == "2026-02-28")
        #expect(LocalDate("2024-02-29") != nil)
        for bad in ["2026-02-29", "2026-04-31", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00:00", "", "2026/01/01", "0000-01-01"] {
            #expect(LocalDate(bad) == nil, "\(bad)")
        }
    }

    @Test func countsDays() throws {
        let epoch = try #require(LocalDate("1970-01-01"))
        #expect(epoch.daysSinceEpoch == 0)
        let date = try #require(LocalDate("2026-11-22"))
        #expect(LocalDate(daysSinceEpoch: date.daysSinceEpoch) == date)
        #expect(date.adding(days: 40).description == "2027-01-01")
        #expect(LocalDate.days(from: try #require(LocalDate("2024-02-28")), to: try #require(LocalDate("2024-03-01"))) == 2)
        #expect(try #require(LocalDate("1969-12-31")).daysSinceEpoch == -1)
    }

    @Test func hexIsTwoLowercaseDigitsAByte() {
        #expect(Hex.encode([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(Hex.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
