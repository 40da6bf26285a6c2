import Destinations
import Foundation
import SyncKit
import Testing

/// The message shapes both protocols carry, value by value, and the state each hands back and reads again.
struct ProtocolMessageTests {
    static let schema = TableSchema(name: "tiktok_ads_ad_insights", fields: [
        Field("ad_id", .string, "ad id"), Field("advertiser_id", .string, "Advertiser ID"), Field("stat_time_day", .date, "Day"),
        Field("spend", .decimal, "Spend"), Field("impressions", .integer, "Impressions"), Field("ctr", .float, "CTR"),
        Field("is_smart", .boolean, "Smart"), Field("create_time", .datetime, "Created"), Field("rule", .json, "Rule"),
    ], key: ["ad_id", "stat_time_day", "advertiser_id"], timeField: "stat_time_day")

    static let row: [Value] = [.string("1234567890123456789"), .string("7000000000000000001"), .date("2026-03-01"), .decimal("12.30"),
                               .integer(4_200), .float(0.25), .boolean(true), .datetime("2026-03-01 08:00:00"), .json(#"{"a":[1,2]}"#)]

    static func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
    }

    @Test(arguments: [("12.30", "12.30"), (".5", "0.5"), ("5.", "5"), ("-007.10", "-7.10"), ("+3", "3"), ("0", "0"), ("-0.000001", "-0.000001")])
    func decimalsKeepTheirDigitsAsJSONNumbers(text: String, number: String) {
        #expect(JSONText.number(text) == number)
    }

    @Test func aDecimalThatIsNoNumberStaysText() {
        #expect(JSONText.number("1e3x") == nil)
        var out = ""
        ProtocolJSON.append(.decimal("n/a"), to: &out)
        #expect(out == #""n/a""#)
    }

    @Test func aRowIsOneObjectWithExactTypedValues() throws {
        let text = ProtocolJSON.object(Self.row, schema: Self.schema)
        #expect(text.contains(#""spend":12.30,"#), "money keeps TikTok's digits, never a double's: \(text)")
        #expect(text.contains(#""ad_id":"1234567890123456789""#), "ids are strings")
        #expect(text.contains(#""create_time":"2026-03-01T08:00:00""#))
        let object = try Self.parse(text)
        #expect(object["impressions"] as? Int == 4_200)
        #expect(object["is_smart"] as? Bool == true)
        #expect((object["rule"] as? [String: Any])?["a"] as? [Int] == [1, 2], "a JSON field is the JSON value itself")
        #expect(try Self.parse(ProtocolJSON.object([.null], schema: Self.schema)).count == Self.schema.fields.count, "missing values are null")
    }

    @Test func singerDeclaresEachStreamWithItsKeysAndBookmark() throws {
        let lines = SingerDialect().declare(Self.schema, stream: "tiktok_ads_ad_insights")
        let message = try Self.parse(try #require(lines.first))
        #expect(lines.count == 1)
        #expect(message["type"] as? String == "SCHEMA")
        #expect(message["stream"] as? String == "tiktok_ads_ad_insights")
        #expect(message["key_properties"] as? [String] == ["ad_id", "stat_time_day", "advertiser_id"])
        #expect(message["bookmark_properties"] as? [String] == ["stat_time_day"])
        let properties = try #require((message["schema"] as? [String: Any])?["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == Set(Self.schema.columnNames))
        #expect(properties["spend"]?["type"] as? [String] == ["null", "number"])
        #expect(properties["ad_id"]?["type"] as? [String] == ["null", "string"])
        #expect(properties["impressions"]?["type"] as? [String] == ["null", "integer"])
        #expect(properties["stat_time_day"]?["format"] as? String == "date")
        #expect(properties["create_time"]?["format"] as? String == "date-time")
    }

    @Test func singerRecordsNameTheirStreamAndExtractionTime() throws {
        let message = try Self.parse(SingerDialect().record(Self.row, of: Self.schema, stream: "s", at: Date(timeIntervalSince1970: 1_773_576_000)))
        #expect(message["type"] as? String == "RECORD")
        #expect(message["stream"] as? String == "s")
        #expect(message["time_extracted"] as? String == "2026-03-15T12:00:00.000000Z")
        #expect((message["record"] as? [String: Any])?["advertiser_id"] as? String == "7000000000000000001")
    }

    @Test func airbyteRecordsCarryEmittedAtInMilliseconds() throws {
        let message = try Self.parse(AirbyteDialect().record(Self.row, of: Self.schema, stream: "s", at: Date(timeIntervalSince1970: 1_773_576_000.5)))
        let record = try #require(message["record"] as? [String: Any])
        #expect(message["type"] as? String == "RECORD")
        #expect(record["stream"] as? String == "s")
        #expect(record["emitted_at"] as? Int == 1_773_576_000_500)
        #expect((record["data"] as? [String: Any])?["stat_time_day"] as? String == "2026-03-01")
    }

    static let state = ProtocolState(streams: [
        StreamKey(advertiserID: "7000000000000000001", object: "ad_insights"): StreamState(bookmark: LocalDate("2026-03-14"), syncedAt: Date(timeIntervalSince1970: 1_773_576_000.25)),
        StreamKey(advertiserID: "7000000000000000002", object: "ad_insights"): StreamState(bookmark: LocalDate("2026-03-15"), syncedAt: Date(timeIntervalSince1970: 1_773_576_001)),
        StreamKey(advertiserID: "7000000000000000001", object: "campaigns"): StreamState(bookmark: nil, syncedAt: Date(timeIntervalSince1970: 1_773_576_002)),
    ], pacing: ["report/integrated/get": .init(requestsPerSecond: 9.5, requestsPerMinute: 540, learnedAt: "2026-03-15 12:00:00.000000")])

    static func streamName(_ object: String) -> String { "tiktok_ads_\(object)" }
    static func objectNamed(_ stream: String) -> String? { stream.hasPrefix("tiktok_ads_") ? String(stream.dropFirst(11)) : nil }

    @Test func singerStateReadsBackAsTheSameBookmarksAndPace() throws {
        let line = try #require(SingerDialect().state(Self.state, changed: ["ad_insights"], streamName: Self.streamName, records: [:]).first)
        let message = try Self.parse(line)
        #expect(message["type"] as? String == "STATE")
        let value = try #require(message["value"] as? [String: Any])
        let bookmarks = try #require(value["bookmarks"] as? [String: [String: [String: Any]]])
        #expect(bookmarks["tiktok_ads_ad_insights"]?["7000000000000000002"]?["bookmark"] as? String == "2026-03-15")
        #expect(bookmarks["tiktok_ads_campaigns"]?["7000000000000000001"]?["bookmark"] is NSNull)
        // A runner keeps the value (Meltano) or the whole message: both read back the same.
        let valueText = try JSONSerialization.data(withJSONObject: value)
        #expect(try SingerDialect.read(valueText, file: "state.json", objectNamed: Self.objectNamed) == Self.state)
        #expect(try SingerDialect.read(Data(line.utf8), file: "state.json", objectNamed: Self.objectNamed) == Self.state)
    }

    @Test func airbyteStatePerStreamReadsBackAsTheSameBookmarks() throws {
        let lines = AirbyteDialect().state(Self.state, changed: ["ad_insights", "campaigns"], streamName: Self.streamName,
                                           records: ["tiktok_ads_ad_insights": 12])
        #expect(lines.count == 2, "one STATE per stream that moved")
        let first = try #require(try Self.parse(lines[0])["state"] as? [String: Any])
        #expect(first["type"] as? String == "STREAM")
        #expect((first["sourceStats"] as? [String: Any])?["recordCount"] as? Int == 12)
        // Airbyte hands back the `state` objects of the last STATE per stream, as a JSON array.
        let array = try lines.map { try #require(try Self.parse($0)["state"]) }
        let data = try JSONSerialization.data(withJSONObject: array)
        var expected = Self.state
        expected.pacing = [:]  // per-stream state carries bookmarks only
        #expect(try AirbyteDialect.read(data, file: "state.json", objectNamed: Self.objectNamed) == expected)
    }

    @Test(arguments: [
        (#"{"bookmarks":{"tiktok_ads_ad_insights":{"7000000000000000001":{"bookmark":"14/03/2026"}}}}"#, "is not a date"),
        (#"{"bookmarks":{"somebody_elses_stream":{}}}"#, "which this tap does not have"),
        (#"{"bookmarks":{"tiktok_ads_ad_insights":{"adv":{"bookmark":null}}}}"#, "not an advertiser id"),
        (#"{"pacing":{"report/integrated/get":{"requests_per_second":-1}}}"#, "a positive number"),
        ("[1, 2", "not JSON"),
    ])
    func aSingerStateTiktokAdsDidNotWriteIsBadInput(text: String, problem: String) throws {
        let error = try #require(throws: SyncError.self) {
            try SingerDialect.read(Data(text.utf8), file: "state.json", objectNamed: Self.objectNamed)
        }
        #expect(error.kind == .badInput)
        #expect(error.message.contains(problem) && error.message.contains("state.json"), "\(error.message)")
    }

    @Test func anAirbyteStateOfAnotherShapeIsBadInput() throws {
        let error = try #require(throws: SyncError.self) {
            try AirbyteDialect.read(Data(#"[{"type":"GLOBAL","global":{}}]"#.utf8), file: "s.json", objectNamed: Self.objectNamed)
        }
        #expect(error.kind == .badInput && error.message.contains("per-stream state"))
    }

    @Test func anErrorTraceMasksSecrets() throws {
        SecretRedactor.register("trace-secret-123456")
        let message = try Self.parse(AirbyteDialect.error("token trace-secret-123456 refused", internalMessage: "trace-secret-123456",
                                                          failureType: "config_error", at: Date()))
        let error = try #require((message["trace"] as? [String: Any])?["error"] as? [String: Any])
        #expect(error["failure_type"] as? String == "config_error")
        #expect(!"\(error)".contains("trace-secret-123456"))
    }
}
