import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Reconciliation reads the level's rows of one advertiser and range with a query (`rows(of:in:)`), not the whole
/// table: the same rows as the whole table filtered, and a clean sync into PostgreSQL matches the totals on every day.
@Suite(PostgresHarness.enabled)
struct PostgresReconciliationTests {
    @Test func aCleanSyncMatchesAndTheRangedReadEqualsTheFilteredTable() async throws {
        let settings = try SyncHarness.settings(objects: ["campaign_insights", "ad_insights"], includeDeleted: true, startDaysAgo: 10)
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let name = PostgresHarness.uniqueSchema("reconcile")
        let record = try await simulator.withRunningServer { url in
            try await PostgresHarness.sync(baseURL: url, simulator: simulator, schema: name, settings: settings, reconciliation: .fail)
        }
        let outcome = try #require(record.reconciliation)
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(outcome.differences.isEmpty, "\(outcome.differences.prefix(3))")
        #expect(outcome.checkedDays >= 2 * 2 * 10)

        let destination = try PostgresHarness.destination(schema: name)
        let schema = try settings.objects[1].schema()
        let all = try await destination.rows(of: schema)
        let advertiserColumn = try #require(schema.index(of: "advertiser_id"))
        let advertiser = try #require(all.first?[advertiserColumn])
        let today = LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!)
        let range = RowRange(matching: [ColumnValue("advertiser_id", advertiser)], from: today.adding(days: -6), through: today.adding(days: -2))
        let ranged = try await destination.rows(of: schema, in: range)
        await destination.close()
        let expected = all.filter { range.contains($0, of: schema) }
        #expect(!expected.isEmpty && expected.count < all.count)
        #expect(Set(ranged.map { $0.map { $0.text ?? "NULL" } }) == Set(expected.map { $0.map { $0.text ?? "NULL" } }))
        try await PostgresHarness.dropSchema(name)
    }
}
