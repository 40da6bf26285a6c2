import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// Every numeric setting is range-checked, from a flag or the config file alike: out of range is exit 2
/// with a message naming the setting, never a crash or arithmetic that wraps.
@Suite(.serialized)
struct SettingRangeTests {
    @Test(arguments: [
        ("lookback_days: -9223372036854775808", "lookback_days"),
        ("lookback_days: 365", "lookback_days"),
        ("request_timeout_seconds: 1e300", "request_timeout_seconds"),
        ("request_timeout_seconds: .nan", "request_timeout_seconds"),
        ("concurrency: 0", "concurrency"),
        ("max_attempts: 9223372036854775807", "max_attempts"),
        ("rate_limit: {qps: -1}", "rate_limit.qps"),
        ("retention_days: 100000000000000000", "retention_days"),
        ("retention_days_by_object: {ad_insights: -5}", "retention_days_by_object.ad_insights"),
        ("start_date: 9999-01-01", "start_date"),
    ])
    func extremeConfigValuesAreBadInputNamingTheKey(line: String, key: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("tiktok-ads.yml").path
        let database = directory.appendingPathComponent("db.sqlite").path
        try "access_token: ${TIKTOK_ACCESS_TOKEN}\nadvertiser_ids: [\"1\"]\n\(line)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await ToolBinary.capture(["sync", "--config", config, "--sqlite", database],
                                                  environment: ["TIKTOK_ACCESS_TOKEN": "range-test-token-value"])
        #expect(result.code == 2, "\(line): \(result.err)")
        #expect(result.err.contains(key), "the message names \(key): \(result.err)")
        #expect(!FileManager.default.fileExists(atPath: database), "bad input must not create a database")
    }

    @Test(arguments: [
        ["--retention-days", "100000000000000000"], ["--lookback-days", "-1"], ["--concurrency", "1000"],
        ["--request-timeout", "1e300"], ["--max-attempts", "0"], ["--qps", "0"],
    ])
    func extremeFlagValuesAreBadInput(_ flags: [String]) async throws {
        let database = SyncHarness.temporaryDatabase()
        let result = try await ToolBinary.capture(["sync", "--sqlite", database] + flags,
                                                  environment: ["TIKTOK_ACCESS_TOKEN": "range-test-token-value"])
        #expect(result.code == 2, "\(flags): \(result.err)")
        #expect(result.err.contains(flags[0]), "\(result.err)")
    }

    /// The retention that once computed a cutoff in the year 579521288 and deleted every row.
    @Test func anOverflowingRetentionKeepsEveryRow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: ["ad_insights"], startDaysAgo: 10)
        try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            let before = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")
            #expect((Int(before.first?.first.flatMap { $0 } ?? "0") ?? 0) > 0)
            for command in ["sync", "cleanup"] {
                let result = try await ToolBinary.capture([
                    command, "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", "ad_insights",
                    "--retention-days", "100000000000000000", "--now", SyncHarness.now.formatted(.iso8601),
                ], environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
                #expect(result.code == 2, "\(command): \(result.err)")
                #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights") == before)
            }
        }
    }

    @Test func dateArithmeticSaturatesInsteadOfOverflowing() {
        let today = LocalDate(year: 2026, month: 12, day: 2)!
        #expect(today.adding(days: Int.min) == .earliest)
        #expect(today.adding(days: -100_000_000_000_000_000) == .earliest)
        #expect(today.adding(days: Int.max) == .latest)
        #expect(today.adding(days: -1).description == "2026-12-01")
    }
}
