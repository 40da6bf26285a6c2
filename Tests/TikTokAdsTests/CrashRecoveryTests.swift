import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// Kills `tiktok-ads sync` with SIGKILL at many points, then lets it finish: the content must equal an uninterrupted sync.
@Suite(.serialized)
struct CrashRecoveryTests {
    @Test func killedSyncsResumeToTheContentOfAnUninterruptedSync() async throws {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 15, jitterMs: 10)
        let simulator = TikTokSimulator(options: options)
        let reference = SyncHarness.temporaryDatabase()
        let crashed = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            func arguments(_ database: String) -> [String] {
                ["sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--now", "2026-03-15T12:00:00Z",
                 "--objects", "campaigns,ads,ad_insights,ad_insights_hourly,ad_insights_by_country",
                 "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
                 "--concurrency", "3", "--max-attempts", "3", "--quiet",
                 // Every run re-reads the whole range, so each one lasts as long as the reference and every kill lands mid-run.
                 "--lookback-days", "60"]
            }
            let before = simulator.requestLog.totalCount
            #expect(try await ToolBinary.run(arguments(reference), environment: environment) == 0)
            let requestsPerRun = simulator.requestLog.totalCount - before
            #expect(requestsPerRun > 40, "the reference sync should make enough calls to be interrupted at many points")

            // Kill after a growing number of API calls: during the first fetches, mid-run (pages are being
            // written), and late (between objects). Every run re-reads everything, so each kill lands mid-run.
            let kills = try await ToolBinary.killMidRun(arguments(crashed), environment: environment, requestsPerRun: requestsPerRun,
                                                        fractions: [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95], requestLog: simulator.requestLog)
            #expect(kills == 8, "every run should have been killed before it finished")
            #expect(try await ToolBinary.run(arguments(crashed), environment: environment) == 0)
        }
        let expected = try await SyncHarness.dump(reference)
        let actual = try await SyncHarness.dump(crashed)
        #expect(expected.values.reduce(0) { $0 + $1.count } > 1000)
        #expect(SyncHarness.differences(expected, actual).isEmpty)
        // The primary keys forbid duplicates; equal sorted dumps mean nothing is missing either.
        #expect(expected.mapValues(\.count) == actual.mapValues(\.count))
    }

    @Test(arguments: [
        ["sync", "--start-date", "2026-13-01"],
        ["sync", "--start-date", "2026-02-01", "--end-date", "2026-01-01"],
        ["sync", "--end-date", "2999-01-01"],
        ["sync", "--objects", "no_such_object"],
        ["sync", "--fields", "ads"],
        ["sync", "--objects", "ads", "--fields", "ads=no_such_field"],
        ["sync", "--config", "/no/such/file.yml"],
        ["discover", "--object", "nope"],
        ["no-such-command"],
    ])
    func badInputExitsWithCode2(_ arguments: [String]) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("db.sqlite").path
        #expect(try await ToolBinary.run(arguments + (arguments.first == "sync" ? ["--sqlite", database] : []),
                                   environment: ["TIKTOK_ACCESS_TOKEN": "secret-token-value"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: database), "bad input must not create a database")
    }

    @Test func aWrongTokenFailsWithAdviceAndNeverPrintsTheToken() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let output = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(["sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", "campaigns",
                                          "--log-format", "json", "--log-level", "debug"],
                                         environment: ["TIKTOK_ACCESS_TOKEN": "wrong-secret-token-123", "TIKTOK_APP_ID": simulator.options.appId,
                                                       "TIKTOK_APP_SECRET": "the-app-secret-456"])
        }
        #expect(output.code == 1)
        #expect(output.err.contains("TIKTOK_ACCESS_TOKEN"))
        // With --log-format json every line on standard error is a JSON object, the final error included.
        for line in output.err.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
        }
        for text in [output.out, output.err] {
            #expect(!text.contains("wrong-secret-token-123"))
            #expect(!text.contains("the-app-secret-456"))
        }
    }
}
