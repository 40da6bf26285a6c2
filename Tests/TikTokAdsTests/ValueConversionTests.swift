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
