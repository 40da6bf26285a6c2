import ArgumentParser
import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// Flags shared by `sync`, `check`, `cleanup` and `state`: each overrides the config file.
struct SyncOptions: ParsableArguments {
    @Option(help: "YAML config file; ${NAME} in it is read from the environment.")
    var config: String?

    @Option(help: "API base up to open_api/ (production https://business-api.tiktok.com/open_api/, sandbox https://sandbox-ads.tiktok.com/open_api/, or a simulator).")
    var apiBaseURL: String?

    @Option(help: "Access token. Prefer TIKTOK_ACCESS_TOKEN: flags are visible to other users of the machine.")
    var accessToken: String?

    @Option(help: "Comma-separated advertiser ids (default: every advertiser the token may access).")
    var advertiserIds: String?

    @Option(help: "Comma-separated objects to import (see `tiktok-ads discover`).")
    var objects: String?

    @Option(help: "Fields of one object, as OBJECT=field1,field2 (repeatable; key fields are always added).")
    var fields: [String] = []

    @Option(help: "SQLite database file.")
    var sqlite: String?

    @Option(help: "Backfill from this date (YYYY-MM-DD, account-local), ignoring the bookmark.")
    var startDate: String?

    @Option(help: "Backfill up to this date (YYYY-MM-DD, account-local).")
    var endDate: String?

    @Option(help: "Days re-read before the bookmark on each run (TikTok restates conversions). Default 7.")
    var lookbackDays: Int?

    @Flag(help: "Also import deleted campaigns, ad groups and ads, and their report rows.")
    var includeDeleted = false

    @Option(help: "Streams read at once. Default 4.")
    var concurrency: Int?

    @Option(help: "Requests per second allowed (TikTok's per-app budget).")
    var qps: Int?

    @Option(help: "Requests per minute allowed.")
    var qpm: Int?

    @Option(help: "Seconds to wait for one response. Default 120.")
    var requestTimeout: Double?

    @Option(help: "Attempts per request before giving up. Default 8.")
    var maxAttempts: Int?

    @Option(help: "Delete report rows older than this many days after each successful sync.")
    var retentionDays: Int?

    @Option(help: .hidden)
    var now: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var destinationOptions: DestinationOptions

    /// The instant the run treats as now (`--now`, for reproducible runs and tests), else the clock.
    func currentInstant() throws -> Date {
        guard let now else { return Date() }
        guard let date = try? Date(now, strategy: .iso8601) else {
            throw ValidationError("--now '\(now)' is not an ISO 8601 time such as 2026-01-31T12:00:00Z.")
        }
        return date
    }

    func validate() throws {
        let start = try startDate.map { try Self.parseDate($0, flag: "--start-date") }
        let end = try endDate.map { try Self.parseDate($0, flag: "--end-date") }
        let latestToday = LocalDate(try currentInstant(), in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
        if let start, start > latestToday {
            throw ValidationError("--start-date \(start) is in the future; the latest date with data anywhere is \(latestToday).")
        }
        if let end, end > latestToday {
            throw ValidationError("--end-date \(end) is in the future; use a date up to \(latestToday).")
        }
        if let start, let end, end < start {
            throw ValidationError("--end-date \(end) is before --start-date \(start).")
        }
        // Flags alone are checked here (exit 2 before anything opens); config values in `makeJob`, the same way.
        do {
            _ = try SettingLimits.resolve(flag: lookbackDays, file: nil, flagName: "--lookback-days", key: "lookback_days", range: SettingLimits.lookbackDays)
            _ = try SettingLimits.resolve(flag: concurrency, file: nil, flagName: "--concurrency", key: "concurrency", range: SettingLimits.concurrency)
            _ = try SettingLimits.resolve(flag: qps, file: nil, flagName: "--qps", key: "rate_limit.qps", range: SettingLimits.requestsPerSecond)
            _ = try SettingLimits.resolve(flag: qpm, file: nil, flagName: "--qpm", key: "rate_limit.qpm", range: SettingLimits.requestsPerMinute)
            _ = try SettingLimits.resolve(flag: maxAttempts, file: nil, flagName: "--max-attempts", key: "max_attempts", range: SettingLimits.maxAttempts)
            _ = try SettingLimits.resolve(flag: retentionDays, file: nil, flagName: "--retention-days", key: "retention_days", range: SettingLimits.retentionDays)
            _ = try SettingLimits.resolveSeconds(flag: requestTimeout, file: nil, flagName: "--request-timeout", key: "request_timeout_seconds",
                                                 range: SettingLimits.requestTimeoutSeconds)
        } catch let error as SyncError {
            throw ValidationError(error.message)
        }
        for entry in fields where !entry.contains("=") {
            throw ValidationError("--fields '\(entry)' must look like OBJECT=field1,field2.")
        }
    }

    static func parseDate(_ text: String, flag: String) throws -> LocalDate {
        guard text.utf8.count == 10, let date = LocalDate(text) else {
            throw ValidationError("\(flag) '\(text)' is not a date; use YYYY-MM-DD, e.g. 2026-01-31.")
        }
        return date
    }

    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    func loadConfiguration() throws -> ToolConfiguration {
        guard let config else { return ToolConfiguration() }
        return try ToolConfiguration.load(path: config)
    }

    /// The SQLite path: flag, config, or the default file in the working directory.
    func sqlitePath(_ file: ToolConfiguration) -> String { sqlite ?? file.sqlite ?? "tiktok-ads.sqlite" }

    /// Opens the destination chosen by `--destination` / `destination.type` (SQLite by default).
    func openDestination(_ file: ToolConfiguration, logger: Logger) throws -> any Destination {
        try destinationOptions.make(file: file, sqlitePath: sqlitePath(file), logger: logger)
    }

    /// The lock of the SQLite database these flags choose, keyed on the file's identity (refusing a file with extra
    /// hard links); nil for other destinations, whose lock is keyed on their name once opened.
    func sqliteLock(_ file: ToolConfiguration) throws -> SyncLock? {
        guard destinationOptions.kind(file) == .sqlite else { return nil }
        let path = sqlitePath(file)
        return try SyncLock.database(at: path, displayName: SQLiteDestination.displayName(path: path))
    }

    /// Opens the destination holding its `SyncLock`, shared by every command that writes it (`sync`, `schedule`,
    /// `cleanup`, `state reset`). A SQLite file is locked before it is opened, so a refused command writes nothing;
    /// other destinations write nothing on open. Throws, naming the holder, when another process has the lock.
    /// Release the lock after closing the destination.
    func openLocked(_ file: ToolConfiguration, logger: Logger) throws -> (destination: any Destination, lock: FileLock) {
        if let sqlite = try sqliteLock(file) {
            let lock = try sqlite.acquire()
            do {
                return (try openDestination(file, logger: logger), lock)
            } catch {
                lock.release()
                throw error
            }
        }
        let destination = try openDestination(file, logger: logger)
        return (destination, try SyncLock.named(destination.displayName).acquire())
    }

    /// Everything a sync needs, from flags over the config file over the environment over defaults;
    /// `destination` is opened only once everything else is valid.
    func makeJob(file: ToolConfiguration, destination: () throws -> any Destination, logger: Logger,
                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SyncJob {
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
            advertiserIDs: Self.list(advertiserIds) ?? file.advertiserIDs,
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
                                                range: SettingLimits.concurrency) ?? 4
        // The destination opens last, so bad input never leaves an empty database behind.
        return SyncJob(api: api, settings: settings, destination: try destination(),
                       concurrency: streams, rateBudget: budget,
                       retentionDays: retention, logger: logger, now: { now })
    }
}
