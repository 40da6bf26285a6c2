import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// `sync --plan` writes nothing and predicts the following sync exactly: its request count equals the requests the
/// simulator then receives from the sync, and its row count the rows the sync loads, for a backfill and for an
/// incremental run (lookback window) after it.
@Suite(.serialized)
struct SyncPlanTests {
    static let objects = "advertiser,campaigns,ads,audiences,ad_insights,ad_insights_hourly,ad_insights_by_country"

    static func arguments(_ url: URL, _ database: String, now: Date, _ extra: [String]) -> [String] {
        ["--api-base-url", url.absoluteString, "--sqlite", database, "--objects", objects, "--now", now.formatted(.iso8601)] + extra
    }

    /// Plans, then syncs: the plan (JSON) and the sync's requests as the simulator counted them, and its rows.
    static func planThenSync(_ simulator: TikTokSimulator, _ url: URL, _ database: String, now: Date, _ extra: [String] = [])
        async throws -> (plan: [String: Any], requests: Int, rows: Int) {
        let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "TIKTOK_APP_ID": simulator.options.appId,
                           "TIKTOK_APP_SECRET": simulator.options.secret]
        let existedBefore = FileManager.default.fileExists(atPath: database)
        let planned = try await ToolBinary.capture(["sync", "--plan", "--format", "json"] + arguments(url, database, now: now, extra), environment: environment)
        #expect(planned.code == 0, "\(planned.err)")
        #expect(FileManager.default.fileExists(atPath: database) == existedBefore, "a plan writes nothing")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(planned.out.utf8)) as? [String: Any], "\(planned.out)")
        simulator.requestLog.reset()
        let synced = try await ToolBinary.capture(["sync", "--log-format", "json"] + arguments(url, database, now: now, extra), environment: environment)
        #expect(synced.code == 0, "\(synced.err)")
        let summary = try #require(synced.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["event"] as? String == "summary" })
        return (plan, simulator.requestLog.totalCount, summary["rows"] as? Int ?? -1)
    }

    @Test func aPlanPredictsTheRequestsAndRowsOfTheBackfillAndOfTheIncrementalRunAfterIt() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let backfill = try await Self.planThenSync(simulator, url, database, now: SyncHarness.now,
                                                       ["--start-date", "2026-01-01", "--end-date", "2026-03-10", "--include-deleted"])
            #expect(backfill.plan["requests"] as? Int == backfill.requests)
            #expect(backfill.plan["rows"] as? Int == backfill.rows)
            #expect(backfill.requests > 100, "a backfill of 69 days with an hourly report: many windows")
            // Windows of at most 30 days for daily reports, one day for hourly ones.
            let entries = try #require(backfill.plan["entries"] as? [[String: Any]])
            let hourly = try #require(entries.first { $0["object"] as? String == "ad_insights_hourly" })
            #expect((hourly["windows"] as? [String])?.count == 69)

            // The reconciliation after the streams: one account-total request per advertiser and 30-day window.
            let reconciliation = entries.filter { $0["object"] as? String == "reconciliation" }
            #expect(reconciliation.count == 2 && reconciliation.allSatisfy { $0["requests"] as? Int == 3 }, "\(reconciliation)")
            #expect(backfill.plan["reconciliation_checks_up_to"] as? Int == 0, "include_deleted: no deleted-object check")

            let later = SyncHarness.now.addingTimeInterval(2 * 86_400)
            let incremental = try await Self.planThenSync(simulator, url, database, now: later, ["--include-deleted"])
            #expect(incremental.plan["requests"] as? Int == incremental.requests)
            #expect(incremental.plan["rows"] as? Int == incremental.rows)
            #expect(incremental.requests < backfill.requests)
        }
    }

    /// With `include_deleted` off, the reconciliation asks for deleted objects' rows only where a level's days differ:
    /// the plan gives the bound, and the sync stays within it.
    @Test func aPlanBoundsTheDeletedObjectChecksOfTheReconciliation() async throws {
        var options = SyncHarness.simulatorOptions(advertisers: 3)
        options.unauthorizedAdvertisers = 0
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let run = try await Self.planThenSync(simulator, url, database, now: SyncHarness.now, ["--start-date", "2026-01-01"])
            let planned = try #require(run.plan["requests"] as? Int)
            let upTo = try #require(run.plan["reconciliation_checks_up_to"] as? Int)
            #expect(upTo == 3 * 3, "3 advertisers x 3 windows of ad_insights (74 days)")
            #expect(run.requests > planned, "the simulator deletes ads with spend: some days differ and are checked")
            #expect(run.requests <= planned + upTo)
        }
    }

    /// `--no-probe`: only the advertiser lookups reach TikTok; listings are estimated from the rows the destination
    /// holds (exact when nothing changed), report windows from its rows per day.
    @Test func aPlanWithoutProbesAsksOnlyForTheAdvertisersAndEstimatesFromTheDestination() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "TIKTOK_APP_ID": simulator.options.appId,
                               "TIKTOK_APP_SECRET": simulator.options.secret]
            _ = try await Self.planThenSync(simulator, url, database, now: SyncHarness.now, ["--start-date", "2026-02-01"])
            simulator.requestLog.reset()
            let later = SyncHarness.now.addingTimeInterval(86_400)
            let planned = try await ToolBinary.capture(["sync", "--plan", "--no-probe", "--format", "json"] + Self.arguments(url, database, now: later, []),
                                                       environment: environment)
            #expect(planned.code == 0, "\(planned.err)")
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(planned.out.utf8)) as? [String: Any], "\(planned.out)")
            #expect(plan["estimated"] as? Bool == true)
            #expect(simulator.requestLog.totalCount == plan["lookup_requests"] as? Int, "only the advertiser lookups")
            let entries = try #require(plan["entries"] as? [[String: Any]])
            for entry in entries where entry["object"] as? String == "campaigns" {
                let advertiser = try #require(entry["advertiser_id"] as? String)
                let count = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_campaigns WHERE advertiser_id = '\(advertiser)'")
                #expect(entry["rows"] as? Int == Int(count.first?.first.flatMap { $0 } ?? ""))
                #expect(entry["requests"] as? Int == 1)
            }
            let daily = entries.filter { $0["object"] as? String == "ad_insights" }
            #expect(!daily.isEmpty && daily.allSatisfy { ($0["rows"] as? Int ?? 0) > 0 }, "report windows estimated from the rows per day")
        }
    }

    @Test func theTextPlanNamesTheBudgetAndTheDailyQuota() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let result = try await ToolBinary.capture(["sync", "--plan", "--qps", "5"] + Self.arguments(url, database, now: SyncHarness.now, []),
                                                      environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken,
                                                                    "TIKTOK_APP_ID": simulator.options.appId, "TIKTOK_APP_SECRET": simulator.options.secret])
            #expect(result.code == 0, "\(result.err)")
            #expect(result.out.contains("at 5 requests/s: about"))
            #expect(result.out.contains("reset at 00:00 UTC"))
            #expect(result.out.contains("wrote nothing"))
            #expect(!FileManager.default.fileExists(atPath: database))
        }
    }
}
