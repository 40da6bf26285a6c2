import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokAds
@testable import TikTokAdsApp
import TikTokSimulator

/// `tiktok-ads singer` and `tiktok-ads airbyte` through the built binary: standard output carries protocol messages
/// only, a wrong token fails as each runner expects, and no secret appears in any message, log or error.
@Suite(.serialized)
struct ProtocolCommandTests {
    static let wrongToken = "wrong-token-7f3a9c2e41"

    static func config(_ values: [String: Any]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-protocol-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: values).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func simulatorConfig(_ url: URL, _ simulator: TikTokSimulator, token: String? = nil, extra: [String: Any] = [:]) throws -> String {
        try config(["access_token": token ?? simulator.options.accessToken, "api_base_url": url.absoluteString,
                    "advertiser_ids": simulator.world.grantedAdvertiserIDs, "objects": ["campaigns", "ad_insights"],
                    "start_date": "2026-03-01"].merging(extra) { $1 })
    }

    /// Every standard output line is a JSON object; their `type`s.
    static func messageTypes(_ out: String) throws -> [String] {
        try out.split(separator: "\n").map { line in
            try #require(try ProtocolMessageTests.parse(String(line))["type"] as? String, "not a protocol message: \(line.prefix(200))")
        }
    }

    static func expectNoSecrets(_ simulator: TikTokSimulator, _ captured: [String: String]) async throws {
        try await SyncHarness.expectNoLeaks(SecretSweep([simulator.options.accessToken, simulator.options.secret, wrongToken]),
                                            database: nil, captured: captured)
    }

    @Test func singerDiscoverOffersOneSelectableStreamPerObject() async throws {
        let result = try await ToolBinary.capture(["singer", "--discover"])
        #expect(result.code == 0, "\(result.err)")
        let catalog = try ProtocolMessageTests.parse(result.out)
        let streams = try #require(catalog["streams"] as? [[String: Any]])
        #expect(streams.count == Catalog.objects.count)
        let insights = try #require(streams.first { $0["stream"] as? String == "tiktok_ads_ad_insights" })
        #expect(insights["key_properties"] as? [String] == ["ad_id", "stat_time_day", "advertiser_id"])
        #expect(insights["replication_key"] as? String == "stat_time_day")
        let metadata = try #require(insights["metadata"] as? [[String: Any]])
        let top = try #require(metadata.first { ($0["breadcrumb"] as? [String])?.isEmpty == true }?["metadata"] as? [String: Any])
        #expect(top["selected"] as? Bool == true && top["inclusion"] as? String == "available")
        let adID = try #require(metadata.first { $0["breadcrumb"] as? [String] == ["properties", "ad_id"] }?["metadata"] as? [String: Any])
        #expect(adID["inclusion"] as? String == "automatic")
        let hourly = try #require(streams.first { $0["stream"] as? String == "tiktok_ads_ad_insights_hourly" }?["metadata"] as? [[String: Any]])
        #expect((hourly.first?["metadata"] as? [String: Any])?["selected"] as? Bool == false, "objects not imported by default are not selected")
    }

    @Test func airbyteSpecMarksSecretsAndDeclaresOnlyConfigKeys() async throws {
        let result = try await ToolBinary.capture(["airbyte", "spec"])
        #expect(result.code == 0)
        #expect(try Self.messageTypes(result.out) == ["SPEC"])
        let spec = try #require(try ProtocolMessageTests.parse(result.out)["spec"] as? [String: Any])
        let properties = try #require((spec["connectionSpecification"] as? [String: Any])?["properties"] as? [String: [String: Any]])
        #expect(properties["access_token"]?["airbyte_secret"] as? Bool == true)
        #expect(properties["app_secret"]?["airbyte_secret"] as? Bool == true)
        #expect(Set(properties.keys) == Set(AirbyteSpecification.keys))
        #expect(Set(properties.keys).isSubset(of: ToolConfiguration.schema.keys), "every key is one the config file accepts")
    }

