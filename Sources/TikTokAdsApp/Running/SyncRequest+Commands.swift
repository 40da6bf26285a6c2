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

    /// `cleanup`: the retention windows applied now, under the lock, to every report table the destination holds (or
    /// only `--objects`); rows deleted per table. Makes no API call, so needs no credentials; a SQLite file that does
    /// not exist is an error, never created.
    public func cleanup(logger: Logger) async throws -> [String: Int] {
        let file = try loadConfiguration(needsAPI: false)
        try validateFlags()
        let windows = try retentionWindows(file)
        guard !windows.isEmpty else {
            throw SyncError(.badInput, "No retention window is set. Pass --retention-days N, or set retention_days (or retention_days_by_object) in the config.")
        }
        let today = LocalDate(try currentInstant(), in: TimeZone(identifier: "UTC")!)  // UTC always exists
        return try await withDestination(file, locked: true, logger: logger,
                                         missingHint: "Pass --sqlite with the file your syncs write (or --destination bigquery).") { destination in
            try await RetentionCleanup.apply(windows, in: destination, today: today, logger: logger)
        }
    }

    /// Each report object's retention window for `cleanup`: `--objects` or every report object, with `--retention-days`
    /// / `retention_days`, and `retention_days_by_object` over them.
    func retentionWindows(_ file: ToolConfiguration) throws -> [(schema: TableSchema, days: Int)] {
        let chosen = try Self.list(objects).map { try Catalog.resolve($0) }
        for object in chosen ?? [] where !object.isTimeSeries {
            throw SyncError(.badInput, "--objects names '\(object.name)', which has no report dates, so no retention applies to it; name report objects such as ad_insights.")
        }
        let byObject = (file.retentionDaysByObject ?? [:]).reduce(into: [String: Int]()) { result, entry in
            if let object = Catalog.object(named: entry.key) { result[object.name] = entry.value }
        }
        let everyDays = retentionDays ?? file.retentionDays
        return try (chosen ?? Catalog.objects.filter(\.isTimeSeries)).compactMap { object in
            guard let days = byObject[object.name] ?? everyDays else { return nil }
            return (try ObjectSelection(object: object).schema(), days)
        }
    }

    /// `state show`: every stream's state and the last runs (read without the lock).
    public func stateReport(logger: Logger) async throws -> (state: [StreamKey: StreamState], runs: [RunRecord]) {
        try await withDestination(try loadConfiguration(needsAPI: false), locked: false, logger: logger,
                                  missingHint: "Run `tiktok-ads sync` first, or pass --sqlite (or --destination bigquery).") { destination in
            (try await destination.loadState(), try await destination.recentRuns(limit: 5))
        }
    }

    /// `state reset`: forgets the state of the streams in `scope` under the lock; how many were forgotten.
    public func resetState(_ scope: StateResetScope, logger: Logger) async throws -> Int {
        try await withDestination(try loadConfiguration(needsAPI: false), locked: true, logger: logger,
                                  missingHint: "Pass --sqlite with the file your syncs write (or --destination bigquery).") { destination in
            var count = 0
            for advertiser in scope.advertiserIDs.map({ $0.map(Optional.some) }) ?? [nil] {
                for object in scope.objects.map({ $0.map(Optional.some) }) ?? [nil] {
                    count += try await destination.resetState(advertiserID: advertiser, object: object)
                }
            }
            return count
        }
    }

    /// `state reset --pacing`: forgets the pace learned from TikTok's rate limits, under the lock; how many endpoints.
    public func forgetPacing(logger: Logger) async throws -> Int {
        try await withDestination(try loadConfiguration(needsAPI: false), locked: true, logger: logger,
                                  missingHint: "Pass --sqlite with the file your syncs write (or --destination bigquery).") { destination in
            try await PacingStore.reset(in: destination)
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
        case .files: remote = try destination.openFiles(file: file)
        case .postgres: remote = try destination.openPostgres(file: file, logger: logger)
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
                var job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, logger: logger,
                                  progress: progress, now: { now })
                job.reconciliation = .warn
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

/// Which streams `state reset` forgets: nil is every advertiser, or every object. Object names are checked against
/// the catalog (a typo is bad input naming the closest object), and stored under their catalog name.
public struct StateResetScope: Sendable, CustomStringConvertible {
    public var advertiserIDs: [String]?
    public var objects: [String]?

    public init(advertiserIDs: String?, objects: String?) throws {
        if let advertiserIDs {
            guard let ids = SyncRequest.list(advertiserIDs) else {
                throw SyncError(.badInput, "--advertiser-ids is empty; name the advertisers to reset, comma-separated, or leave it out to reset every advertiser.")
            }
            self.advertiserIDs = ids
        }
        if let objects {
            guard let names = SyncRequest.list(objects) else {
                throw SyncError(.badInput, "--objects is empty; name the objects to reset, comma-separated, or leave it out to reset every object.")
            }
            self.objects = try names.map { name in
                guard let object = Catalog.object(named: name) else {
                    throw SyncError(.badInput, ToolConfiguration.unknownObjectMessage(name, setting: "--objects"))
                }
                return object.name
            }
        }
    }

    public var description: String {
        let advertisers = advertiserIDs.map { "advertisers \($0.joined(separator: ", "))" } ?? "every advertiser"
        let objects = objects.map { "objects \($0.joined(separator: ", "))" } ?? "every object"
        return "\(advertisers); \(objects)"
    }
}
