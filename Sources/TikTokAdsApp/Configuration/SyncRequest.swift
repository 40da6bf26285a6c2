import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// What the command line asks of a sync (every flag, unset when not given), and how it becomes a job: flags over
/// the config file over the environment over defaults, every value range-checked wherever it came from.
public struct SyncRequest: Sendable {
    /// Streams read at once, so at most this many requests in flight: enough to fill a 50-requests-per-second budget
    /// at 300 ms of latency; the adaptive pacer, not this bound, keeps the pace.
    public static let defaultConcurrency = 16

    public var configPath: String?
    public var apiBaseURL: String?
    public var accessToken: String?
    /// Comma-separated, as typed.
    public var advertiserIDs: String?
    public var objects: String?
    /// `OBJECT=field1,field2` entries.
    public var fields: [String] = []
    public var sqlite: String?
    public var startDate: String?
    public var endDate: String?
    public var lookbackDays: Int?
    public var includeDeleted = false
    public var concurrency: Int?
    public var qps: Int?
    public var qpm: Int?
    public var requestTimeout: Double?
    public var maxAttempts: Int?
    public var retentionDays: Int?
    /// ISO 8601 instant the run treats as now (reproducible runs and tests).
    public var now: String?
    public var destination = DestinationChoice()

    public init() {}

    /// The instant the run treats as now (`--now`), else the clock.
    public func currentInstant() throws -> Date {
        guard let now else { return Date() }
        guard let date = try? Date(now, strategy: .iso8601) else {
            throw SyncError(.badInput, "--now '\(now)' is not an ISO 8601 time such as 2026-01-31T12:00:00Z.")
        }
        return date
    }