    @Test func airbyteDiscoverDescribesSyncModesCursorsAndKeys() async throws {
        let path = try Self.config(["access_token": "unused-token-123456", "objects": [["name": "ad_insights", "fields": ["spend"]]]])
        let result = try await ToolBinary.capture(["airbyte", "discover", "--config", path])
        #expect(result.code == 0, "\(result.out) \(result.err)")
        let streams = try #require((try ProtocolMessageTests.parse(result.out)["catalog"] as? [String: Any])?["streams"] as? [[String: Any]])
        let insights = try #require(streams.first { $0["name"] as? String == "tiktok_ads_ad_insights" })
        #expect(insights["supported_sync_modes"] as? [String] == ["full_refresh", "incremental"])
        #expect(insights["source_defined_cursor"] as? Bool == true)
        #expect(insights["default_cursor_field"] as? [String] == ["stat_time_day"])
        #expect(insights["source_defined_primary_key"] as? [[String]] == [["ad_id"], ["stat_time_day"], ["advertiser_id"]])
        let fields = try #require((insights["json_schema"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(fields.keys) == ["ad_id", "stat_time_day", "advertiser_id", "spend"], "the config's fields and the keys")
        let campaigns = try #require(streams.first { $0["name"] as? String == "tiktok_ads_campaigns" })
        #expect(campaigns["supported_sync_modes"] as? [String] == ["full_refresh"])
    }

