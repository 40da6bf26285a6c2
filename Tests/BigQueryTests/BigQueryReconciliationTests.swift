import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Reconciliation on a staging destination (the BigQuery emulator), through the same code as on SQLite: a clean sync
/// matches on every day, deleted ads and dropped rows are told apart, and the comparisons land in the dataset's
/// `_tiktok_ads_reconciliation` table.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQueryReconciliationTests {
    static func sync(_ options: SimulatorOptions, includeDeleted: Bool, mode: ReconciliationMode = .warn)
        async throws -> (record: RunRecord, table: [String], dataset: String) {
        let dataset = BigQueryHarness.newDataset("reconcile")
        var settings = try BigQueryHarness.settings(objects: ["campaign_insights", "ad_insights"], startDaysAgo: 30)
        settings.includeDeleted = includeDeleted
        let record = try await BigQueryHarness.sync(TikTokSimulator(options: options), into: try BigQueryHarness.destination(dataset: dataset),
                                                    settings: settings, reconciliation: mode)
        let table = try await BigQueryHarness.dump(dataset: dataset, tables: [ReconciliationTable.schema.name])
        return (record, table[ReconciliationTable.schema.name] ?? [], dataset)
    }

    static func options(advertisers: Int = 3) -> SimulatorOptions { BigQueryHarness.simulatorOptions(advertisers: advertisers) }

    @Test func aCleanSyncMatchesOnEveryDayAndKeepsEveryComparison() async throws {
        let (record, table, dataset) = try await Self.sync(Self.options(), includeDeleted: true)
        let outcome = try #require(record.reconciliation)
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(outcome.differences.isEmpty, "\(outcome.differences.prefix(3))")
        #expect(outcome.checkedDays >= 3 * 2 * 30)
        #expect(table.count == outcome.checkedDays * 4, "one row per advertiser, day, level and metric")
        // The level's rows of one advertiser and range come from a query on the partitioning column, equal to the
        // whole table filtered.
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let schema = try #require(Catalog.object(named: "ad_insights")).schema()
        let all = try await destination.rows(of: schema)
        let advertiserColumn = try #require(schema.index(of: "advertiser_id"))
        let advertiser = try #require(all.first?[advertiserColumn])
        let today = LocalDate(BigQueryHarness.now, in: TimeZone(identifier: "UTC")!)
        let range = RowRange(matching: [ColumnValue("advertiser_id", advertiser)], from: today.adding(days: -20), through: today.adding(days: -5))
        let ranged = try await destination.rows(of: schema, in: range)
        await destination.close()
        let expected = all.filter { range.contains($0, of: schema) }
        #expect(!expected.isEmpty && expected.count < all.count)
        #expect(Set(ranged.map { $0.map { $0.text ?? "NULL" } }) == Set(expected.map { $0.map { $0.text ?? "NULL" } }))
        #expect(outcome.requests == 3 * 2, "3 advertisers x 2 windows of 31 days for the account totals")
    }

    @Test func deletedAdsAreNamedAndDroppedRowsAreNot() async throws {
        let deleted = try await Self.sync(Self.options(), includeDeleted: false, mode: .fail)
        let found = try #require(deleted.record.reconciliation)
        #expect(!found.differences.isEmpty)
        #expect(found.unexplained.isEmpty, "\(found.unexplained.prefix(3))")
        #expect(deleted.record.status == .succeeded, "every difference has a known cause: \(deleted.record.errors)")
        #expect(deleted.table.filter { $0.contains("deleted_excluded") }.count == found.differences.count)

        var faulty = Self.options()
        faulty.faults = [FaultRule(kind: .missingRows, calls: [2], endpoint: "report/integrated/get")]
        let dropped = try await Self.sync(faulty, includeDeleted: true, mode: .fail)
        let lost = try #require(dropped.record.reconciliation)
        #expect(!lost.unexplained.isEmpty)
        #expect(dropped.record.status == .failed)
        #expect(dropped.record.errors.contains { $0.contains("no known cause") })
    }

    @Test func daysRestatedSinceTheyWereLoadedAreNamedOnDemand() async throws {
        let simulator = TikTokSimulator(options: Self.options(advertisers: 2))
        let dataset = BigQueryHarness.newDataset("restated")
        var draft = try BigQueryHarness.settings(objects: ["ad_insights"], startDaysAgo: 10)
        draft.includeDeleted = true
        let settings = draft
        let record = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(record.status == .succeeded, "\(record.errors)")
        let later = BigQueryHarness.now.addingTimeInterval(2 * 86_400)
        simulator.setNow(later)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let outcome = try await simulator.withRunningServer { url in
            let job = SyncJob(api: TikTokAPIConfiguration(baseURL: url, accessToken: simulator.options.accessToken,
                                                          appID: simulator.options.appId, appSecret: simulator.options.secret),
                              settings: settings, destination: destination, logger: BigQueryHarness.logger(), now: { later })
            defer { Task { await destination.close() } }
            return try await job.reconcileLoadedData()
        }
        #expect(outcome.differences.contains { $0.cause == .restatement })
        #expect(outcome.unexplained.isEmpty, "\(outcome.unexplained.prefix(3))")
        #expect(outcome.differences.allSatisfy { $0.cause == .dayInProgress || $0.cause == .restatement && $0.metric == "conversion" })
        let table = try await BigQueryHarness.dump(dataset: dataset, tables: [ReconciliationTable.schema.name])
        #expect(table[ReconciliationTable.schema.name]?.filter { $0.contains("restatement") }.count
                == outcome.differences.filter { $0.cause == .restatement }.count)
    }
}
