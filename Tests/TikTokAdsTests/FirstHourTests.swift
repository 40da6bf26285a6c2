import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SyncKit
import TestSupport
import Testing
@testable import TikTokAds
import TikTokAdsApp
import TikTokSimulator

/// A newcomer's first hour: every command does what its help says, shows progress, and explains itself. One test
/// (or more) per stumble found trying the tool as a new user would.
@Suite(.serialized)
struct FirstHourTests {
    static let now = "2026-03-15T12:00:00Z"

    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-first-hour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Syncs `objects` for the granted advertisers into `database` through the command line.
    static func sync(_ simulator: TikTokSimulator, url: URL, database: String, objects: String, extra: [String] = []) async throws
        -> (code: Int32, out: String, err: String) {
        try await ToolBinary.capture(
            ["sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", objects, "--now", now,
             "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ",")] + extra,
            environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
    }

    // MARK: 1. state reset

    @Test func stateResetHonoursObjectsAndRefusesAnUnknownOne() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let synced = try await Self.sync(simulator, url: url, database: database, objects: "campaigns,ads")
            #expect(synced.code == 0, "\(synced.err)")
        }
        let streams = try await HostileAnswerTests.state(database)
        #expect(streams.keys.contains { $0.object == "ads" } && streams.keys.contains { $0.object == "campaigns" })

        let typo = try await ToolBinary.capture(["state", "reset", "--sqlite", database, "--objects", "ad_insight"])
        #expect(typo.code == 2, "\(typo.err)")
        #expect(typo.err.contains("unknown object 'ad_insight'") && typo.err.contains("Did you mean `ad_insights`?"), "\(typo.err)")
        #expect(try await HostileAnswerTests.state(database) == streams, "a refused reset changes nothing")

        let reset = try await ToolBinary.capture(["state", "reset", "--sqlite", database, "--objects", "campaigns"])
        #expect(reset.code == 0, "\(reset.err)")
        let after = try await HostileAnswerTests.state(database)
        #expect(!after.keys.contains { $0.object == "campaigns" }, "campaigns were reset")
        #expect(after.filter { $0.key.object == "ads" } == streams.filter { $0.key.object == "ads" }, "ads were not")
    }

    // MARK: 2. the simulator walkthrough without advertiser ids

