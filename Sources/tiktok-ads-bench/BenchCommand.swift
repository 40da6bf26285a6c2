import ArgumentParser
import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator
import TestSupport

/// `tiktok-ads-bench`: documented workloads against the in-process simulator, with printed figures. A separate
/// executable so that the shipped `tiktok-ads` links no test fakes (the `sheets` workload uses TestSupport's Sheets fake).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiktok-ads-bench",
        abstract: "Measure sync throughput, request counts, pacing and memory on simulated workloads (use a release build: swift run -c release tiktok-ads-bench).",
        discussion: """
            Workloads:
              sync       ad-level daily backfill into SQLite: rows/s end to end, requests vs the lower bound, peak RSS
                         (--rerun: then the same window again, as a lookback re-reads it)
              budget     the same with latency and a QPS budget: wall time vs requests / budget
              adaptive   the simulator enforces a per-endpoint QPS budget (5, 10, 20, 50) at 50, 100 and 300 ms latency and
                         the tool is told none: requests, rate-limit answers, QPM penalties, and the steady rate after the
                         first 30 s against the budget; one row per case (--qps-levels, --latencies pick cases;
                         --objects the objects)
              simulator  raw simulator serving speed: report rows/s fetched over HTTP, nothing decoded or stored
              bigquery   the sync workload into a BigQuery emulator (BIGQUERY_EMULATOR_HOST, see scripts/bqemulator.sh):
                         rows/s loaded, and jobs per run by kind
              sheets     the sync workload into the in-process Google Sheets API fake, twice (the re-run upserts in
                         place): rows/s and Sheets requests per run
              postgres   the sync workload into a PostgreSQL server (--postgres-url or POSTGRES_TEST_URL, see
                         scripts/postgres.sh), in a schema of its own dropped afterwards: rows/s end to end, peak RSS
            """)

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case sync, budget, adaptive, simulator, bigquery, sheets
        case postgres
    }

    @Option(help: "Adaptive workload: the QPS budgets the simulator enforces (comma-separated; 0 = no limit).")
    var qpsLevels = "5,10,20,50"

    @Option(help: "Adaptive workload: the simulator's latencies, milliseconds (comma-separated).")
    var latencies = "50,100,300"

    @Option(help: "Adaptive workload: also enforce this per-minute budget (below 60 x QPS to test QPM); such a case runs twice on one database: the first run learns the budget from TikTok's penalty, the next starts from the pace it saved.")
    var qpm: Int?

    @Option(help: "Adaptive workload: the objects synced (comma-separated catalog names).")
    var objects = AdaptiveBench.defaultObjects.joined(separator: ",")

    @Option(help: "sync, budget, adaptive, simulator, bigquery, sheets or postgres.")
    var workload: Workload = .sync

    @Option(help: "Simulated advertisers.")
    var advertisers = 50

    @Option(help: "Days of backfill.")
    var days = 90

    @Option(help: "Campaigns per advertiser.")
    var campaigns = 4

    @Option(help: "Ad groups per campaign.")
    var adGroups = 4

    @Option(help: "Ads per ad group.")
    var ads = 5

    @Option(help: "Simulator latency per response, milliseconds.")
    var latencyMs = 0

    @Option(help: "QPS budget (budget workload; also paces the sync workload when set).")
    var qps: Int?

    @Flag(help: "Sync workload: then sync the same window again (every row there already, as in a lookback) and print its rows/s.")
    var rerun = false

    @Option(help: "Streams read at once.")
    var concurrency = 8

    @Option(help: "Simulator workload: fetch only the first N advertisers (the rest exist, to show memory does not grow with scale).")
    var sampleAdvertisers: Int?

    @Option(help: "SQLite file (default: a temporary file, deleted afterwards).")
    var sqlite: String?

    @Option(help: "Postgres workload: the server, postgres://USER:PASSWORD@HOST:PORT/DB (default: POSTGRES_TEST_URL).")
    var postgresUrl: String?

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        var options = SimulatorOptions()
        options.seed = 1
        options.advertisers = advertisers
        options.unauthorizedAdvertisers = 0
        options.campaignsPerAdvertiser = campaigns
        options.adGroupsPerCampaign = adGroups
        options.adsPerAdGroup = ads
        options.historyDays = max(options.historyDays, days + 30)
        options.now = Date(timeIntervalSince1970: 1_773_576_000)  // 2026-03-15 12:00 UTC: fixed, so runs compare
        options.latency = .init(fixedMs: workload == .budget ? max(latencyMs, 100) : latencyMs, jitterMs: 0)
        let simulator = TikTokSimulator(options: options, logger: logger)
        let frozen = options
        let quiet = logger
        switch workload {
        case .simulator:
            try await simulator.withRunningServer { url in try await benchSimulator(url: url, simulator: simulator, options: frozen) }
        case .bigquery:
            try await simulator.withRunningServer { url in try await benchBigQuery(url: url, options: frozen, logger: quiet) }
        case .sheets:
            try await simulator.withRunningServer { url in try await benchSheets(url: url, options: frozen, logger: quiet) }
        case .postgres:
            try await simulator.withRunningServer { url in try await benchPostgres(url: url, options: frozen, logger: quiet) }
        case .adaptive:
            let levels = qpsLevels.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let delays = latencies.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let cases = levels.flatMap { level in
                delays.map { AdaptiveBench.Case(perSecond: level > 0 ? level : nil, perMinute: level > 0 ? qpm : nil, latencyMs: $0) }
            }
            try await AdaptiveBench(advertisers: advertisers, days: days, shape: (campaigns, adGroups, ads), concurrency: concurrency,
                              objects: objects.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }).run(cases)
        case .sync, .budget:
            let budget = workload == .budget ? (qps ?? 20) : qps
            try await simulator.withRunningServer { url in
                try await benchSync(url: url, simulator: simulator, options: frozen, budget: budget, logger: quiet)
            }
        }
    }

    func benchSync(url: URL, simulator: TikTokSimulator, options: SimulatorOptions, budget: Int?, logger: Logger) async throws {
        let path = sqlite ?? FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-bench-\(UUID().uuidString).sqlite").path
        defer {
            if sqlite == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        }
        let destination = try SQLiteDestination(path: path)
        let (job, backfill) = try backfillJob(url: url, options: options, destination: destination, budget: budget, logger: logger)
        let rssBefore = MemoryUsage.peakResidentBytes()
        let clock = ContinuousClock()
        let started = clock.now
        let record = try await job.run()
        let seconds = started.duration(to: clock.now).seconds

        // The fewest requests the API allows: per advertiser and 30-day window, ceil(rows / 1000) pages, at least one.
        var lowerBound = 0
        let counts = try await destination.select("""
            SELECT advertiser_id, stat_time_day, COUNT(*) FROM tiktok_ads_ad_insights GROUP BY advertiser_id, stat_time_day
            """)
        var perWindow: [String: Int] = [:]
        let windows = backfill.chunked(maxDays: 30)
        for row in counts {
            guard let advertiser = row[0], let day = row[1].flatMap({ LocalDate($0) }), let n = row[2].flatMap({ Int($0) }) else { continue }
            let window = windows.firstIndex { day >= $0.start && day <= $0.end } ?? -1
            perWindow["\(advertiser)|\(window)", default: 0] += n
        }
        for advertiser in simulator.world.grantedAdvertiserIDs {
            for index in windows.indices {
                lowerBound += max(1, (perWindow["\(advertiser)|\(index)", default: 0] + 999) / 1000)
            }
        }
        let reportRequests = simulator.requestLog.count(endpoint: "report/integrated/get")
        var rerunLine = ""
        if rerun {
            let rerunStarted = clock.now
            let again = try await job.run()
            let rerunSeconds = rerunStarted.duration(to: clock.now).seconds
            rerunLine = "\nre-run:          \(again.status.rawValue), \(String(format: "%.2f", rerunSeconds)) s, "
                + "\(String(format: "%.0f", Double(again.objects["ad_insights"]?.rows ?? 0) / rerunSeconds)) rows/s (every row there already, none changed)"
        }
        await destination.close()
        let rows = record.objects["ad_insights"]?.rows ?? 0
        print("""
            workload:        \(workload.rawValue): \(advertisers) advertisers x \(campaigns * adGroups * ads) ads x \(days) days, ad-level daily backfill into SQLite
            simulator:       latency \(options.latency.fixedMs) ms\(budget.map { ", client budget \($0) QPS" } ?? ""), concurrency \(concurrency)
            status:          \(record.status.rawValue)
            rows:            \(rows)
            wall time:       \(String(format: "%.2f", seconds)) s
            rows/second:     \(String(format: "%.0f", Double(rows) / seconds))
            report requests: \(reportRequests) (lower bound from page and window limits: \(lowerBound))
            all requests:    \(record.totalRequests) (retries \(record.objects.values.reduce(0) { $0 + $1.retries }))\(rerunLine)
            peak RSS:        \(MemoryUsage.megabytes(MemoryUsage.peakResidentBytes())) MB (before the sync: \(MemoryUsage.megabytes(rssBefore)) MB)
            """)
        let arrivals = simulator.arrivals.total
        print("server arrivals: at most \(arrivals.maxPerSecond) in any second, \(arrivals.maxPerMinute) in any minute; 40100 answers: \(RateLimitKind.allCases.map { "\($0.rawValue) \(arrivals.rateLimited($0))" }.joined(separator: ", "))")
        if let budget {
            let ideal = Double(record.totalRequests) / Double(budget)
            print("budget:          requests / budget = \(String(format: "%.2f", ideal)) s; wall time / that = \(String(format: "%.4f", seconds / ideal))")
        }
    }

    func benchBigQuery(url: URL, options: SimulatorOptions, logger: Logger) async throws {
        guard let emulator = ProcessInfo.processInfo.environment["BIGQUERY_EMULATOR_HOST"], !emulator.isEmpty else {
            throw SyncError(.badInput, "The bigquery workload loads into an emulator: export BIGQUERY_EMULATOR_HOST=\"$(scripts/bqemulator.sh start)\" first.")
        }
        let dataset = "bench_\(UUID().uuidString.prefix(8).lowercased())"
        let destination = try BigQueryDestination(
            configuration: BigQueryConfiguration(project: "bench-proj", dataset: dataset, location: "US", createDatasetIfMissing: true,
                                                 pollInterval: .milliseconds(20)),
            auth: NoGoogleAuthentication(), logger: logger)
        let (job, _) = try backfillJob(url: url, options: options, destination: destination, logger: logger)
        let clock = ContinuousClock()
        let started = clock.now
        let record = try await job.run()
        let seconds = started.duration(to: clock.now).seconds
        let counts = await destination.jobCounts
        let loaded = try await destination.select("SELECT COUNT(*) FROM `bench-proj.\(dataset).tiktok_ads_ad_insights`").first?.first ?? nil
        await destination.close()
        let rows = record.objects["ad_insights"]?.rows ?? 0
        let jobs = BigQueryJobKind.allCases.compactMap { kind in counts[kind].map { "\(kind.rawValue) \($0)" } }.joined(separator: ", ")
        print("""
            workload:        bigquery: \(advertisers) advertisers x \(campaigns * adGroups * ads) ads x \(days) days, ad-level daily backfill into \(emulator)
            status:          \(record.status.rawValue)\(record.errors.isEmpty ? "" : " \(record.errors)")
            rows:            \(rows) written, \(loaded ?? "?") in the table
            wall time:       \(String(format: "%.2f", seconds)) s (API reads, staging, one load + one MERGE)
            rows/second:     \(String(format: "%.0f", Double(rows) / seconds))
            jobs this run:   \(counts.values.reduce(0, +)) (\(jobs))
            """)
    }

    /// The documented workload: an ad-level daily backfill of the last `days` days, as of the simulator's fixed now.
    func backfillJob(url: URL, options: SimulatorOptions, destination: any Destination, budget: Int? = nil,
                     logger: Logger) throws -> (SyncJob, DateWindow) {
        let now = try require(options.now)
        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let backfill = DateWindow(start: today.adding(days: -days), end: today.adding(days: -1))
        let object = try require(Catalog.object(named: "ad_insights"))
        let settings = SyncSettings(objects: [ObjectSelection(object: object)], startDate: backfill.start, backfill: backfill)
        let api = TikTokAPIConfiguration(baseURL: url, accessToken: options.accessToken, appID: options.appId, appSecret: options.secret)
        let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: concurrency,
                          rateBudget: RateBudget(perSecond: budget), logger: logger, now: { now })
        return (job, backfill)
    }

    /// The sync workload into the in-process Google Sheets API fake (Google's default quotas: 60 writes and reads a minute).
    func benchSheets(url: URL, options: SimulatorOptions, logger: Logger) async throws {
        let spreadsheet = "1BenchSheet0123456789abcdefghijklmnopqrstuv"
        let fake = GoogleSheetsFake(options: GoogleSheetsFakeOptions(), logger: logger)
        fake.createSpreadsheet(id: spreadsheet, title: "Bench", tabs: ["Sheet1"])
        try await fake.withRunningServer { sheetsURL in
            let destination = GoogleSheetsDestination(
                configuration: try GoogleSheetsConfiguration(spreadsheet: spreadsheet, apiBaseURL: sheetsURL.absoluteString),
                auth: BenchToken(), logger: logger)
            let (job, _) = try backfillJob(url: url, options: options, destination: destination, logger: logger)
            let clock = ContinuousClock()
            let started = clock.now
            let record = try await job.run()
            let seconds = started.duration(to: clock.now).seconds
            let rerunStarted = clock.now
            let rerun = try await job.run()
            let rerunSeconds = rerunStarted.duration(to: clock.now).seconds
            let counts = await destination.requestCounts
            await destination.close()
            let rows = record.objects["ad_insights"]?.rows ?? 0
            print("""
                workload:        sheets: \(advertisers) advertisers x \(campaigns * adGroups * ads) ads x \(days) days, ad-level daily backfill into the Sheets API fake
                status:          \(record.status.rawValue), re-run \(rerun.status.rawValue)
                rows:            \(rows) (\(fake.totalCells(in: spreadsheet)) cells in the spreadsheet)
                wall time:       \(String(format: "%.2f", seconds)) s first run, \(String(format: "%.2f", rerunSeconds)) s re-run (upsert in place)
                rows/second:     \(String(format: "%.0f", Double(rows) / seconds))
                Sheets requests: \(fake.writeRequestCount) writes, \(fake.readRequestCount) reads over both runs (client: \(counts.writes) writes, \(counts.reads) reads, \(counts.retries) retries)
                """)
        }
    }

    func benchSimulator(url: URL, simulator: TikTokSimulator, options: SimulatorOptions) async throws {
        let advertiserIDs = Array(simulator.world.grantedAdvertiserIDs.prefix(sampleAdvertisers ?? advertisers))
        let now = try require(options.now)
        let end = LocalDate(now, in: TimeZone(identifier: "UTC")!).adding(days: -1)  // UTC always exists
        let start = end.adding(days: -29)
        let metrics = #"["spend","impressions","clicks","ctr","cpc","cpm","reach","frequency","conversion","cost_per_conversion","conversion_rate","result","cost_per_result","result_rate","video_play_actions","video_watched_2s","video_watched_6s","video_views_p25","video_views_p50","video_views_p75","video_views_p100","likes","comments","shares","follows","profile_visits","campaign_id","campaign_name","adgroup_id","adgroup_name"]"#
        let client = TikTokClient(configuration: TikTokAPIConfiguration(baseURL: url, accessToken: options.accessToken),
                                  pacer: RateLimiter(budget: .unlimited, clock: ContinuousClock()), logger: Logger(label: "bench"))
        let clock = ContinuousClock()
        let started = clock.now
        var rows = 0
        var requests = 0
        var bytes = 0
        try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var rows = 0, requests = 0, bytes = 0
                    for advertiser in advertiserIDs.enumerated().filter({ $0.offset % concurrency == worker }).map(\.element) {
                        var page = 1
                        while true {
                            let body = try await client.rawBody("report/integrated/get", query: [
                                ("advertiser_id", advertiser), ("report_type", "BASIC"), ("data_level", "AUCTION_AD"),
                                ("dimensions", #"["ad_id","stat_time_day"]"#), ("metrics", metrics),
                                ("start_date", start.description), ("end_date", end.description), ("page_size", "1000"), ("page", String(page)),
                            ])
                            requests += 1
                            bytes += body.count
                            // Count rows without decoding: each row has one "dimensions" member.
                            rows += ByteSearch.occurrences(of: Array("\"dimensions\"".utf8), in: body)
                            guard let total = ByteSearch.integer(after: Array("\"total_page\":".utf8), in: body), page < total else { break }
                            page += 1
                        }
                    }
                    return (rows, requests, bytes)
                }
            }
            for try await (r, q, b) in group {
                rows += r
                requests += q
                bytes += b
            }
        }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("""
            workload:     simulator: AUCTION_AD daily pages of up to 1000 rows x 30 metrics, 30 days of \(advertiserIDs.count) of \(advertisers) advertisers x \(campaigns * adGroups * ads) ads, \(concurrency) concurrent clients
            rows:         \(rows) in \(requests) requests (\(bytes / 1_000_000) MB)
            wall time:    \(String(format: "%.2f", seconds)) s
            rows/second:  \(String(format: "%.0f", Double(rows) / seconds))
            peak RSS:     \(MemoryUsage.megabytes(MemoryUsage.peakResidentBytes())) MB
            """)
    }
}

/// Scans response bytes without decoding them (so the simulator benchmark measures the server, not a parser).
enum ByteSearch {
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard let first = needle.first, haystack.count >= needle.count else { return 0 }
        var count = 0
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }

    static func integer(after needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) {
            var value = 0
            var cursor = index + needle.count
            while cursor < haystack.count, (48...57).contains(haystack[cursor]) {
                value = value * 10 + Int(haystack[cursor] - 48)
                cursor += 1
            }
            return value
        }
        return nil
    }
}

/// A fixed bearer token for the Sheets fake, which accepts any.
struct BenchToken: GoogleAccessTokenProvider {
    func accessToken() async throws -> String? { "bench-token" }
}

/// The process's memory, from /proc (Linux).
enum MemoryUsage {
    /// Peak resident set size (VmHWM), in bytes; 0 where /proc is unavailable.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}

/// Unwraps a value that a workload's fixed setup guarantees.
func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw ValidationError("missing \(what)") }
    return value
}
