import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// Kills `tiktok-ads sync --destination postgres` with SIGKILL at many points, then lets it finish: the schema must
/// hold what an uninterrupted sync wrote (each page and its checkpoint commit in one transaction; the killed
/// process's advisory lock goes with its connections).
@Suite(PostgresHarness.enabled, .serialized)
struct PostgresCrashRecoveryTests {
    @Test func killedSyncsResumeToTheContentOfAnUninterruptedSync() async throws {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 15, jitterMs: 10)
        let simulator = TikTokSimulator(options: options)
        let reference = PostgresHarness.uniqueSchema(), crashed = PostgresHarness.uniqueSchema()
        let server = try PostgresHarness.serverURL()
        try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            func arguments(_ schema: String) -> [String] {
                ["sync", "--api-base-url", url.absoluteString, "--destination", "postgres", "--postgres-url", server, "--postgres-schema", schema,
                 "--now", "2026-03-15T12:00:00Z", "--objects", "campaigns,ads,ad_insights,ad_insights_hourly,ad_insights_by_country",
                 "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
                 "--concurrency", "3", "--max-attempts", "3", "--quiet",
                 // Every run re-reads the whole range, so each one lasts as long as the reference and every kill lands mid-run.
                 "--lookback-days", "60"]
            }
            let before = simulator.requestLog.totalCount
            #expect(try await ToolBinary.run(arguments(reference), environment: environment) == 0)
            let requestsPerRun = simulator.requestLog.totalCount - before
            #expect(requestsPerRun > 40, "the reference sync should make enough calls to be interrupted at many points")

            // Kill after a growing number of API calls: during the first fetches, mid-run, and late.
            let kills = try await ToolBinary.killMidRun(arguments(crashed), environment: environment, requestsPerRun: requestsPerRun,
                                                        fractions: [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95], requestLog: simulator.requestLog)
            #expect(kills == 8, "every run should have been killed before it finished")
            // The server notices the killed client's closed connections and frees its lock; the next run takes it.
            #expect(try await ToolBinary.run(arguments(crashed), environment: environment) == 0)
        }
        let expected = try await PostgresHarness.dump(reference)
        let actual = try await PostgresHarness.dump(crashed)
        #expect(expected.values.reduce(0) { $0 + $1.count } > 1000)
        #expect(actual == expected)
        let runs = try await PostgresHarness.query("SELECT status, count(*)::text FROM \(crashed)._tiktok_ads_runs GROUP BY status ORDER BY status")
        #expect(runs.first { $0.first == "succeeded" }?.last == "1", "\(runs)")
        #expect(runs.allSatisfy { $0.first != "running" }, "a killed run left marked running: \(runs)")
        try await PostgresHarness.dropSchema(reference)
        try await PostgresHarness.dropSchema(crashed)
    }
}
