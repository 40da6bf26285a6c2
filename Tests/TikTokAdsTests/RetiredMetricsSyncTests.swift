import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing
@testable import TikTokAds
import TikTokAdsApp
import TikTokSimulator

/// A report metric TikTok refuses (docs/retired-metrics.md): the stream drops it and goes on, its column stays and is
/// NULL in new rows, and the run says so; with `strict_metrics` the stream fails naming it.
@Suite(.serialized)
struct RetiredMetricsSyncTests {
    static let objects = ["campaigns", "ad_insights", "ad_insights_by_country"]

    static func rejecting(_ metrics: [String]) -> SimulatorOptions {
        var options = SyncHarness.simulatorOptions()
        options.rejectMetrics = metrics
        return options
    }

    /// Report requests per advertiser whose `metrics` name `metric`.
    static func requests(naming metric: String, in log: RequestLog) -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in log.entries where entry.endpoint == "report/integrated/get" && (entry.query["metrics"] ?? "").contains("\"\(metric)\"") {
            counts[entry.advertiserID ?? "?", default: 0] += 1
        }
        return counts
    }

    @Test func aRefusedMetricIsDroppedOnceAndTheSyncSucceedsWithItsColumnNull() async throws {
        // 40 days: two 30-day windows per stream, so the second window shows the metric is not asked for again.
        let settings = try SyncHarness.settings(objects: Self.objects, startDaysAgo: 40)
        let reference = SyncHarness.temporaryDatabase()
        let plain = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let referenceRecord = try await plain.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: plain, database: reference, settings: settings)
        }
        #expect(referenceRecord.status == .succeeded)

        let database = SyncHarness.temporaryDatabase()
        let simulator = TikTokSimulator(options: Self.rejecting(["conversion"]))
        let lines = Protected<[String]>([])
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings, log: lines)
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(record.status.exitCode == 0)
        #expect(record.errors.isEmpty)
        let granted = simulator.world.grantedAdvertiserIDs

        for object in ["ad_insights", "ad_insights_by_country"] {
            let table = "tiktok_ads_\(object)"
            // The column is still there, NULL in every row loaded; every other column as without the refusal.
            let schema = try #require(Catalog.object(named: object)).schema()
            let columns = try await SyncHarness.query(database, "SELECT name FROM pragma_table_info('\(table)') ORDER BY cid").map { $0[0]! }
            #expect(columns == schema.columnNames)
            #expect(columns.contains("conversion"))
            let counts = try await SyncHarness.query(database, "SELECT COUNT(*), COUNT(conversion), COUNT(spend) FROM \(table)")[0]
            #expect(Int(counts[0]!)! > 0)
            #expect(counts[1] == "0")
            #expect(counts[2] == counts[0])
            let others = columns.filter { $0 != "conversion" }.map { "\"\($0)\"" }.joined(separator: ", ")
            let loaded = try await SyncHarness.query(database, "SELECT \(others) FROM \(table) ORDER BY \(others)")
            let expected = try await SyncHarness.query(reference, "SELECT \(others) FROM \(table) ORDER BY \(others)")
            #expect(loaded == expected, "\(table): the other columns differ from a sync TikTok answered whole")
            let referenceConversions = try await SyncHarness.query(reference, "SELECT COUNT(conversion) FROM \(table)")[0][0]
            #expect(referenceConversions == counts[0], "the reference run loads conversion")

            // Named per object and advertiser in the record, asked for once per stream (the refused request), never again.
            #expect(record.objects[object]?.droppedMetrics == Dictionary(uniqueKeysWithValues: granted.map { ($0, ["conversion"]) }))
        }
        let asked = Self.requests(naming: "conversion", in: simulator.requestLog)
        #expect(asked == Dictionary(uniqueKeysWithValues: granted.map { ($0, 2) }), "one refused request per stream (2 streams per advertiser)")
        #expect(simulator.requestLog.count(endpoint: "report/integrated/get")
                == plain.requestLog.count(endpoint: "report/integrated/get") + 2 * granted.count)
        #expect(record.objects["campaigns"]?.droppedMetrics == nil)

        // The summary, the log and the run history name them.
        let summary = ConsoleReporter.summary(record)
        for advertiser in granted {
            #expect(summary.contains("dropped metrics ad_insights for advertiser \(advertiser): conversion"), "\(summary)")
            #expect(summary.contains("dropped metrics ad_insights_by_country for advertiser \(advertiser): conversion"), "\(summary)")
            #expect(lines.value.contains { $0.contains("TikTok refused report metrics") && $0.contains("advertiser_id=\(advertiser)")
                && $0.contains("metrics=conversion") && $0.contains("object=ad_insights") }, "\(lines.value)")
        }
        let history = try await SyncHarness.query(database, "SELECT status, objects FROM _tiktok_ads_runs")
        #expect(history.count == 1)
        #expect(history[0][0] == "succeeded")
        let objects = try #require(history[0][1])
        #expect(objects.contains("\"dropped_metrics\":{\"\(granted.sorted()[0])\":[\"conversion\"]"), "\(objects)")
        let runs = try await SQLiteRuns.recent(database)
        #expect(runs.first?.droppedMetrics.count == 2 * granted.count)
    }

    @Test func withStrictMetricsTheStreamFailsNamingTheMetricAndTheOthersComplete() async throws {
        var draft = try SyncHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 5)
        draft.strictMetrics = true
        let settings = draft
        let database = SyncHarness.temporaryDatabase()
        let simulator = TikTokSimulator(options: Self.rejecting(["conversion"]))
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        let granted = simulator.world.grantedAdvertiserIDs
        #expect(record.status == .failed)
        #expect(record.status.exitCode == 1)
        #expect(record.errors.count == granted.count, "\(record.errors)")
        for error in record.errors {
            #expect(error.contains("ad_insights"), "\(error)")
            #expect(error.contains("refuses the metric conversion"), "\(error)")
            #expect(error.contains("strict_metrics"), "\(error)")
        }
        #expect(record.objects["ad_insights"]?.droppedMetrics == nil)
        #expect(record.objects["ad_insights"]?.errors == granted.count)
        // Not asked again without it, nothing loaded for it, and the other streams completed.
        #expect(Self.requests(naming: "conversion", in: simulator.requestLog) == Dictionary(uniqueKeysWithValues: granted.map { ($0, 1) }))
        #expect(simulator.requestLog.count(endpoint: "report/integrated/get") == granted.count)
        let insights = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")
        #expect(insights[0][0] == "0")
        let campaigns = try await SyncHarness.query(database, "SELECT COUNT(DISTINCT advertiser_id) FROM tiktok_ads_campaigns")
        #expect(campaigns[0][0] == "\(granted.count)")
    }

    /// The built binary: exit 0 naming the metric in the summary and in the JSON log; exit 1 with `--strict-metrics`;
    /// `check` lists it.
    @Test func throughTheCommandLine() async throws {
        let simulator = TikTokSimulator(options: Self.rejecting(["conversion"]))
        let granted = simulator.world.grantedAdvertiserIDs
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retired-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let databases = ["text", "json", "strict"].map { directory.appendingPathComponent("\($0).sqlite").path }
        let (text, json, strict, check) = try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            let common = ["--api-base-url", url.absoluteString, "--advertiser-ids", granted.joined(separator: ","),
                          "--objects", "campaigns,ad_insights", "--now", "2026-03-15T12:00:00Z"]
            let text = try await ToolBinary.capture(["sync"] + common + ["--sqlite", databases[0]], environment: environment)
            let json = try await ToolBinary.capture(["sync"] + common + ["--sqlite", databases[1], "--log-format", "json"], environment: environment)
            let strict = try await ToolBinary.capture(["sync"] + common + ["--sqlite", databases[2], "--strict-metrics"], environment: environment)
            let check = try await ToolBinary.capture(["check"] + common, environment: environment)
            return (text, json, strict, check)
        }
        #expect(text.code == 0, "\(text.err)")
        #expect(text.out.contains("status: succeeded"), "\(text.out)")
        for advertiser in granted {
            #expect(text.out.contains("dropped metrics ad_insights for advertiser \(advertiser): conversion"), "\(text.out)")
            #expect(check.out.contains("ad_insights: TikTok refuses the metrics conversion"), "\(check.out)")
        }
        let counts = try await SyncHarness.query(databases[0], "SELECT COUNT(*), COUNT(conversion), COUNT(clicks) FROM tiktok_ads_ad_insights")[0]
        #expect(Int(counts[0]!)! > 0 && counts[1] == "0" && counts[2] == counts[0])

        #expect(json.code == 0, "\(json.err)")
        let logged = json.err.split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        }.filter { ($0["message"] ?? "").hasPrefix("TikTok refused report metrics") }
        #expect(Set(logged.compactMap { $0["advertiser_id"] }) == Set(granted), "\(json.err)")
        #expect(logged.allSatisfy { $0["metrics"] == "conversion" && $0["object"] == "ad_insights" && $0["level"] == "warning" })

        #expect(strict.code == 1, "\(strict.err)")
        #expect(strict.out.contains("status: failed"), "\(strict.out)")
        #expect(strict.out.contains("refuses the metric conversion of ad_insights"), "\(strict.out)")
        #expect(strict.out.contains("strict_metrics"), "\(strict.out)")
        #expect(check.code == 0, "\(check.err)")
    }

    // MARK: The rule, case by case

    static func refusal(_ names: [String]) -> SyncError {
        var error = SyncError(.badRequest, "TikTok rejected the parameters of report/integrated/get (code 40002: …).", apiCode: 40002,
                              advertiserID: "7012")
        error.rejectedMetrics = names
        return error
    }

    static func selection(strict: Bool = false) -> ReportMetricSelection {
        ReportMetricSelection(advertiserID: "7012", object: "ad_insights", requested: ["campaign_name", "spend", "conversion", "clicks"],
                              undroppable: ["ad_id", "stat_time_day", "advertiser_id"], strict: strict)
    }

    @Test func onlyRequestedMetricsAreDroppedAndTheLaterRequestsGoWithoutThem() {
        let selection = Self.selection()
        guard case .retry(let dropped) = selection.decide(Self.refusal(["conversion", "campaign_name", "conversion"])) else {
            Issue.record("not dropped")
            return
        }
        #expect(dropped == ["conversion", "campaign_name"])
        #expect(selection.current == ["spend", "clicks"])
        let query = selection.query([("advertiser_id", "7012"), ("metrics", "[\"campaign_name\",\"spend\",\"conversion\",\"clicks\"]"), ("page", "1")])
        #expect(query.map(\.0) == ["advertiser_id", "metrics", "page"])
        #expect(query[1].1 == "[\"spend\",\"clicks\"]")
        // Named again later (not asked for any more): not this stream's to drop, so it fails as before.
        guard case .fail(let again) = selection.decide(Self.refusal(["conversion"])) else {
            Issue.record("dropped twice")
            return
        }
        #expect(again.kind == .badRequest)
    }

    @Test(arguments: [
        (["ad_id"], "a dimension"), (["spend", "stat_time_day"], "a dimension with a metric"), (["advertiser_id"], "a key"),
        (["reach"], "a metric not asked for"), ([], "no names read"),
    ] as [([String], String)])
    func aRefusalNamingWhatCannotBeDroppedFailsAsBefore(names: [String], _ what: String) {
        let selection = Self.selection()
        guard case .fail(let error) = selection.decide(Self.refusal(names)) else {
            Issue.record("\(what): dropped")
            return
        }
        #expect(error.kind == .badRequest, "\(what)")
        #expect(error.stopsRun, "\(what)")
        #expect(selection.current == selection.requested, "\(what)")
    }

    @Test func strictOrNothingLeftFailsTheStreamNamingTheMetrics() {
        guard case .fail(let strict) = Self.selection(strict: true).decide(Self.refusal(["conversion", "clicks"])) else {
            Issue.record("dropped under strict_metrics")
            return
        }
        #expect(strict.kind == .rejectedMetrics && !strict.stopsRun)
        #expect(strict.message.contains("refuses the metrics conversion, clicks of ad_insights for advertiser 7012"), "\(strict.message)")
        guard case .fail(let all) = Self.selection().decide(Self.refusal(["clicks", "campaign_name", "spend", "conversion"])) else {
            Issue.record("every metric dropped")
            return
        }
        #expect(all.kind == .rejectedMetrics)
        #expect(all.message.contains("clicks, campaign_name, spend, conversion"), "\(all.message)")
    }
}

/// The run history of a SQLite file, as `state show` reads it.
enum SQLiteRuns {
    static func recent(_ database: String) async throws -> [RunRecord] {
        let destination = try SQLiteDestination(path: database)
        do {
            let runs = try await destination.recentRuns(limit: 5)
            await destination.close()
            return runs
        } catch {
            await destination.close()
            throw error
        }
    }
}
