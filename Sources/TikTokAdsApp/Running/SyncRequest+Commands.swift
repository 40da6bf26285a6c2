import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator

/// What each command does, as one library function the command line calls after parsing.
extension SyncRequest {
    /// `sync`: the whole job under the destination's lock; SIGTERM or SIGINT cancel it (it commits the page being
    /// written and records itself as cancelled).
    public func sync(logger: Logger, progress: @escaping @Sendable (SyncProgress) -> Void) async throws -> RunRecord {
        let file = try loadConfiguration()
        return try await withJob(file, access: .locked, logger: logger) { prepared in
            var job = prepared
            job.progress = progress
            return try await SignalCancellation.run { [job] in try await job.run() }
        }
    }

    /// `cleanup`: the retention window applied now, under the lock; rows deleted per table.
    public func cleanup(logger: Logger) async throws -> [String: Int] {
        let file = try loadConfiguration()
        var environment = ProcessInfo.processInfo.environment
        // Cleanup makes no API call: a token is not needed.
        environment["TIKTOK_ACCESS_TOKEN"] = environment["TIKTOK_ACCESS_TOKEN"] ?? "unused-by-cleanup"
        return try await withJob(file, access: .locked, logger: logger, environment: environment, needsAdvertisers: false) { job in
            guard !job.retentionDays.isEmpty else {
                throw SyncError(.badInput, "No retention window is set. Pass --retention-days N or set retention_days in the config.")
            }
            return try await job.applyRetention(today: LocalDate(job.now(), in: TimeZone(identifier: "UTC")!))  // UTC always exists
        }
    }

    /// `state show`: every stream's state and the last runs (read without the lock).
    public func stateReport(logger: Logger) async throws -> (state: [StreamKey: StreamState], runs: [RunRecord]) {
        try await withDestination(try loadConfiguration(), locked: false, logger: logger,
                                  missingHint: "Run `tiktok-ads sync` first, or pass --sqlite (or --destination bigquery).") { destination in
            (try await destination.loadState(), try await destination.recentRuns(limit: 5))
        }
    }

    /// `state reset`: forgets the matching streams' state under the lock; how many were forgotten.
    public func resetState(advertiserID: String?, object: String?, logger: Logger) async throws -> Int {
        try await withDestination(try loadConfiguration(), locked: true, logger: logger,
                                  missingHint: "Pass --sqlite with the file your syncs write (or --destination bigquery).") { destination in
            try await destination.resetState(advertiserID: advertiserID, object: object)
        }
    }

    /// `check`: the token, the advertisers it reaches and what each permits; then whether the chosen remote
    /// destination is writable (its display name, nil for SQLite). Writes no rows.
    public func check(logger: Logger) async throws -> (access: AccessReport, writableDestination: String?) {
        let file = try loadConfiguration()
        let report = try await withJob(file, access: .none, logger: logger) { job in
            let client = TikTokClient(configuration: job.api, pacer: RateLimiter(budget: job.rateBudget, clock: ContinuousClock()), logger: logger)
            return try await AccessCheck(source: TikTokSource(client: client, settings: job.settings, logger: logger)).run()
        }
        let remote: (any WritabilityChecking)?
        switch destination.kind(file) {
        case .sqlite: remote = nil
        case .bigquery: remote = try destination.openBigQuery(file: file, logger: logger)
        case .sheets: remote = try destination.openSheets(file: file, logger: logger)
        }
        guard let remote else { return (report, nil) }
        do {
            try await remote.checkWritable()
        } catch {
            await remote.close()
            throw error
        }
        await remote.close()
        return (report, remote.displayName)
    }
}

/// `demo`: the built-in simulator in-process and a sync of every object into a local SQLite file.
public enum DemoRun {
    public static func run(sqlite: String, advertisers: Int, days: Int, seed: UInt64, logger: Logger,
                           progress: @escaping @Sendable (SyncProgress) -> Void) async throws -> (record: RunRecord, tables: [String]) {
        var simulatorOptions = SimulatorOptions()
        simulatorOptions.seed = seed
        simulatorOptions.advertisers = advertisers
        simulatorOptions.unauthorizedAdvertisers = 0
        var simulatorLogger = logger
        simulatorLogger.logLevel = .critical  // the in-process server's own lifecycle messages are noise here
        let simulator = TikTokSimulator(options: simulatorOptions, logger: simulatorLogger)
        let credentials = simulatorOptions
        let destination = try SQLiteDestination(path: sqlite)
        let now = Date()
        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        do {
            let record = try await simulator.withRunningServer { baseURL in
                let api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: credentials.accessToken,
                                                 appID: credentials.appId, appSecret: credentials.secret)
                let settings = SyncSettings(objects: Catalog.objects.map { ObjectSelection(object: $0) }, startDate: today.adding(days: -days))
                let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, logger: logger,
                                  progress: progress, now: { now })
                return try await job.run()
            }
            let tables = try await destination.tables()
            await destination.close()
            return (record, tables)
        } catch {
            await destination.close()
            throw error
        }
    }
}

extension AccessReport {
    /// Whether an advertiser is unavailable, an object not permitted, or a selected metric refused where
    /// `strict_metrics` would fail its stream (`check` exits 3 then). Without strict_metrics a refused metric is only
    /// reported: the sync drops it and succeeds.
    public var hasProblems: Bool {
        !unavailable.isEmpty || permissions.contains { $0.results.contains { $0.problem != nil } }
            || strictMetrics && !rejectedMetrics.isEmpty
    }
}
