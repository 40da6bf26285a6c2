import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// TikTok's daily quota, spent in the middle of a run, through the built binary: the run stops at once with exit 3
/// and a message saying when the quota resets and what is still to do; the windows already loaded keep their rows
/// and bookmarks; the next day's run picks up from there and finishes.
@Suite(.serialized)
struct DailyQuotaTests {
    @Test func aSpentDailyQuotaStopsTheRunKeepingWhatWasLoaded() async throws {
        var options = SyncHarness.simulatorOptions()
        // Four report requests a day: the first advertiser's 81 days (three windows) and the second's first window; the
        // next day needs three (the first's lookback window, the second's remaining two).
        options.rateLimit = .init(endpoints: ["/report/integrated/get/": .init(qpd: 4)])
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        let advertisers = simulator.world.grantedAdvertiserIDs
        let nextDay = SyncHarness.now.addingTimeInterval(86_400)
        // A first run from 80 days ago (start_date, not a backfill: the next run goes on from the bookmarks).
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("quota-\(UUID().uuidString).yml").path
        try "start_date: \(LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!).adding(days: -80))\n".write(toFile: config, atomically: true, encoding: .utf8)
        @Sendable func arguments(now: Date) -> [String] {
            ["sync", "--config", config, "--sqlite", database, "--objects", "campaigns,ad_insights", "--advertiser-ids", advertisers.joined(separator: ","),
             "--concurrency", "1", "--now", now.formatted(.iso8601)]
        }
        let (first, second) = try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            let first = try await ToolBinary.capture(arguments(now: SyncHarness.now) + ["--api-base-url", url.absoluteString], environment: environment)
            #expect(simulator.requestLog.entries.filter { $0.rateLimit == .daily }.count == 1,
                    "the spent quota is not retried in a loop, nor asked again by the reconciliation: \(simulator.requestLog.entries.compactMap(\.rateLimit))")
            simulator.setNow(nextDay)  // 00:00 UTC has passed: the quota is reset
            let second = try await ToolBinary.capture(arguments(now: nextDay) + ["--api-base-url", url.absoluteString], environment: environment)
            return (first, second)
        }
        #expect(first.code == 3, "\(first.out) \(first.err)")
        let firstText = first.out + first.err
        #expect(firstText.contains("00:00 UTC"), "\(firstText)")
        #expect(firstText.contains("Still to do"), "\(firstText)")

        #expect(second.code == 0, "\(second.out) \(second.err) \(simulator.requestLog.entries.filter { $0.endpoint == "report/integrated/get" }.map { "\($0.query["advertiser_id"] ?? "") \($0.query["start_date"] ?? "")..\($0.query["end_date"] ?? "") \($0.rateLimit.map { "\($0)" } ?? "ok")" })")
        let bookmarks = try await HostileAnswerTests.state(database).filter { $0.key.object == "ad_insights" }
        #expect(Set(bookmarks.keys.map(\.advertiserID)) == Set(advertisers), "both advertisers' reports are loaded after the second day")
        let perAdvertiser = try await SyncHarness.query(database, "SELECT advertiser_id, MIN(stat_time_day) FROM tiktok_ads_ad_insights GROUP BY advertiser_id")
        #expect(perAdvertiser.count == advertisers.count, "\(perAdvertiser)")
    }
}
