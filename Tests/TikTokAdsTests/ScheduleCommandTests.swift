import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// `tiktok-ads schedule` run as a user would: catch-up at start, metrics, the shared lock, SIGTERM.
@Suite(.serialized)
struct ScheduleCommandTests {
    func arguments(_ url: URL, _ database: String, _ simulator: TikTokSimulator, extra: [String] = []) -> [String] {
        ["schedule", "--hourly", SyncHarness.hourlyMinuteFarFromNow(), "--api-base-url", url.absoluteString, "--sqlite", database, "--now", "2026-03-15T12:00:00Z",
         "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
         "--objects", "campaigns,ads,ad_insights,ad_insights_hourly", "--quiet"] + extra
    }

    func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .minutes(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Starts the schedule and returns the child and the metrics base URL it printed.
    func startWithMetrics(_ arguments: [String]) async throws -> (ToolBinary.Child, String) {
        let out = Pipe()
        let child = try ToolBinary.start(arguments + ["--metrics-port", "0"], environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"],
                                         output: out.fileHandleForWriting)
        try out.fileHandleForWriting.close()
        let banner = await ToolBinary.readUntil(out.fileHandleForReading) { $0.contains("/health\n") }
        let match = try #require(banner.firstMatch(of: /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/))
        return (child, String(match.1))
    }

    /// Polls `/metrics` until it shows `needle`. A bound of minutes against a hang, not a speed assertion: a loaded
    /// machine may take long over the scheduled run.
    func waitForMetric(_ base: String, containing needle: String) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: .seconds(600))
        while ContinuousClock.now < deadline {
            let (_, text) = try await get(base + "/metrics")
            if text.contains(needle) { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("metrics never showed \(needle)")
        return ""
    }

    @Test func theFirstStartCatchesUpAndTheMetricsEndpointShowsTheRun() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let (metrics, health, exit) = try await simulator.withRunningServer { url in
            let (child, base) = try await startWithMetrics(arguments(url, database, simulator))
            let metrics = try await waitForMetric(base, containing: "tiktok_ads_runs_total{status=\"succeeded\"} 1")
            let health = try await get(base + "/health")
            kill(child.pid, SIGTERM)
            return (metrics, health, await child.exit.value)
        }
        #expect(exit == 0)
        #expect(health.0 == 200)
        let rows = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")[0][0] ?? "?"
        #expect(metrics.contains("tiktok_ads_rows_total{object=\"ad_insights\"} \(rows)"))
        #expect(metrics.contains("tiktok_ads_last_success_timestamp_seconds "))
        #expect(metrics.contains("tiktok_ads_requests_total{object=\"ads\"} "))
        let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs")
        #expect(runs.map { $0[0] } == ["succeeded"])
    }

    @Test func aTickThatFindsAnotherSyncRunningIsSkipped() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let lock = try #require(try FileLock(path: database + ".lock"))
        let (metrics, exit) = try await simulator.withRunningServer { url in
            let (child, base) = try await startWithMetrics(arguments(url, database, simulator))
            let metrics = try await waitForMetric(base, containing: "tiktok_ads_skipped_ticks_total 1")
            kill(child.pid, SIGTERM)
            return (metrics, await child.exit.value)
        }
        lock.release()
        #expect(exit == 0)
        #expect(!metrics.contains("tiktok_ads_runs_total{status="))
        #expect(simulator.requestLog.count(endpoint: "campaign/get") == 0)
    }

    @Test func aManualSyncRefusesToRunWhileAnotherHoldsTheDatabase() async throws {
        let database = SyncHarness.temporaryDatabase()
        let lock = try #require(try FileLock(path: database + ".lock"))
        defer { lock.release() }
        let result = try await ToolBinary.capture(["sync", "--sqlite", database, "--api-base-url", "http://127.0.0.1:9/open_api/",
                                                   "--advertiser-ids", "1", "--objects", "campaigns"],
                                                  environment: ["TIKTOK_ACCESS_TOKEN": "x"])
        #expect(result.code == 1)
        #expect(result.err.contains("Another sync is writing to sqlite:\(database) (pid \(getpid()))"))
    }

    @Test func sigtermMidSyncKeepsWhatWasCommittedAndExitsZero() async throws {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 20, jitterMs: 5)
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        let reference = SyncHarness.temporaryDatabase()
        let exit = try await simulator.withRunningServer { url in
            let log = simulator.requestLog
            let run = try await ToolBinary.run(arguments(url, database, simulator), environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"],
                                               signal: SIGTERM, requestLog: log) { _ in log.count(endpoint: "report/integrated/get") >= 12 }
            #expect(run.signalled, "the run should still be going when it is stopped")
            let exit = run.exit
            // Finish the job with a manual sync, and make a reference with an uninterrupted one.
            for path in [database, reference] {
                let sync = ["sync", "--api-base-url", url.absoluteString, "--sqlite", path, "--now", "2026-03-15T12:00:00Z",
                            "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
                            "--objects", "campaigns,ads,ad_insights,ad_insights_hourly", "--quiet"]
                #expect(try await ToolBinary.run(sync, environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"]) == 0)
            }
            return exit
        }
        #expect(exit == 0)
        let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs ORDER BY started_at")
        #expect(runs.map { $0[0] } == ["cancelled", "succeeded"])
        #expect(try await SyncHarness.query(database, "PRAGMA integrity_check")[0][0] == "ok")
        #expect(SyncHarness.differences(try await SyncHarness.dump(database), try await SyncHarness.dump(reference)).isEmpty)
    }

    @Test func theScheduleCanComeFromTheConfigFile() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("tiktok-ads.yml").path
        let database = directory.appendingPathComponent("db.sqlite").path
        let (exit, metrics) = try await simulator.withRunningServer { url in
            try """
                api_base_url: \(url.absoluteString)
                advertiser_ids: [\(simulator.world.grantedAdvertiserIDs.map { "\"\($0)\"" }.joined(separator: ", "))]
                objects: [campaigns]
                sqlite: \(database)
                schedule: {hourly: \(SyncHarness.hourlyMinuteFarFromNow()), timezone: Europe/Berlin, metrics_port: 0}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let out = Pipe()
            let child = try ToolBinary.start(["schedule", "--config", config, "--quiet"], environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"],
                                             output: out.fileHandleForWriting)
            try out.fileHandleForWriting.close()
            let banner = await ToolBinary.readUntil(out.fileHandleForReading) { $0.contains("/health\n") }
            let base = try #require(banner.firstMatch(of: /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/)).1
            let metrics = try await waitForMetric(String(base), containing: "tiktok_ads_runs_total{status=\"succeeded\"} 1")
            kill(child.pid, SIGTERM)
            return (await child.exit.value, metrics)
        }
        #expect(exit == 0)
        #expect(metrics.contains("tiktok_ads_rows_total{object=\"campaigns\"}"))
        try "schedule: {cron: \"* * *\"}\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await ToolBinary.run(["schedule", "--config", config], environment: ["TIKTOK_ACCESS_TOKEN": "x"]) == 2)
    }

    @Test(arguments: [
        ["schedule"],
        ["schedule", "--hourly", "61"],
        ["schedule", "--daily", "25:00"],
        ["schedule", "--daily", "05:00", "--hourly", "5"],
        ["schedule", "--cron", "* * *"],
        ["schedule", "--daily", "05:00", "--timezone", "Mars/Olympus"],
    ])
    func badSchedulesAreBadInput(_ arguments: [String]) async throws {
        #expect(try await ToolBinary.run(arguments, environment: ["TIKTOK_ACCESS_TOKEN": "x"]) == 2)
    }
}
