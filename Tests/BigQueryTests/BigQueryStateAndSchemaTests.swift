import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// `state show` / `state reset` on BigQuery, and columns of the wrong type, on the emulator.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQueryStateAndSchemaTests {
    @Test func stateShowAndResetReadAndWriteTheBigQueryState() async throws {
        let simulator = TikTokSimulator(options: BigQueryHarness.simulatorOptions())
        let dataset = BigQueryHarness.newDataset("state")
        let settings = try BigQueryHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 3)
        let record = try await BigQueryHarness.sync(simulator, into: try BigQueryHarness.destination(dataset: dataset), settings: settings)
        #expect(record.status == .succeeded, "\(record.errors)")

        // The destination's own calls, which `state show` / `state reset` use.
        let reader = try BigQueryHarness.destination(dataset: dataset)
        let state = try await reader.loadState()
        let advertisers = Set(state.keys.map(\.advertiserID)).sorted()
        #expect(advertisers.count == 2)
        #expect(Set(state.keys.map(\.object)) == ["campaigns", "ad_insights"])
        #expect(state.count == 4)
        let runs = try await reader.recentRuns(limit: 5)
        #expect(runs.map(\.id) == [record.id])
        #expect(runs.first?.status == .succeeded)
        #expect(try await reader.resetState(advertiserID: advertisers[0], object: "campaigns") == 1)
        #expect(try await reader.loadState().keys.sorted() == state.keys.sorted().filter { $0 != StreamKey(advertiserID: advertisers[0], object: "campaigns") })

        // The binary, with the same destination flags as `sync`.
        try #require(BigQueryToolBinary.exists, "build the tool first: swift build (missing \(BigQueryToolBinary.url.path))")
        let environment = ["BIGQUERY_EMULATOR_HOST": try #require(BigQueryHarness.emulatorURL)]
        let flags = ["--destination", "bigquery", "--bigquery-project", BigQueryHarness.project, "--bigquery-dataset", dataset]
        let show = try await BigQueryToolBinary.capture(["state", "show"] + flags, environment: environment)
        #expect(show.code == 0, "\(show.err)")
        let lines = show.out.split(separator: "\n").map(String.init)
        let insightLines = lines.filter { $0.hasPrefix("ad_insights ") }
        #expect(insightLines.count == 2, "\(show.out)")
        for advertiser in advertisers {
            #expect(insightLines.contains { $0.contains(advertiser) && $0.contains("2026-03-1") }, "\(show.out)")  // local today
        }
        #expect(lines.filter { $0.hasPrefix("campaigns ") }.count == 1, "\(show.out)")
        #expect(show.out.contains("last runs:"))
        #expect(lines.contains { $0.contains("succeeded ") && $0.hasSuffix("rows \(record.totalRows), requests \(record.totalRequests)") }, "\(show.out)")

        let reset = try await BigQueryToolBinary.capture(["state", "reset"] + flags + ["--object", "ad_insights", "--advertiser-id", advertisers[1]],
                                                         environment: environment)
        #expect(reset.code == 0, "\(reset.err)")
        #expect(reset.out.contains("reset 1 stream state(s)"), "\(reset.out)")
        let left = try await reader.loadState()
        #expect(left.count == 2)
        #expect(left.keys.contains(StreamKey(advertiserID: advertisers[0], object: "ad_insights")))
        #expect(left.keys.contains(StreamKey(advertiserID: advertisers[1], object: "campaigns")))

        // The config file chooses the destination as it does for `sync`; a reset of everything empties the state.
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("bq-state-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: config) }
        try """
            destination:
              type: bigquery
              bigquery:
                project: \(BigQueryHarness.project)
                dataset: \(dataset)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let all = try await BigQueryToolBinary.capture(["state", "reset", "--config", config], environment: environment)
        #expect(all.code == 0, "\(all.err)")
        #expect(all.out.contains("reset 2 stream state(s)"), "\(all.out)")
        let empty = try await BigQueryToolBinary.capture(["state", "show", "--config", config], environment: environment)
        #expect(empty.code == 0, "\(empty.err)")
        #expect(!empty.out.contains("ad_insights ") && !empty.out.contains("campaigns "), "\(empty.out)")
        #expect(empty.out.contains("last runs:"))
        #expect(try await reader.loadState().isEmpty)

        // --sqlite still names the SQLite file, and a missing one is still an error that says so.
        let missing = try await BigQueryToolBinary.capture(["state", "show", "--sqlite", "/nonexistent/tiktok-ads.sqlite"], environment: environment)
        #expect(missing.code != 0)
        // (The path is checked before anything opens: its directory does not exist.)
        #expect(missing.err.contains("'/nonexistent/tiktok-ads.sqlite'") && missing.err.contains("does not exist"), "\(missing.err)")
    }

    @Test func aColumnOfAnotherTypeFailsPrepareNamingTableColumnTypesAndWhatToDo() async throws {
        let dataset = BigQueryHarness.newDataset("mismatch")
        let catalog = try #require(Catalog.object(named: "ad_insights")).schema(selecting: ["spend", "clicks"])
        // Someone created the table by hand with spend as STRING.
        var handMade = catalog
        handMade.fields = catalog.fields.map { $0.name == "spend" ? Field("spend", .string, "made by hand") : $0 }
        try await BigQueryHarness.destination(dataset: dataset).prepare([handMade])

        let destination = try BigQueryHarness.destination(dataset: dataset)
        let error = await #expect(throws: SyncError.self) { try await destination.prepare([catalog]) }
        let message = error?.message ?? ""
        #expect(message.contains("table test-proj:\(dataset).tiktok_ads_ad_insights:"), "\(message)")
        #expect(message.contains("column spend is STRING; tiktok-ads writes NUMERIC"), "\(message)")
        #expect(message.contains("DROP COLUMN spend"), "\(message)")
        #expect(message.contains("--fields"), "\(message)")
        #expect(!message.contains("clicks"), "only the mismatched column is named: \(message)")

        // Nothing was changed: the column keeps its type, and no column was added.
        let resource = try #require(try await destination.tableResource("tiktok_ads_ad_insights"))
        let fields = resource.fields
        #expect(fields.first { $0.name == "spend" }.map { BigQueryTypeName($0.type) } == "STRING")
        #expect(fields.count == catalog.fields.count)

        // A sync into it fails the same way, before loading anything.
        let settings = try BigQueryHarness.settings(objects: ["ad_insights"], fields: ["ad_insights": ["spend", "clicks"]], startDaysAgo: 2)
        let syncing = try BigQueryHarness.destination(dataset: dataset)
        let failed = await #expect(throws: SyncError.self) {
            _ = try await BigQueryHarness.sync(TikTokSimulator(options: BigQueryHarness.simulatorOptions()), into: syncing, settings: settings)
        }
        #expect(failed?.message.contains("column spend is STRING; tiktok-ads writes NUMERIC") == true, "\(String(describing: failed))")
        #expect(failed?.kind == .badInput)
        #expect(await syncing.jobCounts[.load] == nil)
        #expect(try await destination.select("SELECT COUNT(*) FROM `test-proj.\(dataset).tiktok_ads_ad_insights`") == [["0"]])
    }
}
