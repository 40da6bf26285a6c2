import SyncKit
import Testing
@testable import TikTokAds

struct ValueConversionTests {
    @Test(arguments: [
        (JSONValue.string("5830"), FieldType.integer, Value.integer(5830)),
        (.number("5830"), .integer, .integer(5830)),
        (.string("-"), .integer, .null),
        (.string("<5"), .integer, .null),
        (.string(""), .integer, .null),
        (.null, .integer, .null),
        (.string("0"), .integer, .integer(0)),
        (.string("20.00"), .decimal, .decimal("20.00")),
        (.number("5325.43"), .decimal, .decimal("5325.43")),
        (.string("-"), .decimal, .null),
        (.string("1.18"), .float, .float(1.18)),
        (.string("1.18%"), .float, .float(1.18)),
        (.string("-"), .float, .null),
        (.number("1714125042508817123"), .string, .string("1714125042508817123")),
        (.string("1714125042508817123"), .string, .string("1714125042508817123")),
        (.bool(true), .boolean, .boolean(true)),
        (.string("false"), .boolean, .boolean(false)),
        (.string("2024-01-01 00:00:00"), .date, .date("2024-01-01")),
        (.string("2024-01-01 09:00:00"), .datetime, .datetime("2024-01-01 09:00:00")),
        (.number("1510740064"), .datetime, .datetime("2017-11-15 10:01:04")),
        (.array([.string("PLACEMENT_TIKTOK")]), .json, .json(#"["PLACEMENT_TIKTOK"]"#)),
        (.null, .json, .null),
    ])
    func convertsLeniently(_ input: JSONValue, _ type: FieldType, _ expected: Value) {
        #expect(ValueConversion.value(input, as: type) == expected)
    }

    /// Dates are read in place and placeholders by their first byte (both run for every cell of a sync): the edges.
    @Test(arguments: [
        ("2026-11-03", Value.date("2026-11-03")), ("2026-11-03 23:00:00", .date("2026-11-03")), ("2024-02-29", .date("2024-02-29")),
        ("2026-02-29", .null), ("2026-13-01", .null), ("2026-1-01", .null), ("2026-11-3", .null), ("2026/11/03", .null), ("", .null),
        ("0000-01-01", .date("0000-01-01")), ("9999-12-31 x", .date("9999-12-31")), ("2026-11-03é", .date("2026-11-03")), ("２０２６-11-03", .null),
    ])
    func readsDates(_ text: String, _ expected: Value) {
        #expect(ValueConversion.value(.string(text), as: .date) == expected)
        #expect(ValueConversion.value(.string(String(text[...])), as: .date) == expected)
    }

    @Test(arguments: ["", "-", "--", "<5", "<", "N/A", "null"])
    func placeholdersAreNull(_ text: String) {
        #expect(ValueConversion.isPlaceholder(text))
        #expect(ValueConversion.value(.string(text), as: .integer) == .null)
    }

    @Test(arguments: ["-5", "-0.5", "---", "N", "NA", "nul", "0", "5<", " -"])
    func numbersAndTextAreNoPlaceholders(_ text: String) {
        #expect(!ValueConversion.isPlaceholder(text))
    }

    @Test func unknownMembersAreIgnoredByTheRowDecoder() throws {
        let object = try #require(Catalog.object(named: "ad_insights"))
        let schema = try object.schema(selecting: ["spend", "impressions"])
        let decoder = RowDecoder(schema: schema, object: object, advertiserID: "7000000000000000001")
        let item = try JSONParser.parse(#"{"dimensions":{"ad_id":"17","stat_time_day":"2024-01-02 00:00:00","new_dim":"x"},"metrics":{"spend":"1.50","impressions":"-","brand_new_metric":"9"}}"#)
        let row = decoder.row(item)
        #expect(schema.columnNames == ["ad_id", "advertiser_id", "stat_time_day", "spend", "impressions"])
        #expect(row == [.string("17"), .string("7000000000000000001"), .date("2024-01-02"), .decimal("1.50"), .null])
    }
}
