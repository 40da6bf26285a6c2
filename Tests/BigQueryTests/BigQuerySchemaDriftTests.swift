import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Existing BigQuery tables (read through tables.get) that tiktok-ads did not lay out, and a state it did not write,
/// on the emulator: refused before any write with the table, the column and the fix; a foreign column is left alone
/// and a missing one added, as the README's "Tables and state that are not the tool's" says.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQuerySchemaDriftTests {
    /// campaign_id, campaign_name, budget.
    static let campaigns = try! Catalog.object(named: "campaigns")!.schema(selecting: ["campaign_name", "budget"])  // known names

    /// A dataset holding what `statements` (GoogleSQL, `T` for the dataset) create.
    static func dataset(_ prefix: String, _ statements: [String]) async throws -> String {
        let dataset = BigQueryHarness.newDataset(prefix)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        try await destination.prepare([])  // creates the dataset
        for statement in statements { _ = try await destination.select(statement.replacingOccurrences(of: "T.", with: "`test-proj.\(dataset)`.")) }
        await destination.close()
        return dataset
    }

    /// Every table's schema (as tables.get reports it) and rows.
    static func snapshot(_ dataset: String, _ tables: [String]) async throws -> [String] {
        let reader = try BigQueryHarness.destination(dataset: dataset)
        var lines: [String] = []
        for table in tables {
            let fields = try await reader.tableResource(table)?.fields.map { "\($0.name) \($0.type) \($0.mode ?? "")" } ?? ["absent"]
            lines.append("\(table): \(fields.joined(separator: ", "))")
            lines += try await reader.dump(table: table).map { "\(table): \($0)" }
        }
        return lines
    }

    /// `prepareWithBookkeeping` refuses with a bad-input error, no job ran, and nothing changed (the bookkeeping tables
    /// were not created either). Returns the message.
    static func expectRefusal(_ dataset: String, tables: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let all = tables + ["_tiktok_ads_state", "_tiktok_ads_runs"]
        let before = try await snapshot(dataset, all)
        let destination = try BigQueryHarness.destination(dataset: dataset)
        let error = await #expect(throws: SyncError.self, sourceLocation: sourceLocation) { try await destination.prepareWithBookkeeping([campaigns]) }
        #expect(error?.kind == .badInput, sourceLocation: sourceLocation)
        let jobs = await destination.jobCounts
        #expect(jobs.isEmpty, "\(jobs)", sourceLocation: sourceLocation)
        await destination.close()
        #expect(try await snapshot(dataset, all) == before, sourceLocation: sourceLocation)
        return error?.message ?? ""
    }

    @Test func aTableWhoseKeyColumnAcceptsNullIsRefused() async throws {
        // Another tool's table: the same columns, no REQUIRED key, and a key that repeats.
        let dataset = try await Self.dataset("nokey", [
            "CREATE TABLE T.tiktok_ads_campaigns (campaign_id STRING, campaign_name STRING, budget NUMERIC)",
            "INSERT INTO T.tiktok_ads_campaigns (campaign_id, campaign_name, budget) VALUES ('1', 'a', 1.5), ('1', 'b', 2.5)",
        ])
        let message = try await Self.expectRefusal(dataset, tables: ["tiktok_ads_campaigns"])
        #expect(message.contains("tiktok-ads stopped before writing anything to BigQuery dataset test-proj:\(dataset)"), "\(message)")
        #expect(message.contains("table test-proj:\(dataset).tiktok_ads_campaigns:\n  - key column campaign_id accepts NULL"), "\(message)")
        #expect(message.contains("RENAME TO tiktok_ads_campaigns_old") && message.contains("--bigquery-dataset"), "\(message)")
    }

    @Test func aMissingKeyColumnAndAChangedTypeAreRefusedTogether() async throws {
        let dataset = try await Self.dataset("drift", [
            "CREATE TABLE T.tiktok_ads_campaigns (id STRING NOT NULL, campaign_name STRING, budget STRING)",
            "INSERT INTO T.tiktok_ads_campaigns (id, campaign_name, budget) VALUES ('1', 'a', '1.5')",
        ])
        let message = try await Self.expectRefusal(dataset, tables: ["tiktok_ads_campaigns"])
        #expect(message.contains("key column campaign_id is missing"), "\(message)")
        #expect(message.contains("column budget is STRING; tiktok-ads writes NUMERIC"), "\(message)")
        #expect(!message.contains("DROP COLUMN"), "dropping a column cannot fix a missing key: \(message)")
    }

    @Test func aViewIsRefused() async throws {
        let dataset = try await Self.dataset("view", [
            "CREATE TABLE T.source (campaign_id STRING NOT NULL, campaign_name STRING, budget NUMERIC)",
            "CREATE VIEW T.tiktok_ads_campaigns AS SELECT * FROM T.source",
        ])
        let message = try await Self.expectRefusal(dataset, tables: ["tiktok_ads_campaigns", "source"])
        #expect(message.contains("tiktok_ads_campaigns:\n  - it is a view, not a table"), "\(message)")
    }

    @Test func aForeignColumnIsLeftAloneUnlessItRequiresAValue() async throws {
        let dataset = try await Self.dataset("extra", [
            "CREATE TABLE T.tiktok_ads_campaigns (campaign_id STRING NOT NULL, note STRING, campaign_name STRING, budget NUMERIC)",
            "INSERT INTO T.tiktok_ads_campaigns (campaign_id, note, campaign_name, budget) VALUES ('1', 'mine', 'old', 1.5)",
        ])
        let destination = try BigQueryHarness.destination(dataset: dataset)
        try await destination.prepareWithBookkeeping([Self.campaigns])
        let load = await destination.begin()
        try await load.write(RowBatch(schema: Self.campaigns, rows: [
            [.string("1"), .string("renamed"), .decimal("1.5")], [.string("2"), .string("b"), .decimal("3")],
        ]))
        try await load.commit()
        await destination.close()
        let rows = try await BigQueryHarness.destination(dataset: dataset).select(
            "SELECT campaign_id, note, campaign_name, CAST(budget * 10 AS INT64) FROM `test-proj.\(dataset).tiktok_ads_campaigns` ORDER BY campaign_id")
        #expect(rows == [["1", "mine", "renamed", "15"], ["2", nil, "b", "30"]], "\(rows)")

        let required = try await Self.dataset("required", [
            "CREATE TABLE T.tiktok_ads_campaigns (campaign_id STRING NOT NULL, owner STRING NOT NULL, campaign_name STRING, budget NUMERIC)",
            "INSERT INTO T.tiktok_ads_campaigns (campaign_id, owner, campaign_name, budget) VALUES ('1', 'someone', 'a', 1.5)",
        ])
        let message = try await Self.expectRefusal(required, tables: ["tiktok_ads_campaigns"])
        #expect(message.contains("column owner is not a tiktok-ads column and requires a value"), "\(message)")
    }

    @Test func aMissingColumnIsAddedAndRowsKeepTheirValues() async throws {
        let dataset = try await Self.dataset("missing", [
            "CREATE TABLE T.tiktok_ads_campaigns (campaign_id STRING NOT NULL, campaign_name STRING)",
            "INSERT INTO T.tiktok_ads_campaigns (campaign_id, campaign_name) VALUES ('1', 'a')",
        ])
        let destination = try BigQueryHarness.destination(dataset: dataset)
        try await destination.prepare([Self.campaigns])
        #expect(try await destination.columns(of: "tiktok_ads_campaigns") == ["campaign_id", "campaign_name", "budget"])
        #expect(try await destination.tableResource("tiktok_ads_campaigns")?.fields.last?.mode == "NULLABLE")
        #expect(try await destination.dump(table: "tiktok_ads_campaigns") == ["'1'|'a'|NULL"])
        await destination.close()
    }

    @Test func aStateOfAnotherShapeOrWithAFutureBookmarkIsRefusedBySync() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let settings = try BigQueryHarness.settings(objects: ["ad_insights"], startDaysAgo: 2)
        let tables = ["tiktok_ads_ad_insights", "_tiktok_ads_state", "_tiktok_ads_runs"]

        // Bookmarks kept as text by someone else.
        let foreign = try await Self.dataset("foreignstate", [
            "CREATE TABLE T._tiktok_ads_state (advertiser_id STRING NOT NULL, object STRING NOT NULL, bookmark STRING, synced_at STRING)",
            "INSERT INTO T._tiktok_ads_state VALUES ('1', 'ad_insights', 'garbage', 'now')",
        ])
        let foreignBefore = try await Self.snapshot(foreign, tables)
        let refused = await #expect(throws: SyncError.self) {
            _ = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: foreign), settings: settings)
        }
        #expect(refused?.kind == .badInput)
        #expect(refused?.message.contains("_tiktok_ads_state:\n  - column bookmark is STRING; tiktok-ads writes DATE") == true, "\(String(describing: refused))")
        #expect(try await Self.snapshot(foreign, tables) == foreignBefore)

        // Our state, with a bookmark a year ahead.
        let dataset = BigQueryHarness.newDataset("futurestate")
        let first = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(first.status == .succeeded, "\(first.errors)")
        let advertiser = try #require(simulator.world.grantedAdvertiserIDs.first)
        let editor = try BigQueryHarness.destination(dataset: dataset)
        _ = try await editor.select("""
            UPDATE `test-proj.\(dataset)._tiktok_ads_state` SET bookmark = DATE '2027-03-15' \
            WHERE advertiser_id = '\(advertiser)' AND object = 'ad_insights'
            """)
        let before = try await Self.snapshot(dataset, tables)
        let syncing = try BigQueryHarness.destination(dataset: dataset)
        let future = await #expect(throws: SyncError.self) { _ = try await BigQueryHarness.sync(simulator, into: syncing, settings: settings) }
        #expect(future?.kind == .badInput)
        #expect(future?.message.contains("stream ad_insights@\(advertiser): bookmark 2027-03-15 is after 2026-03-1") == true, "\(String(describing: future))")
        #expect(future?.message.contains("tiktok-ads state reset --object ad_insights --advertiser-id \(advertiser)") == true)
        let jobs = await syncing.jobCounts
        #expect(jobs[.load] == nil && jobs[.merge] == nil && jobs[.state] == nil, "\(jobs)")
        #expect(try await Self.snapshot(dataset, tables) == before)
    }
}