    @Test func aWrongTokenFailsCheckWithAStatusAndReadsWithATrace() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        try await simulator.withRunningServer { url in
            let good = try Self.simulatorConfig(url, simulator)
            let wrong = try Self.simulatorConfig(url, simulator, token: Self.wrongToken)
            let catalog = try Self.config(["streams": [["stream": ["name": "tiktok_ads_ad_insights", "json_schema": [:], "supported_sync_modes": ["incremental"]],
                                                        "sync_mode": "incremental", "destination_sync_mode": "append_dedup"]]])
            let passed = try await ToolBinary.capture(["airbyte", "check", "--config", good])
            #expect(passed.code == 0 && passed.out.contains(#""status":"SUCCEEDED""#), "\(passed.out) \(passed.err)")
            let check = try await ToolBinary.capture(["airbyte", "check", "--config", wrong])
            #expect(check.code == 0, "a failed check is a status, not a crash")
            #expect(try Self.messageTypes(check.out) == ["CONNECTION_STATUS"])
            #expect(check.out.contains(#""status":"FAILED""#), "\(check.out)")
            let read = try await ToolBinary.capture(["airbyte", "read", "--config", wrong, "--catalog", catalog])
            #expect(read.code == 1)
            #expect(try Self.messageTypes(read.out) == ["TRACE"])
            let error = try #require((try ProtocolMessageTests.parse(read.out)["trace"] as? [String: Any])?["error"] as? [String: Any])
            #expect(error["failure_type"] as? String == "config_error")
            #expect((error["message"] as? String ?? "").contains("token"), "\(error)")
            let singer = try await ToolBinary.capture(["singer", "--config", wrong])
            #expect(singer.code == 1)
            #expect(singer.out.isEmpty, "no message on stdout, the error on stderr: \(singer.out)")
            #expect(singer.err.contains("token"))
            try await Self.expectNoSecrets(simulator, [
                "check ok": passed.out + passed.err, "check": check.out + check.err, "read": read.out + read.err, "singer": singer.out + singer.err,
            ])
        }
    }

    @Test func singerWritesOnlyMessagesToStandardOutputAndLogsToStandardError() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        try await simulator.withRunningServer { url in
            let path = try Self.simulatorConfig(url, simulator)
            let result = try await ToolBinary.capture(["singer", "--config", path])
            #expect(result.code == 0, "\(result.err)")
            let types = try Self.messageTypes(result.out)
            #expect(Array(types.prefix(2)) == ["SCHEMA", "SCHEMA"], "every stream is declared before any record")
            #expect(Set(types) == ["SCHEMA", "RECORD", "STATE"])
            #expect(types.last == "STATE")
            #expect(result.err.contains("sync finished"))
            try await Self.expectNoSecrets(simulator, ["out": result.out, "err": result.err])
        }
    }

    @Test func anAdvertiserTheTokenCannotReadIsSkippedAsSyncSkipsIt() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let denied = try #require(simulator.world.unauthorizedAdvertiserIDs.first)
        try await simulator.withRunningServer { url in
            let path = try Self.simulatorConfig(url, simulator, extra: ["advertiser_ids": simulator.world.grantedAdvertiserIDs + [denied]])
            let singer = try await ToolBinary.capture(["singer", "--config", path])
            #expect(singer.code == 3, "exit 3 as `sync`: the others loaded. \(singer.err)")
            #expect(singer.err.contains("advertiser skipped") && singer.err.contains(denied))
            let types = try Self.messageTypes(singer.out)
            #expect(types.contains("RECORD") && types.last == "STATE")
            #expect(!singer.out.contains(#""\#(denied)""#), "nothing of the skipped advertiser, not even a bookmark")

            let catalog = try Self.config(["streams": [["stream": ["name": "tiktok_ads_ad_insights", "json_schema": [:], "supported_sync_modes": ["incremental"]],
                                                        "sync_mode": "incremental", "destination_sync_mode": "append_dedup"]]])
            let read = try await ToolBinary.capture(["airbyte", "read", "--config", path, "--catalog", catalog])
            #expect(read.code == 1)
            let messages = try read.out.split(separator: "\n").map { try ProtocolMessageTests.parse(String($0)) }
            let statuses = messages.compactMap { (($0["trace"] as? [String: Any])?["stream_status"] as? [String: Any])?["status"] as? String }
            #expect(statuses == ["STARTED", "RUNNING", "INCOMPLETE"])
            #expect(messages.contains { $0["type"] as? String == "STATE" }, "the advertisers that loaded keep their state")
            let error = try #require((messages.last?["trace"] as? [String: Any])?["error"] as? [String: Any])
            #expect(error["failure_type"] as? String == "config_error")
            #expect((error["message"] as? String ?? "").contains(denied))
            try await Self.expectNoSecrets(simulator, ["singer": singer.out + singer.err, "read": read.out + read.err])
        }
    }

    @Test func theRunnersCatalogChoosesStreamsAndFields() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        try await simulator.withRunningServer { url in
            let path = try Self.simulatorConfig(url, simulator)
            let (catalog, extra) = try ProtocolCatalogTests.editedSingerCatalog()
            let singer = try await ToolBinary.capture(["singer", "--config", path, "--catalog", catalog])
            #expect(singer.code == 0, "\(singer.err)")
            let messages = try singer.out.split(separator: "\n").map { try ProtocolMessageTests.parse(String($0)) }
            let schemas = messages.filter { $0["type"] as? String == "SCHEMA" }
            #expect(schemas.map { $0["stream"] as? String } == ["tiktok_ads_ad_insights"], "only the selected stream")
            let properties = try #require((schemas.first?["schema"] as? [String: Any])?["properties"] as? [String: Any])
            #expect(properties[extra] != nil && properties["spend"] == nil && properties["ad_id"] != nil)
            let record = try #require(messages.first { $0["type"] as? String == "RECORD" }?["record"] as? [String: Any])
            #expect(Set(record.keys) == Set(properties.keys))

            let configured = try Self.config(["streams": [["stream": ["name": "tiktok_ads_ad_insights", "json_schema": ["properties": ["clicks": [:]]],
                                                                      "supported_sync_modes": ["incremental"]],
                                                           "sync_mode": "incremental", "destination_sync_mode": "append_dedup"]]])
            let read = try await ToolBinary.capture(["airbyte", "read", "--config", path, "--catalog", configured])
            #expect(read.code == 0, "\(read.err)")
            let data = try read.out.split(separator: "\n").map { try ProtocolMessageTests.parse(String($0)) }
                .compactMap { ($0["record"] as? [String: Any])?["data"] as? [String: Any] }
            #expect(!data.isEmpty)
            #expect(data.allSatisfy { Set($0.keys) == ["ad_id", "stat_time_day", "advertiser_id", "clicks"] }, "the configured fields and the keys")
        }
    }

    @Test func storageSettingsInATapConfigAreRefused() async throws {
        let path = try Self.config(["access_token": "unused-token-123456", "sqlite": "x.sqlite"])
        let result = try await ToolBinary.capture(["singer", "--config", path])
        #expect(result.code == 2)
        #expect(result.err.contains("`sqlite`") && result.err.contains("Singer target"), "\(result.err)")
        let state = try Self.config(["bookmarks": ["tiktok_ads_ad_insights": ["7000": ["bookmark": "yesterday"]]]])
        let bad = try await ToolBinary.capture(["singer", "--config", try Self.config(["access_token": "unused-token-123456"]), "--state", state])
        #expect(bad.code == 2 && bad.err.contains("is not a date"), "\(bad.err)")
    }
}
