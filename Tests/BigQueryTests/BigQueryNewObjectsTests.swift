import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// The lifetime reports, the breakdowns at every level and the creative assets land in BigQuery through the same code
/// as every other object: typed tables, partitioned by day where the object has report dates, one load and one MERGE
/// per table, and a re-run that changes nothing. Skipped without the emulator, like `BigQueryEmulatorTests`.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQueryNewObjectsTests {
    static let objects = [
        "ad_insights_lifetime", "advertiser_insights_lifetime", "campaign_insights_by_country", "adgroup_insights_by_age_gender",
        "advertiser_insights_by_platform", "creative_assets_videos", "creative_assets_images",
    ]

    @Test func theNewObjectsLandTypedAndARerunChangesNothing() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("new_objects")
        let settings = try BigQueryHarness.settings(objects: Self.objects, startDaysAgo: 3)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let first = try await BigQueryHarness.sync(simulator, into: destination, settings: settings)
        #expect(first.status == .succeeded, "\(first.errors)")
        let perTable = await destination.tableJobCounts
        let tables = try Catalog.resolve(Self.objects).map(\.table)
        for object in try Catalog.resolve(Self.objects) {
            #expect(perTable[object.table]?[.load] == 1, "\(object.table): \(perTable[object.table] ?? [:])")
            #expect(perTable[object.table]?[.merge] == 1, "\(object.table)")
            let resource = try #require(try await destination.tableResource(object.table))
            #expect(resource.timePartitioning?.field == object.timeField, "\(object.table)")
            let types = Dictionary(uniqueKeysWithValues: resource.fields.map { ($0.name, BigQueryTypeName($0.type)) })
            #expect(types["advertiser_id"] == "STRING", "\(object.table)")
        }
        let lifetime = try #require(try await destination.tableResource("tiktok_ads_ad_insights_lifetime"))
        let lifetimeTypes = Dictionary(uniqueKeysWithValues: lifetime.fields.map { ($0.name, BigQueryTypeName($0.type)) })
        #expect(lifetimeTypes["ad_id"] == "STRING" && lifetimeTypes["impressions"] == "INT64" && lifetimeTypes["spend"] == "NUMERIC")
        let videos = try #require(try await destination.tableResource("tiktok_ads_creative_assets_videos"))
        let videoTypes = Dictionary(uniqueKeysWithValues: videos.fields.map { ($0.name, BigQueryTypeName($0.type)) })
        #expect(videoTypes["duration"] == "FLOAT64" && videoTypes["size"] == "INT64" && videoTypes["create_time"] == "DATETIME")

        let before = try await BigQueryHarness.dump(dataset: dataset, tables: tables)
        #expect(before.values.allSatisfy { !$0.isEmpty }, "\(before.mapValues(\.count))")
        let second = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(second.status == .succeeded, "\(second.errors)")
        let after = try await BigQueryHarness.dump(dataset: dataset, tables: tables)
        #expect(after == before)
    }
}