    /// Checks the flags alone (before any file is read or anything opens); config values are checked in `makeJob`.
    public func validateFlags() throws {
        let start = try startDate.map { try Self.parseDate($0, flag: "--start-date") }
        let end = try endDate.map { try Self.parseDate($0, flag: "--end-date") }
        let latestToday = LocalDate(try currentInstant(), in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
        if let start, start > latestToday {
            throw SyncError(.badInput, "--start-date \(start) is in the future; the latest date with data anywhere is \(latestToday).")
        }
        if let end, end > latestToday {
            throw SyncError(.badInput, "--end-date \(end) is in the future; use a date up to \(latestToday).")
        }
        if let start, let end, end < start {
            throw SyncError(.badInput, "--end-date \(end) is before --start-date \(start).")
        }
        _ = try SettingLimits.resolve(flag: lookbackDays, file: nil, flagName: "--lookback-days", key: "lookback_days", range: SettingLimits.lookbackDays)
        _ = try SettingLimits.resolve(flag: concurrency, file: nil, flagName: "--concurrency", key: "concurrency", range: SettingLimits.concurrency)
        _ = try SettingLimits.resolve(flag: qps, file: nil, flagName: "--qps", key: "rate_limit.qps", range: SettingLimits.requestsPerSecond)
        _ = try SettingLimits.resolve(flag: qpm, file: nil, flagName: "--qpm", key: "rate_limit.qpm", range: SettingLimits.requestsPerMinute)
        _ = try SettingLimits.resolve(flag: maxAttempts, file: nil, flagName: "--max-attempts", key: "max_attempts", range: SettingLimits.maxAttempts)
        _ = try SettingLimits.resolve(flag: retentionDays, file: nil, flagName: "--retention-days", key: "retention_days", range: SettingLimits.retentionDays)
        _ = try SettingLimits.resolveSeconds(flag: requestTimeout, file: nil, flagName: "--request-timeout", key: "request_timeout_seconds",
                                             range: SettingLimits.requestTimeoutSeconds)
        for entry in fields where !entry.contains("=") {
            throw SyncError(.badInput, "--fields '\(entry)' must look like OBJECT=field1,field2.")
        }
    }

    static func parseDate(_ text: String, flag: String) throws -> LocalDate {
        guard text.utf8.count == 10, let date = LocalDate(text) else {
            throw SyncError(.badInput, "\(flag) '\(text)' is not a date; use YYYY-MM-DD, e.g. 2026-01-31.")
        }
        return date
    }

    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    /// The config file named by `--config`, or an empty one.
    public func loadConfiguration() throws -> ToolConfiguration {
        guard let configPath else { return ToolConfiguration() }
        return try ToolConfiguration.load(path: configPath)
    }

    /// The SQLite path: flag, config, or the default file in the working directory.
    public func sqlitePath(_ file: ToolConfiguration) -> String { sqlite ?? file.sqlite ?? "tiktok-ads.sqlite" }

    /// Opens the destination chosen by `--destination` / `destination.type` (SQLite by default).
    public func openDestination(_ file: ToolConfiguration, logger: Logger) throws -> any Destination {
        try destination.open(file: file, sqlitePath: sqlitePath(file), logger: logger)
    }

    /// The lock of the SQLite database these flags choose, keyed on the file's identity (refusing a file with extra
    /// hard links); nil for other destinations, whose lock is keyed on their name once opened.
    public func sqliteLock(_ file: ToolConfiguration) throws -> SyncLock? {
        guard destination.kind(file) == .sqlite else { return nil }
        let path = sqlitePath(file)
        return try SyncLock.database(at: path, displayName: SQLiteDestination.displayName(path: path))
    }

    /// Opens the destination holding its `SyncLock`, shared by every command that writes it (`sync`, `schedule`,
    /// `cleanup`, `state reset`). A SQLite file is locked before it is opened, so a refused command writes nothing;
    /// other destinations write nothing on open. Throws, naming the holder, when another process has the lock.
    public func openLocked(_ file: ToolConfiguration, logger: Logger) async throws -> OpenedDestination {
        if let sqlite = try sqliteLock(file) {
            let lock = try sqlite.acquire()
            do {
                return OpenedDestination(destination: try openDestination(file, logger: logger), lock: lock)
            } catch {
                lock.release()
                throw error
            }
        }
        let opened = try openDestination(file, logger: logger)
        do {
            return OpenedDestination(destination: opened, lock: try SyncLock.named(opened.displayName).acquire())
        } catch {
            await opened.close()
            throw error
        }
    }

    /// Everything a sync needs, from flags over the config file over the environment over defaults;
    /// `destination` is opened only once everything else is valid.
    public func makeJob(file: ToolConfiguration, destination: () async throws -> any Destination, logger: Logger,
                        environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> SyncJob {
        let now = try currentInstant()
        guard let token = accessToken ?? file.accessToken ?? environment["TIKTOK_ACCESS_TOKEN"], !token.isEmpty else {
            throw SyncError(.badInput, "No access token. Set TIKTOK_ACCESS_TOKEN (or access_token in the config file) to your TikTok Business API long-term access token.")
        }
        let baseText = apiBaseURL ?? file.apiBaseURL ?? environment["TIKTOK_API_BASE_URL"]
        var baseURL = TikTokAPIConfiguration.productionBaseURL
        if let baseText {
            guard let url = URL(string: baseText), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw SyncError(.badInput, "api_base_url '\(baseText)' is not an http(s) URL; use e.g. https://business-api.tiktok.com/open_api/.")
            }
            baseURL = url
        }
        var policy = RetryPolicy()
        if let attempts = try SettingLimits.resolve(flag: maxAttempts, file: file.maxAttempts, flagName: "--max-attempts",
                                                    key: "max_attempts", range: SettingLimits.maxAttempts) {
            policy.maxAttempts = attempts
        }
        let timeoutSeconds = try SettingLimits.resolveSeconds(flag: requestTimeout, file: file.requestTimeoutSeconds, flagName: "--request-timeout",
                                                              key: "request_timeout_seconds", range: SettingLimits.requestTimeoutSeconds) ?? 120
        let api = TikTokAPIConfiguration(
            baseURL: baseURL, accessToken: token,
            appID: file.appID ?? environment["TIKTOK_APP_ID"], appSecret: file.appSecret ?? environment["TIKTOK_APP_SECRET"],
            requestTimeout: .milliseconds(Int64(timeoutSeconds * 1000)), retryPolicy: policy)

        let objectEntries: [ToolConfiguration.ObjectEntry]
        if let names = Self.list(objects) {
            objectEntries = names.map { name in file.objects?.first { $0.name == name } ?? .init(name: name) }
        } else {
            objectEntries = file.objects ?? Catalog.defaultObjectNames.map { .init(name: $0) }
        }
        var fieldOverrides: [String: [String]] = [:]
        for entry in fields {
            let parts = entry.split(separator: "=", maxSplits: 1)
            fieldOverrides[String(parts[0])] = Self.list(parts.count > 1 ? String(parts[1]) : nil) ?? []
        }
        let resolved = try Catalog.resolve(objectEntries.map(\.name))
        for name in fieldOverrides.keys where !resolved.contains(where: { $0.name == name }) {
            throw SyncError(.badInput, "--fields names object '\(name)', which is not among the objects to import.")
        }
        let selections = zip(resolved, objectEntries).map { object, entry in
            ObjectSelection(object: object, fields: fieldOverrides[object.name] ?? entry.fields)
        }
        for selection in selections { _ = try selection.schema() }

        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let start = try startDate.map { try Self.parseDate($0, flag: "--start-date") }
        let end = try endDate.map { try Self.parseDate($0, flag: "--end-date") }
        let firstRunStart = file.startDate ?? today.adding(days: -30)
        if let configured = file.startDate, configured > today.adding(days: 1) {
            throw SyncError(.badInput, "start_date \(configured) in the config file is in the future; use a date up to today, e.g. \(today.adding(days: -30)).")
        }
        var backfill: DateWindow?
        if start != nil || end != nil {
            let backfillStart = start ?? firstRunStart
            let backfillEnd = end ?? LocalDate(now, in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
            guard backfillStart <= backfillEnd else {
                throw SyncError(.badInput, "--end-date \(backfillEnd) is before the start date \(backfillStart).")
            }
            backfill = DateWindow(start: backfillStart, end: backfillEnd)
        }
        let settings = SyncSettings(
            advertiserIDs: Self.list(advertiserIDs) ?? file.advertiserIDs,
            objects: selections,
            includeDeleted: includeDeleted || (file.includeDeleted ?? false),
            startDate: firstRunStart,
            lookbackDays: try SettingLimits.resolve(flag: lookbackDays, file: file.lookbackDays, flagName: "--lookback-days",
                                                    key: "lookback_days", range: SettingLimits.lookbackDays) ?? 7,
            backfill: backfill)

        var retention: [String: Int] = [:]
        if let days = try SettingLimits.resolve(flag: retentionDays, file: file.retentionDays, flagName: "--retention-days",
                                                key: "retention_days", range: SettingLimits.retentionDays) {
            for selection in selections where selection.object.isTimeSeries { retention[selection.object.name] = days }
        }
        for (name, days) in file.retentionDaysByObject ?? [:] {
            guard let object = Catalog.object(named: name) else {
                throw SyncError(.badInput, "retention_days_by_object names unknown object '\(name)'.")
            }
            retention[object.name] = try SettingLimits.resolve(flag: nil, file: days, flagName: "", key: "retention_days_by_object.\(name)",
                                                               range: SettingLimits.retentionDays)
        }
        let budget = RateBudget(
            perSecond: try SettingLimits.resolve(flag: qps, file: file.rateLimit?.qps, flagName: "--qps", key: "rate_limit.qps",
                                                 range: SettingLimits.requestsPerSecond),
            perMinute: try SettingLimits.resolve(flag: qpm, file: file.rateLimit?.qpm, flagName: "--qpm", key: "rate_limit.qpm",
                                                 range: SettingLimits.requestsPerMinute))
        let streams = try SettingLimits.resolve(flag: concurrency, file: file.concurrency, flagName: "--concurrency", key: "concurrency",
                                                range: SettingLimits.concurrency) ?? SyncRequest.defaultConcurrency
        // The destination opens last, so bad input never leaves an empty database behind.
        return SyncJob(api: api, settings: settings, destination: try await destination(),
                       concurrency: streams, rateBudget: budget,
                       retentionDays: retention, logger: logger, now: { now })
    }

    // MARK: Scopes

    /// How `withJob` opens the destination.
    public enum Access: Sendable {
        /// Holding the destination's `SyncLock` (every command that writes).
        case locked
        /// Without the lock (reading only).
        case unlocked
        /// An in-memory SQLite database stands in for the destination (`check`, which writes nothing).
        case none
    }

    /// Runs `body` with the job these settings describe; its destination is closed, and its lock released, on
    /// every path. The destination opens last, after every setting was checked.
    public func withJob<T: Sendable>(_ file: ToolConfiguration, access: Access, logger: Logger,
                                     environment: [String: String] = ProcessInfo.processInfo.environment,
                                     _ body: (SyncJob) async throws -> T) async throws -> T {
        let lock = Protected<FileLock?>(nil)
        let job = try await makeJob(file: file, destination: {
            switch access {
            case .locked:
                let opened = try await openLocked(file, logger: logger)
                lock.withLock { $0 = opened.lock }
                return opened.destination
            case .unlocked:
                return try openDestination(file, logger: logger)
            case .none:
                return try SQLiteDestination(path: ":memory:")
            }
        }, logger: logger, environment: environment)
        defer { lock.value?.release() }
        do {
            let result = try await body(job)
            await job.destination.close()
            return result
        } catch {
            await job.destination.close()
            throw error
        }
    }

    /// Runs `body` with the destination these settings choose (no API settings needed); closed, and its lock
    /// released, on every path. A SQLite file must exist already: a typo never creates an empty database.
    public func withDestination<T: Sendable>(_ file: ToolConfiguration, locked: Bool, logger: Logger, missingHint: String,
                                             _ body: (any Destination) async throws -> T) async throws -> T {
        if destination.kind(file) == .sqlite {
            let path = sqlitePath(file)
            guard FileManager.default.fileExists(atPath: path) else { throw SyncError(.badInput, "No database at \(path). \(missingHint)") }
        }
        let opened = locked ? try await openLocked(file, logger: logger)
            : OpenedDestination(destination: try openDestination(file, logger: logger), lock: nil)
        defer { opened.lock?.release() }
        do {
            let result = try await body(opened.destination)
            await opened.destination.close()
            return result
        } catch {
            await opened.destination.close()
            throw error
        }
    }
}

/// An open destination and the lock held for it (nil when opened without one).
public struct OpenedDestination: Sendable {
    public var destination: any Destination
    public var lock: FileLock?
}
