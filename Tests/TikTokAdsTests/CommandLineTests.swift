import Foundation
import Logging
import SyncKit
import TikTokAds
import Testing
import TikTokSimulator

/// The commands other than `sync`, run as a user would.
@Suite(.serialized)
struct CommandLineTests {
    @Test func discoverPrintsEveryObjectWithTypesAndKeysAsJSON() async throws {
        let result = try await ToolBinary.capture(["discover", "--format", "json"])
        #expect(result.code == 0)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]])
        let insights = try #require(objects.first { $0["name"] as? String == "ad_insights" })
        #expect(insights["table"] as? String == "tiktok_ads_ad_insights")
        #expect(insights["unique_key"] as? [String] == ["ad_id", "stat_time_day", "advertiser_id"])
        let fields = try #require(insights["fields"] as? [[String: Any]])
        #expect(fields.first { $0["name"] as? String == "spend" }?["type"] as? String == "decimal")
        #expect(fields.first { $0["name"] as? String == "impressions" }?["type"] as? String == "integer")
        #expect(Set(objects.compactMap { $0["table"] as? String }).isSuperset(of: [
            "tiktok_ads_advertiser", "tiktok_ads_campaigns", "tiktok_ads_ad_groups", "tiktok_ads_ads", "tiktok_ads_audiences",
            "tiktok_ads_ad_insights_by_country",
        ]))
    }

    @Test func simulateServesTheAPIUntilStopped() async throws {
        let out = Pipe()
        let child = try ToolBinary.start(["simulate", "--port", "0", "--seed", "3", "--advertisers", "2"], environment: [:],
                                         output: out.fileHandleForWriting)
        try out.fileHandleForWriting.close()
        let banner = await ToolBinary.readUntil(out.fileHandleForReading) { $0.contains("advertisers: ") && $0.hasSuffix("\n") }
        defer { kill(child.pid, SIGTERM) }
        let match = try #require(banner.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+\/open_api\/)/))
        let base = try #require(URL(string: String(match.1)))
        let client = TikTokClient(configuration: TikTokAPIConfiguration(baseURL: base, accessToken: "sim-access-token"),
                                  pacer: RateLimiter(budget: .unlimited, clock: ContinuousClock()), logger: Logger(label: "test"))
        let data = try await client.get("oauth2/advertiser/get", query: [("app_id", "sim-app-id"), ("secret", "sim-app-secret")])
        #expect(data["list"]?.arrayValue?.count == 2)
        kill(child.pid, SIGTERM)
        _ = await child.exit.value
    }

    @Test func checkReportsPermissionsAndExitsThreeForAnUnreachableAdvertiser() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let granted = simulator.world.grantedAdvertiserIDs
        let denied = try #require(simulator.world.unauthorizedAdvertiserIDs.first)
        let (good, partial) = try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            let good = try await ToolBinary.capture(["check", "--api-base-url", url.absoluteString, "--advertiser-ids", granted.joined(separator: ",")],
                                              environment: environment)
            let partial = try await ToolBinary.capture(["check", "--api-base-url", url.absoluteString,
                                                  "--advertiser-ids", (granted + [denied]).joined(separator: ",")], environment: environment)
            return (good, partial)
        }
        #expect(good.code == 0, "\(good.err)")
        #expect(good.out.contains("token: valid"))
        for id in granted { #expect(good.out.contains("advertiser \(id)")) }
        #expect(good.out.components(separatedBy: " ok").count - 1 == granted.count * 5)
        #expect(partial.code == 3)
        #expect(partial.out.contains("advertiser \(denied): unavailable"))
    }

    @Test func configFileReadsSecretsFromTheEnvironmentAndStateAndCleanupWork() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("cfg.sqlite").path
        let config = directory.appendingPathComponent("tiktok-ads.yml").path
        let results = try await simulator.withRunningServer { url in
            try """
                access_token: ${SIM_TOKEN}
                api_base_url: \(url.absoluteString)
                advertiser_ids: [\(simulator.world.grantedAdvertiserIDs.map { "\"\($0)\"" }.joined(separator: ", "))]
                objects:
                  - campaigns
                  - name: advertiser_insights
                    fields: [spend, impressions]
                start_date: 2026-02-20
                sqlite: \(database)
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let missing = try await ToolBinary.capture(["sync", "--config", config, "--now", "2026-03-15T12:00:00Z"])
            let sync = try await ToolBinary.capture(["sync", "--config", config, "--now", "2026-03-15T12:00:00Z"],
                                              environment: ["SIM_TOKEN": simulator.options.accessToken])
            let show = try await ToolBinary.capture(["state", "show", "--sqlite", database])
            let cleanup = try await ToolBinary.capture(["cleanup", "--config", config, "--retention-days", "5", "--now", "2026-03-15T12:00:00Z"],
                                                 environment: ["SIM_TOKEN": simulator.options.accessToken])
            let reset = try await ToolBinary.capture(["state", "reset", "--sqlite", database, "--object", "advertiser_insights"])
            let after = try await ToolBinary.capture(["state", "show", "--sqlite", database])
            return (missing, sync, show, cleanup, reset, after)
        }
        #expect(results.0.code == 2)
        #expect(results.0.err.contains("SIM_TOKEN"))
        #expect(!FileManager.default.fileExists(atPath: database) || results.1.code == 0)
        #expect(results.1.code == 0, "\(results.1.err)")
        #expect(results.1.out.contains("advertiser_insights"))
        #expect(!results.1.out.contains(simulator.options.accessToken))
        #expect(results.2.code == 0)
        #expect(results.2.out.contains("advertiser_insights"))
        #expect(results.2.out.contains("2026-03-1"))  // bookmarks are the advertisers' local today
        #expect(results.3.code == 0, "\(results.3.err)")
        let cutoff = "2026-03-10"
        let remaining = try await SyncHarness.query(database, "SELECT MIN(stat_time_day) FROM tiktok_ads_advertiser_insights")
        #expect((remaining[0][0] ?? "") >= cutoff)
        #expect(results.4.out.contains("reset 2 stream state(s)"))
        #expect(!results.5.out.contains("advertiser_insights"))
        #expect(results.5.out.contains("campaigns"))
    }
}
