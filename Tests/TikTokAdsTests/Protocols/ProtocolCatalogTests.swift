import Foundation
import SyncKit
import Testing
import TikTokAds
@testable import TikTokAdsApp

/// What a runner's catalog selects: Singer's metadata (streams and fields), Airbyte's configured streams (fields from
/// the JSON Schema, full refresh or incremental); a catalog that selects nothing or names another tap's stream is refused.
struct ProtocolCatalogTests {
    static func file(_ object: Any) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-catalog-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `--discover`'s catalog with only `ad_insights` selected, `spend` deselected and one non-default metric selected.
    static func editedSingerCatalog() throws -> (path: String, extra: String) {
        var catalog = try #require(try JSONSerialization.jsonObject(with: Data(try SingerTap.discover(configPath: nil).utf8)) as? [String: Any])
        var streams = try #require(catalog["streams"] as? [[String: Any]])
        let insights = try #require(Catalog.object(named: "ad_insights"))
        let extra = try #require(insights.fields.first { !$0.isDefault && !insights.key.contains($0.name) }).name
        for index in streams.indices {
            var metadata = try #require(streams[index]["metadata"] as? [[String: Any]])
            for entry in metadata.indices {
                var fields = try #require(metadata[entry]["metadata"] as? [String: Any])
                let breadcrumb = try #require(metadata[entry]["breadcrumb"] as? [String])
                if breadcrumb.isEmpty { fields["selected"] = streams[index]["stream"] as? String == insights.table }
                if breadcrumb == ["properties", "spend"] { fields["selected"] = false }
                if breadcrumb == ["properties", extra] { fields["selected"] = true }
                metadata[entry]["metadata"] = fields
            }
            streams[index]["metadata"] = metadata
        }
        catalog["streams"] = streams
        return (try file(catalog), extra)
    }

    @Test func aSingerCatalogSelectsStreamsAndFieldsByMetadata() throws {
        let (path, extra) = try Self.editedSingerCatalog()
        let choices = try SingerTap.selection(fromCatalog: path)
        #expect(choices.map(\.object) == ["ad_insights"])
        let fields = try #require(choices.first?.fields)
        #expect(fields.contains(extra), "a field selected in its metadata")
        #expect(!fields.contains("spend"), "a default field deselected")
        #expect(["ad_id", "stat_time_day", "advertiser_id"].allSatisfy(fields.contains), "automatic fields always")
        #expect(fields.contains("impressions"), "other default fields stay selected by default")
    }

    @Test func aSingerCatalogThatSelectsNothingOrNamesAnotherStreamIsRefused() throws {
        let none = try Self.file(["streams": [["tap_stream_id": "tiktok_ads_ads", "metadata": [["breadcrumb": [String](), "metadata": ["selected": false]]]]]])
        let nothing = try #require(throws: SyncError.self) { try SingerTap.selection(fromCatalog: none) }
        #expect(nothing.kind == .badInput && nothing.message.contains("selects no stream"))
        let foreign = try Self.file(["streams": [["tap_stream_id": "orders", "metadata": [[String: Any]]()]]])
        let other = try #require(throws: SyncError.self) { try SingerTap.selection(fromCatalog: foreign) }
        #expect(other.kind == .badInput && other.message.contains("'orders'"))
    }

    @Test func anAirbyteConfiguredCatalogGivesStreamsFieldsAndFullRefresh() throws {
        let path = try Self.file(["streams": [
            ["stream": ["name": "tiktok_ads_ad_insights", "json_schema": ["properties": ["ad_id": [:], "stat_time_day": [:], "advertiser_id": [:], "clicks": [:]]]],
             "sync_mode": "incremental", "destination_sync_mode": "append_dedup"],
            ["stream": ["name": "tiktok_ads_ad_insights_hourly", "json_schema": [:]], "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"],
        ]])
        let (choices, fullRefresh) = try AirbyteSource.selection(fromCatalog: path)
        #expect(choices == [StreamChoice(object: "ad_insights", fields: ["ad_id", "advertiser_id", "clicks", "stat_time_day"]),
                            StreamChoice(object: "ad_insights_hourly", fields: nil)])
        #expect(fullRefresh == ["ad_insights_hourly"])
    }
}