    @Test func aSyncWithoutAdvertiserIdsCreatesNothing() async throws {
        let directory = try Self.directory()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(["sync", "--api-base-url", url.absoluteString, "--sqlite", "sim.sqlite"],
                                         environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken], currentDirectory: directory)
        }
        #expect(result.code == 2)
        #expect(result.err.contains("No advertiser ids given") && result.err.contains("TIKTOK_APP_ID"), "\(result.err)")
        let created = try Self.files(in: directory)
        #expect(created.isEmpty, "bad input creates nothing: \(created)")
    }

    // MARK: 3. defaults that can be seen; cleanup of every report table

    @Test func syncHelpNamesTheDefaultObjectsAndDatabase() async throws {
        let help = try await ToolBinary.capture(["sync", "--help"])
        let text = help.out.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(text.contains("Default: \(Catalog.defaultObjectNames.joined(separator: ", "))"), "\(help.out)")
        #expect(text.contains("Default ./tiktok-ads.sqlite"), "\(help.out)")
    }

    @Test func cleanupWithoutObjectsCleansEveryReportTable() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        // Hourly and age-and-gender are not among the default objects: cleanup must still reach them.
        try await simulator.withRunningServer { url in
            let synced = try await Self.sync(simulator, url: url, database: database, objects: "ad_insights_hourly,ad_insights_by_age_gender,campaigns",
                                        extra: ["--start-date", "2026-03-01"])
            #expect(synced.code == 0, "\(synced.err)")
        }
        let before = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights_hourly WHERE stat_time_hour < '2026-03-10'")
        #expect(before != [["0"]])
        let result = try await ToolBinary.capture(["cleanup", "--sqlite", database, "--retention-days", "5", "--now", Self.now])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("tiktok_ads_ad_insights_hourly: deleted") && result.out.contains("tiktok_ads_ad_insights_by_age_gender: deleted"),
                "\(result.out)")
        #expect(!result.out.contains("tiktok_ads_ad_insights:"), "a table that does not exist is not cleaned: \(result.out)")
        #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights_hourly WHERE stat_time_hour < '2026-03-10'") == [["0"]])
        #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights_by_age_gender WHERE stat_time_day < '2026-03-10'") == [["0"]])
    }

    // MARK: 4. the demo's query

    @Test func theDemoQueryNeverSumsAcrossCurrencies() async throws {
        let database = SyncHarness.temporaryDatabase()
        let (record, _) = try await DemoRun.run(sqlite: database, advertisers: 3, days: 5, seed: 42, logger: Logger(label: "test"), progress: { _ in })
        #expect(record.status == .succeeded)
        let rows = try await SyncHarness.query(database, ConsoleReporter.demoQuery)
        let currencies = rows.compactMap { $0.first ?? nil }
        #expect(Set(currencies).count > 1, "the demo accounts bill in several currencies: \(rows)")
        #expect(Dictionary(grouping: currencies, by: { $0 }).values.allSatisfy { $0.count <= 3 })
        #expect(ConsoleReporter.demoNextSteps(sqlite: database, tables: 16).contains(ConsoleReporter.demoQuery))
    }

    // MARK: 5. logs, progress and --quiet

    @Test func aJSONLogHasALinePerStreamStartAndEndAndASummary() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let result = try await simulator.withRunningServer { url in
            try await Self.sync(simulator, url: url, database: database, objects: "campaigns,ad_insights", extra: ["--log-format", "json"])
        }
        #expect(result.code == 0, "\(result.err)")
        let lines = try result.err.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        let streams = simulator.world.grantedAdvertiserIDs.count * 2
        #expect(lines.filter { $0["message"] as? String == "stream started" }.count == streams)
        let finished = lines.filter { $0["message"] as? String == "stream finished" }
        #expect(finished.count == streams)
        #expect(finished.allSatisfy { $0["advertiser_id"] != nil && $0["object"] != nil && $0["rows"] != nil })
        #expect(lines.last?["message"] as? String == "sync finished", "\(lines.last ?? [:])")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], "stdout: \(result.out)")
        #expect(summary["status"] as? String == "succeeded")
        #expect(summary["rows"] as? Int ?? 0 > 0)
        #expect((summary["objects"] as? [String: Any])?["ad_insights"] != nil)
    }

    @Test func textLogsSaySomethingAtDebugAndQuietSaysNothing() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let (debug, quiet) = try await simulator.withRunningServer { url in
            (try await Self.sync(simulator, url: url, database: SyncHarness.temporaryDatabase(), objects: "campaigns", extra: ["--log-level", "debug"]),
             try await Self.sync(simulator, url: url, database: SyncHarness.temporaryDatabase(), objects: "campaigns", extra: ["--quiet"]))
        }
        #expect(debug.code == 0 && quiet.code == 0)
        #expect(debug.err.contains("sync started") && debug.err.contains("stream finished") && debug.err.contains("sync finished"), "\(debug.err)")
        #expect(debug.out.contains("status: succeeded"))
        #expect(quiet.out.isEmpty && quiet.err.isEmpty, "--quiet: nothing but errors; got \(quiet.out) \(quiet.err)")
    }

    /// On a terminal, a status line is redrawn in place while a sync of more than ten seconds goes on: streams,
    /// rows, requests, the rate and the time left, then cleared before the summary.
    @Test func aTerminalShowsALiveStatusLine() async throws {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 500, jitterMs: 0)
        let simulator = TikTokSimulator(options: options)
        let result = try await simulator.withRunningServer { url in
            // 12 days of hourly reports for 2 advertisers, one request at a time: 24 requests of at least 0.5 s.
            try await ToolBinary.underTerminal(
                ["sync", "--api-base-url", url.absoluteString, "--sqlite", SyncHarness.temporaryDatabase(), "--objects", "ad_insights_hourly",
                 "--now", Self.now, "--start-date", "2026-03-04", "--end-date", "2026-03-15", "--concurrency", "1",
                 "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ",")],
                environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(result.code == 0, "\(result.terminal)")
        let frames = result.terminal.components(separatedBy: "\r\u{1B}[K").filter { $0.contains(" streams (") }
        #expect(Set(frames).count >= 5, "the status line should be redrawn as the sync goes: \(frames)")
        #expect(frames.contains { $0.contains("requests/s") && $0.contains("left") }, "\(frames)")
        #expect(frames.contains { $0.hasPrefix("0/2 streams") } && frames.contains { $0.contains(" rows") })
        #expect(result.out.contains("status: succeeded"))
    }

    /// Log lines go above the status line, which is drawn again under them, and the line is cleared at the end
    /// (the end of a pseudo-terminal's output can be lost when the child exits, so this is checked here).
    @Test func logLinesGoAboveTheStatusLineAndTheLineIsClearedAtTheEnd() {
        let written = Protected("")
        let line = TerminalStatusLine { text in written.withLock { $0 += text } }
        line.printAbove("before any status\n")
        line.show("1/2 streams")
        line.printAbove("a log line\n")
        line.show("2/2 streams")
        line.clear()
        line.clear()
        #expect(written.value == "before any status\n" + "\r\u{1B}[K1/2 streams" + "\r\u{1B}[Ka log line\n1/2 streams"
                + "\r\u{1B}[K2/2 streams" + "\r\u{1B}[K")
    }

    @Test func theStatusLineEstimatesTheTimeLeftFromTheSlicesDone() {
        let reporter = ConsoleReporter(mode: .plain, logger: Logger(label: "test"))
        let statistics = RunStatistics()
        reporter.progress(.planned(streams: 4, slices: 10, statistics: statistics))
        #expect(reporter.statusText().hasPrefix("0/4 streams (0 running) · 0 rows · 0 requests"))
        #expect(!reporter.statusText().contains("left"), "no estimate before anything is done")
        let key = StreamKey(advertiserID: "1", object: "ad_insights")
        reporter.progress(.started(key))
        statistics.add(object: "ad_insights", rows: 1500, requests: 3)
        reporter.progress(.sliceLoaded(key))
        reporter.progress(.finished(key, rows: 1500))
        let status = reporter.statusText()
        #expect(status.hasPrefix("1/4 streams (0 running) · 1,500 rows · 3 requests"), "\(status)")
        #expect(status.contains("left"), "\(status)")
    }

    // MARK: 6. commands that only read the destination

    @Test(arguments: [["state", "show"], ["state", "reset"], ["cleanup"], ["check"]])
    func commandsListOnlyTheFlagsTheyUse(_ command: [String]) async throws {
        let help = try await ToolBinary.capture(command + ["--help"])
        #expect(help.code == 0)
        for flag in ["--start-date", "--end-date", "--lookback-days", "--concurrency", "--qps", "--include-deleted"] {
            #expect(!help.out.contains(flag), "\(command.joined(separator: " ")) --help lists \(flag)")
        }
        #expect(help.out.contains("--sqlite") && help.out.contains("--config"))
    }

    @Test func commandsThatNeverCallTikTokNeedNoToken() async throws {
        let directory = try Self.directory()
        let database = directory.appendingPathComponent("data.sqlite").path
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        try await simulator.withRunningServer { url in
            let synced = try await Self.sync(simulator, url: url, database: database, objects: "campaigns")
            #expect(synced.code == 0, "\(synced.err)")
        }
        let config = directory.appendingPathComponent("config.yml").path
        try "access_token: ${TIKTOK_ACCESS_TOKEN}\nsqlite: \(database)\nretention_days: 30\n".write(toFile: config, atomically: true, encoding: .utf8)
        let show = try await ToolBinary.capture(["state", "show", "--config", config])
        #expect(show.code == 0, "\(show.err)")
        #expect(show.out.contains("campaigns"))
        let cleanup = try await ToolBinary.capture(["cleanup", "--config", config, "--now", Self.now])
        #expect(cleanup.code == 0, "\(cleanup.err)")

        let missing = try await ToolBinary.capture(["cleanup", "--sqlite", "missing.sqlite", "--retention-days", "5"], currentDirectory: directory)
        #expect(missing.code == 2)
        #expect(missing.err.contains("No database at missing.sqlite"), "\(missing.err)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing.sqlite.lock").path))
    }

    // MARK: 7. version, error prefix, a busy port

    @Test func versionAndOneErrorPrefix() async throws {
        let version = try await ToolBinary.capture(["--version"])
        #expect(version.code == 0)
        #expect(version.out.trimmingCharacters(in: .whitespacesAndNewlines) == ToolVersion.current)
        let unknown = try await ToolBinary.capture(["sync", "--no-such-flag"])
        #expect(unknown.code == 2)
        #expect(unknown.err.hasPrefix("error: ") && !unknown.err.contains("Error: "), "\(unknown.err)")
        // Shell completion exists and the README says how to install it.
        let completion = try await ToolBinary.capture(["--generate-completion-script", "bash"])
        #expect(completion.code == 0 && completion.out.contains("tiktok-ads"))
        let readme = try String(contentsOf: READMECommandTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("tiktok-ads --generate-completion-script bash"))
    }

    @Test func aBusyPortSaysHowToPickAnother() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(["simulate", "--port", "\(url.port ?? 0)"])
        }
        #expect(result.code == 1)
        #expect(result.err.contains("already in use") && result.err.contains("--port 0"), "\(result.err)")
        #expect(!result.err.contains("errno"), "\(result.err)")
    }

    // MARK: 8. noise

    @Test func aSkippedAdvertiserIsReportedOnceInTheLogAndOnceInTheSummary() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let denied = try #require(simulator.world.unauthorizedAdvertiserIDs.first)
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(
                ["sync", "--api-base-url", url.absoluteString, "--sqlite", SyncHarness.temporaryDatabase(), "--objects", "campaigns",
                 "--now", Self.now, "--advertiser-ids", "\(simulator.world.grantedAdvertiserIDs[0]),\(denied)"],
                environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(result.code == 3, "\(result.err)")
        // The reason names the advertiser too: count the lines that mention it.
        #expect(result.err.split(separator: "\n").filter { $0.contains(denied) }.count == 1, "stderr: \(result.err)")
        #expect(result.out.split(separator: "\n").filter { $0.contains(denied) }.count == 1, "stdout: \(result.out)")
        // The advertiser lookup is requests, not the advertiser object (which was not selected).
        #expect(!result.out.contains("\nadvertiser "), "\(result.out)")
        #expect(result.out.contains("\(TikTokSource.advertiserLookup)"), "\(result.out)")
    }

    @Test func aFirstScheduledRunIsNotACatchUp() async throws {
        let lines = Protected<[String]>([])
        let start = try Date(Self.now, strategy: .iso8601)
        // The clock ends before the next hourly tick: the scheduler stops after its first run.
        let clock = VirtualWallClock(start: start, end: start.addingTimeInterval(60))
        let scheduler = Scheduler(schedule: try .hourly(minute: 30), clock: clock, logger: CapturingLogHandler.logger(lines))
        let runs = Protected(0)
        await #expect(throws: CancellationError.self) {
            try await scheduler.run(lastRunStart: nil) { _ in
                runs.withLock { $0 += 1 }
                return .completed
            }
        }
        #expect(runs.value == 1)
        #expect(lines.value.contains { $0.contains("first run at start") }, "\(lines.value)")
        #expect(!lines.value.contains { $0.contains("missed_ticks") }, "\(lines.value)")
    }

    @Test func theSimulatorStopsWithoutErrorLines() async throws {
        let lines = Protected<[String]>([])
        var logger = CapturingLogHandler.logger(lines)
        logger.logLevel = .info
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(), logger: logger)
        try await simulator.withRunningServer { url in
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString + "v1.3/advertiser/info/"), timeout: .minutes(5))
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        #expect(!lines.value.contains { $0.contains("error") || $0.contains("CancellationError") }, "\(lines.value)")
    }

    // MARK: 9. the default first run is one report window

    @Test func theDefaultFirstRunIsOneReportRequestPerAdvertiser() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 4))
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let synced = try await Self.sync(simulator, url: url, database: database, objects: "ad_insights")
            #expect(synced.code == 0, "\(synced.err)")
        }
        let allReports = simulator.requestLog.entries.filter { $0.endpoint == "report/integrated/get" }
        // The stream's own requests; the reconciliation after it asks for each account's totals (one window too) and,
        // where days differ, for deleted ads' rows.
        let reports = allReports.filter { $0.query["data_level"] == "AUCTION_AD" && $0.query["filtering"] == nil }
        let advertisers = simulator.world.grantedAdvertiserIDs
        #expect(allReports.filter { $0.query["data_level"] == "AUCTION_ADVERTISER" }.count == advertisers.count)
        #expect(Set(simulator.world.advertisers.filter(\.isGranted).map(\.timezone)).count > 1, "the accounts are in several timezones")
        #expect(reports.count == advertisers.count, "\(reports.map { $0.query["start_date"] ?? "" })")
        for entry in reports {
            let start = try #require(entry.query["start_date"].flatMap(LocalDate.init))
            let end = try #require(entry.query["end_date"].flatMap(LocalDate.init))
            #expect(start.adding(days: 29) == end, "30 days, the account's today included: \(start)...\(end)")
        }
    }

    // MARK: 10. a 40002 answer's advice follows the parameter it names

    @Test(arguments: [
        ("app_id: Missing data for required field.", "TIKTOK_APP_ID"),
        ("secret: Invalid value.", "TIKTOK_APP_SECRET"),
        ("advertiser_id: Not a valid integer.", "advertiser_ids"),
        ("start_date: Not a valid date.", "--start-date"),
        ("metrics: Unknown metric conversions.", "tiktok-ads discover"),
        ("Something else entirely.", "report it"),
    ])
    func aBadRequestIsExplainedByTheParameterItNames(message: String, advice: String) {
        let action = ResponseClassifier.classify(code: 40002, message: message, endpoint: "report/integrated/get", advertiserID: "1")
        guard case .fail(let error) = action else {
            Issue.record("40002 must fail: \(action)")
            return
        }
        #expect(error.kind == .badRequest)
        #expect(error.message.contains(advice), "\(error.message)")
    }

    // MARK: 11. every advertiser skipped

    @Test func aRunThatCouldReadNoAdvertiserFails() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let denied = simulator.world.unauthorizedAdvertiserIDs
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(
                ["sync", "--api-base-url", url.absoluteString, "--sqlite", SyncHarness.temporaryDatabase(), "--objects", "campaigns",
                 "--now", Self.now, "--advertiser-ids", denied.joined(separator: ",")],
                environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(result.code == 1, "\(result.out) \(result.err)")
        #expect(result.out.contains("No advertiser could be read"), "\(result.out)")
    }

    // MARK: 12. installing without rebuilding on every run

    /// `scripts/install.sh` puts a built binary on a PATH directory (here the test's own build, so the test does not
    /// pay for a release build), and the installed copy runs.
    @Test func theInstallScriptPutsAWorkingBinaryInPlace() async throws {
        let prefix = try Self.directory()
        let script = READMECommandTests.root.appendingPathComponent("scripts/install.sh").path
        let install = try await READMECommandTests.shell("\(script) --binary \(ToolBinary.url.path) --prefix \(prefix.path)",
                                                         environment: ["PATH": "/usr/bin:/bin", "HOME": prefix.path], in: prefix, stopWhen: nil)
        #expect(install.code == 0, "\(install.output)")
        #expect(install.output.contains("installed \(prefix.path)/bin/tiktok-ads (version \(ToolVersion.current))"), "\(install.output)")
        #expect(install.output.contains("is not on your PATH"), "\(install.output)")
        let installed = try await READMECommandTests.shell("\(prefix.path)/bin/tiktok-ads --version", environment: [:], in: prefix, stopWhen: nil)
        #expect(installed.code == 0 && installed.output.contains(ToolVersion.current))
        let refused = try await READMECommandTests.shell("\(script) --prefixx /tmp", environment: ["PATH": "/usr/bin:/bin"], in: prefix, stopWhen: nil)
        #expect(refused.code == 2 && refused.output.contains("unknown argument '--prefixx'"), "\(refused.output)")
    }
}
