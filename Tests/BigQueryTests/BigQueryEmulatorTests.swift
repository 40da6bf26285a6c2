import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// The destination's guarantees, shown on the bqemulator (PyPI) emulator. Skipped, with the reason, when
/// `BIGQUERY_EMULATOR_HOST` is not set; `.ci/run` starts the emulator and sets it.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQueryEmulatorTests {
    static let objects = ["campaigns", "ads", "ad_insights", "ad_insights_hourly"]
    static var tables: [String] { Catalog.objects.filter { objects.contains($0.name) }.map(\.table) }

    struct SimulatedCrash: Error {}

    @Test func typedPartitionedTablesOneLoadAndOneMergePerTableAndARerunChangesNothing() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("rerun")
        let settings = try BigQueryHarness.settings(objects: Self.objects, startDaysAgo: 4)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let first = try await BigQueryHarness.sync(simulator, into: destination, settings: settings)
        #expect(first.status == .succeeded, "\(first.errors)")

        // One load job and one MERGE per table per run, whatever the number of API pages.
        let perTable = await destination.tableJobCounts
        for table in Self.tables {
            #expect(perTable[table]?[.load] == 1, "\(table): \(perTable[table] ?? [:])")
            #expect(perTable[table]?[.merge] == 1, "\(table)")
        }
        #expect(first.totalRequests > Self.tables.count)

        // Typed columns, day partitioning on the date column, clustering by advertiser and the level's id.
        let insights = try #require(try await destination.tableResource("tiktok_ads_ad_insights"))
        #expect(insights.timePartitioning?.type == "DAY")
        #expect(insights.timePartitioning?.field == "stat_time_day")
        #expect(insights.clustering?.fields == ["advertiser_id", "ad_id"])
        let types = Dictionary(uniqueKeysWithValues: insights.fields.map { ($0.name, BigQueryTypeName($0.type)) })
        #expect(types["ad_id"] == "STRING")
        #expect(types["stat_time_day"] == "DATE")
        #expect(types["impressions"] == "INT64")
        #expect(types["spend"] == "NUMERIC")
        #expect(types["ctr"] == "FLOAT64")
        let hourly = try #require(try await destination.tableResource("tiktok_ads_ad_insights_hourly"))
        #expect(hourly.timePartitioning?.field == "stat_time_hour")

        // State and run history live in the dataset.
        let reader = try BigQueryHarness.destination(dataset: dataset)
        let state = try await reader.loadState()
        #expect(state.keys.contains { $0.object == "ad_insights" })
        #expect(state.values.contains { $0.bookmark != nil })
        let runs = try await reader.recentRuns(limit: 5)
        #expect(runs.first?.id == first.id)
        #expect(runs.first?.status == .succeeded)
        #expect(runs.first?.totalRows == first.totalRows)

        let before = try await BigQueryHarness.dump(dataset: dataset, tables: Self.tables)
        #expect(before.values.allSatisfy { !$0.isEmpty })
        let second = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(second.status == .succeeded, "\(second.errors)")
        let after = try await BigQueryHarness.dump(dataset: dataset, tables: Self.tables)
        #expect(after == before)
    }

    @Test(arguments: [BigQueryDestination.Step.afterLoad, .afterMerge])
    func aCrashThenARerunGivesTheContentOfAnUninterruptedRun(_ step: BigQueryDestination.Step) async throws {
        let objects = ["ads", "ad_insights"]
        let tables = ["tiktok_ads_ads", "tiktok_ads_ad_insights"]
        let settings = try BigQueryHarness.settings(objects: objects, startDaysAgo: 6)

        let reference = BigQueryHarness.newDataset("reference")
        let clean = try await BigQueryHarness.sync(TikTokSimulator(options: BigQueryHarness.simulatorOptions()),
                                                   into: try BigQueryHarness.destination(dataset: reference), settings: settings)
        #expect(clean.status == .succeeded, "\(clean.errors)")
        let expected = try await BigQueryHarness.dump(dataset: reference, tables: tables)

        let dataset = BigQueryHarness.newDataset("crash_\(step.rawValue.lowercased())")
        let crashing = try BigQueryHarness.destination(dataset: dataset) { at, table in
            if at == step, table == "tiktok_ads_ad_insights" { throw SimulatedCrash() }
        }
        let crashed = try await BigQueryHarness.sync(TikTokSimulator(options: BigQueryHarness.simulatorOptions()),
                                                     into: crashing, settings: settings)
        #expect(crashed.status == .failed)
        let reader = try BigQueryHarness.destination(dataset: dataset)
        let state = try await reader.loadState()
        // The state never moves past merged data: the crashed table has no state.
        #expect(!state.keys.contains { $0.object == "ad_insights" })
        let merged = try await reader.dump(table: "tiktok_ads_ad_insights")
        if step == .afterLoad { #expect(merged.isEmpty) } else { #expect(merged == expected["tiktok_ads_ad_insights"]) }

        let rerun = try await BigQueryHarness.sync(TikTokSimulator(options: BigQueryHarness.simulatorOptions()),
                                                   into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(rerun.status == .succeeded, "\(rerun.errors)")
        let content = try await BigQueryHarness.dump(dataset: dataset, tables: tables)
        #expect(content == expected)
        #expect(try await reader.loadState().keys.contains { $0.object == "ad_insights" })
    }

    @Test func aNewFieldAddsAColumnWithoutLosingRows() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("evolve")
        let narrow = try BigQueryHarness.settings(objects: ["campaigns", "ad_insights"],
                                                  fields: ["campaigns": ["campaign_name"], "ad_insights": ["spend"]], startDaysAgo: 3)
        _ = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: narrow)
        let reader = try BigQueryHarness.destination(dataset: dataset)
        #expect(try await reader.columns(of: "tiktok_ads_campaigns") == ["campaign_id", "campaign_name"])
        let before = try await reader.select("SELECT COUNT(*) FROM `test-proj.\(dataset).tiktok_ads_ad_insights`")[0][0]

        let wide = try BigQueryHarness.settings(objects: ["campaigns", "ad_insights"],
                                                fields: ["campaigns": ["campaign_name", "objective_type"], "ad_insights": ["spend", "clicks"]],
                                                startDaysAgo: 3)
        let widening = try BigQueryHarness.destination(dataset: dataset)
        let record = try await BigQueryHarness.sync(simulator, into: widening, settings: wide)
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(await widening.jobCounts[.ddl] == 2)  // one ALTER per new column, once
        #expect(try await reader.columns(of: "tiktok_ads_campaigns") == ["campaign_id", "campaign_name", "objective_type"])
        let counts = try await reader.select("SELECT COUNT(*), COUNT(objective_type) FROM `test-proj.\(dataset).tiktok_ads_campaigns`")[0]
        #expect(counts[0] == counts[1])
        let insights = try await reader.select("SELECT COUNT(*), COUNT(clicks) FROM `test-proj.\(dataset).tiktok_ads_ad_insights`")[0]
        #expect(insights[0] == before)
        #expect(insights[1] == before)

        // The same schema again: nothing is patched.
        let unchanged = try BigQueryHarness.destination(dataset: dataset)
        _ = try await BigQueryHarness.sync(simulator, into: unchanged, settings: wide)
        #expect(await unchanged.jobCounts[.ddl] == nil)
    }

    @Test func cleanupRemovesExactlyTheRowsBeforeTheCutoff() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("cleanup")
        let settings = try BigQueryHarness.settings(objects: ["ad_insights", "ad_insights_hourly"], startDaysAgo: 6)
        _ = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let cutoff = LocalDate(BigQueryHarness.now, in: TimeZone(identifier: "UTC")!).adding(days: -3)  // UTC always exists
        for (object, column) in [("ad_insights", "stat_time_day"), ("ad_insights_hourly", "stat_time_hour")] {
            let schema = try #require(Catalog.object(named: object)).schema()
            let table = "`test-proj.\(dataset).\(schema.name)`"
            let counts = try await destination.select(
                "SELECT COUNT(*), COUNTIF(\(column) < \(column == "stat_time_day" ? "DATE '\(cutoff)'" : "DATETIME '\(cutoff) 00:00:00'")) FROM \(table)")[0]
            let total = Int(counts[0] ?? "") ?? -1, old = Int(counts[1] ?? "") ?? -1
            #expect(old > 0 && old < total, "\(object): \(counts)")
            let deleted = try await destination.deleteRows(of: schema, before: cutoff)
            #expect(deleted == old, "\(object)")
            let left = try await destination.select("SELECT COUNT(*), CAST(MIN(\(column)) AS STRING) FROM \(table)")[0]
            #expect(Int(left[0] ?? "") == total - old)
            #expect((left[1] ?? "") >= cutoff.description)
        }
    }

    @Test func missingDatasetAndWrongLocationSayWhatToDo() async throws {
        let missing = try BigQueryHarness.destination(dataset: BigQueryHarness.newDataset("absent"), create: false)
        let error = await #expect(throws: SyncError.self) { try await missing.prepare([]) }
        #expect(error?.message.contains("bq mk --dataset") == true, "\(String(describing: error))")

        let dataset = BigQueryHarness.newDataset("located")
        try await BigQueryHarness.destination(dataset: dataset, location: "US").prepare([])
        let elsewhere = try BigQueryHarness.destination(dataset: dataset, location: "EU")
        let wrong = await #expect(throws: SyncError.self) { try await elsewhere.prepare([]) }
        #expect(wrong?.message.contains("--bigquery-location US") == true, "\(String(describing: wrong))")

        try await BigQueryHarness.destination(dataset: dataset).checkWritable()
    }

    @Test func aLargeRunUsesAResumableUpload() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("resumable")
        let settings = try BigQueryHarness.settings(objects: ["ad_insights"], startDaysAgo: 10)
        let multipart = try BigQueryHarness.destination(dataset: dataset)
        _ = try await BigQueryHarness.sync(simulator, into: multipart, settings: settings)
        let expected = try await BigQueryHarness.dump(dataset: dataset, tables: ["tiktok_ads_ad_insights"])
        let other = BigQueryHarness.newDataset("resumable")
        // A 1 KiB threshold and 256 KiB chunks force the resumable path.
        let resumable = try BigQueryHarness.destination(dataset: other, resumableThreshold: 1024)
        let record = try await BigQueryHarness.sync(simulator, into: resumable, settings: settings)
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(try await BigQueryHarness.dump(dataset: other, tables: ["tiktok_ads_ad_insights"]) == expected)
    }
}

/// tables.get type names in their standard spelling (the emulator says INTEGER/FLOAT like the legacy API).
func BigQueryTypeName(_ type: String?) -> String {
    switch type?.uppercased() {
    case "INTEGER": "INT64"
    case "FLOAT": "FLOAT64"
    case "BOOLEAN": "BOOL"
    default: type?.uppercased() ?? ""
    }
}
