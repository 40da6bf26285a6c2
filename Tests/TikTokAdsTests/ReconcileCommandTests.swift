import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// Reconciliation through the built binary: `sync --reconcile fail` exits 1 only on a difference with no known cause,
/// `tiktok-ads reconcile` checks the loaded data again without loading any (exit 1 while such a difference stays),
/// `status` shows the result, and a wrong mode is bad input.
@Suite(.serialized)
struct ReconcileCommandTests {
    static func arguments(_ url: URL, _ database: String, _ extra: [String]) -> [String] {
        ["--api-base-url", url.absoluteString, "--sqlite", database, "--objects", "ad_insights,campaign_insights",
         "--now", SyncHarness.now.formatted(.iso8601)] + extra
    }

    static func environment(_ simulator: TikTokSimulator) -> [String: String] {
        ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "TIKTOK_APP_ID": simulator.options.appId,
         "TIKTOK_APP_SECRET": simulator.options.secret]
    }

    @Test func rowsLostOnTheWayFailTheRunAndStayFoundUntilReRead() async throws {
        var options = SyncHarness.simulatorOptions()
        options.faults = [FaultRule(kind: .missingRows, calls: [1], endpoint: "report/integrated/get")]
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let env = Self.environment(simulator)
            let synced = try await ToolBinary.capture(["sync", "--reconcile", "fail", "--include-deleted"] + Self.arguments(url, database, []),
                                                      environment: env)
            #expect(synced.code == 1, "\(synced.out) \(synced.err)")
            #expect(synced.out.contains("no known cause"), "\(synced.out)")
            #expect(synced.out.contains("reconciliation:"), "\(synced.out)")

            // On demand: the row is still missing from the destination, so the check still fails; no data is loaded.
            let rowsBefore = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")
            simulator.requestLog.reset()
            let checked = try await ToolBinary.capture(["reconcile", "--include-deleted", "--format", "json"] + Self.arguments(url, database, []),
                                                       environment: env)
            #expect(checked.code == 1, "\(checked.out) \(checked.err)")
            let outcome = try #require(try JSONSerialization.jsonObject(with: Data(checked.out.utf8)) as? [String: Any], "\(checked.out)")
            let differences = try #require(outcome["differences"] as? [[String: Any]])
            #expect(!differences.isEmpty && differences.allSatisfy { $0["cause"] == nil })
            #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights") == rowsBefore)
            let reports = simulator.requestLog.entries.filter { $0.endpoint == "report/integrated/get" }
            #expect(!reports.isEmpty && reports.allSatisfy { $0.query["data_level"] == "AUCTION_ADVERTISER" }, "only the account totals are read")

            let status = try await ToolBinary.capture(["status", "--sqlite", database, "--format", "json", "--now", SyncHarness.now.formatted(.iso8601)])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any], "\(status.out)")
            let reconciliation = try #require(report["reconciliation"] as? [[String: Any]])
            #expect(reconciliation.contains { ($0["unexplained_days"] as? Int ?? 0) > 0 })

            // A backfill over the days re-reads the lost row; the check then passes.
            let reread = try await ToolBinary.capture(["sync", "--reconcile", "fail", "--include-deleted", "--start-date", "2026-02-01"]
                                                      + Self.arguments(url, database, []), environment: env)
            #expect(reread.code == 0, "\(reread.out) \(reread.err)")
            let again = try await ToolBinary.capture(["reconcile", "--include-deleted"] + Self.arguments(url, database, []), environment: env)
            #expect(again.code == 0, "\(again.out) \(again.err)")
            #expect(again.out.contains("every day matches"), "\(again.out)")
        }
    }

    @Test func aReconcileModeThatDoesNotExistIsBadInput() async throws {
        let result = try await ToolBinary.capture(["sync", "--reconcile", "sometimes", "--access-token", "x", "--advertiser-ids", "1"])
        #expect(result.code == 2)
        #expect(result.err.contains("--reconcile 'sometimes'") && result.err.contains("off, warn"), "\(result.err)")
    }
}
