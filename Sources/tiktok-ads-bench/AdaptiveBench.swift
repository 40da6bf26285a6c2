import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator

/// The `adaptive` workload: the simulator enforces a per-endpoint budget the tool is not told, at several latencies;
/// the tool's pacer has to find it. One row per case.
struct AdaptiveBench {
    struct Case: CustomStringConvertible {
        var perSecond: Int?
        var perMinute: Int?
        var latencyMs: Int

        var description: String {
            let budget = perSecond.map { "\($0) QPS" } ?? "no limit"
            return budget + (perMinute.map { ", \($0) QPM" } ?? "") + ", \(latencyMs) ms"
        }
    }

    struct Figures {
        var requests: Int
        var rateLimited: Int
        var penalties: Int
        var wallSeconds: Double
        /// Accepted report requests per second after the warm-up.
        var steadyRate: Double?
        var settled: Double?
        /// The most arrivals at the report endpoint in any sliding minute (refused ones too).
        var reportMaxPerMinute: Int
        var status: RunStatus
    }

    var advertisers: Int
    var days: Int
    /// Campaigns per advertiser, ad groups per campaign, ads per ad group.
    var shape: (campaigns: Int, adGroups: Int, ads: Int)
    var concurrency: Int
    /// The catalog objects synced.
    var objects: [String] = Self.defaultObjects
    static let defaultObjects = ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country"]
    /// The start of a run left out of the steady figures (the pacer is still learning).
    var warmUp: Double = 30

    /// Each case runs on a database of its own. A case with a per-minute budget runs twice on it: the first run can only
    /// learn that budget from TikTok's penalty (nothing tells it before), and the second starts from the pace the first
    /// saved (`_tiktok_ads_pacing`), as a scheduled sync does the next day.
    func run(_ cases: [Case]) async throws {
        print("workload: adaptive: \(advertisers) advertisers x \(shape.campaigns * shape.adGroups * shape.ads) ads x \(days) days, objects \(objects.joined(separator: ", ")) into SQLite;")
        print("          the simulator enforces the budget per endpoint, the tool is given none; at most \(concurrency) requests in flight; steady = after the first \(Int(warmUp)) s")
        print("")
        print("| budget | latency | requests | rate-limited | QPM penalties | most report arrivals in a minute | wall | steady rate (report endpoint) | steady wall / (requests / budget) | settled pace | status |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for benchCase in cases {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-adaptive-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let runs = benchCase.perMinute == nil || benchCase.perSecond == nil ? [""] : [" (first run)", " (next run, from the saved pace)"]
            for label in runs {
                let figures = try await measure(benchCase, database: path)
                print(row(benchCase, figures, label: label))
            }
        }
    }

    private func row(_ benchCase: Case, _ figures: Figures, label: String) -> String {
        let budget = (benchCase.perSecond.map { "\($0) QPS" + (benchCase.perMinute.map { ", \($0) QPM" } ?? "") } ?? "none") + label
        let ratio: String
        if let perSecond = benchCase.perSecond, let steady = figures.steadyRate {
            let ceiling = min(Double(perSecond), benchCase.perMinute.map { Double($0) / 60 } ?? .infinity)
            ratio = String(format: "%.2f×", ceiling / steady)
        } else if benchCase.perSecond == nil {
            let ideal = Double(figures.requests) * Double(benchCase.latencyMs) / 1000 / Double(concurrency)
            ratio = String(format: "%.2f× of requests × latency / concurrency", figures.wallSeconds / ideal)
        } else {
            ratio = "run shorter than the warm-up"
        }
        let share = String(format: "%.1f%%", 100 * Double(figures.rateLimited) / Double(max(1, figures.requests)))
        let wall = String(format: "%.1f s", figures.wallSeconds)
        let steady = figures.steadyRate.map { String(format: "%.1f/s", $0) } ?? "–"
        let settled = figures.settled.map { String(format: "%.1f/s", $0) } ?? "unpaced"
        let cells: [String] = [budget, "\(benchCase.latencyMs) ms", "\(figures.requests)", "\(figures.rateLimited) (\(share))",
                               "\(figures.penalties)", "\(figures.reportMaxPerMinute)", wall, steady, ratio, settled, figures.status.rawValue]
        return "| " + cells.joined(separator: " | ") + " |"
    }

    /// One sync of the case into the SQLite database at `path` (created if missing), against a simulator of its own.
    func measure(_ benchCase: Case, database path: String) async throws -> Figures {
        let logger = { () -> Logger in
            var quiet = Logger(label: "bench")
            quiet.logLevel = .critical
            return quiet
        }()
        var options = SimulatorOptions()
        options.seed = 1
        options.advertisers = advertisers
        options.unauthorizedAdvertisers = 0
        options.campaignsPerAdvertiser = shape.campaigns
        options.adGroupsPerCampaign = shape.adGroups
        options.adsPerAdGroup = shape.ads
        options.historyDays = max(options.historyDays, days + 30)
        options.now = Date(timeIntervalSince1970: 1_773_576_000)
        options.latency = .init(fixedMs: benchCase.latencyMs, jitterMs: 0)
        options.rateLimit = .init(qps: benchCase.perSecond, qpm: benchCase.perMinute)
        let simulator = TikTokSimulator(options: options, logger: logger)
        let frozen = options
        return try await simulator.withRunningServer { url in
            let destination = try SQLiteDestination(path: path)
            let now = try require(frozen.now)
            let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
            let backfill = DateWindow(start: today.adding(days: -days), end: today.adding(days: -1))
            let objects = try objects.map { try ObjectSelection(object: require(Catalog.object(named: $0), $0)) }
            let settings = SyncSettings(objects: objects, startDate: backfill.start, backfill: backfill)
            let api = TikTokAPIConfiguration(baseURL: url, accessToken: frozen.accessToken, appID: frozen.appId, appSecret: frozen.secret)
            let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: concurrency, logger: logger, now: { now })
            let clock = ContinuousClock()
            let started = clock.now
            let record = try await job.run()
            let wall = started.duration(to: clock.now).seconds
            await destination.close()

            let entries = simulator.requestLog.entries
            let rateLimited = entries.filter { $0.code == 40100 }.count
            // Accepted report requests by arrival (seconds on the simulator's clock), after the warm-up.
            let reports = entries.filter { $0.endpoint == "report/integrated/get" && $0.code == 0 }.compactMap(\.arrivalSeconds).sorted()
            var steady: Double?
            if let first = entries.compactMap(\.arrivalSeconds).min(), let last = reports.last {
                let from = first + warmUp
                let counted = reports.filter { $0 >= from }
                if counted.count > 1, last - from > 1 { steady = Double(counted.count) / (last - from) }
            }
            let settled = record.pacing.first { $0.endpoint == "report/integrated/get" }?.requestsPerSecond
            return Figures(requests: entries.count, rateLimited: rateLimited, penalties: simulator.arrivals.total.qpmPenalties,
                           wallSeconds: wall, steadyRate: steady, settled: settled,
                           reportMaxPerMinute: simulator.arrivals.endpoint("report/integrated/get").maxPerMinute, status: record.status)
        }
    }
}
