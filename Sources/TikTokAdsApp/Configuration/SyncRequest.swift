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
    /// `--app-id` / `--app-secret` (prefer TIKTOK_APP_ID / TIKTOK_APP_SECRET).
    public var appID: String?
    public var appSecret: String?
    /// `--sandbox`: TikTok's sandbox API instead of production.
    public var sandbox = false
    /// `--credentials-file`: where `auth login` saves the token and where it is read when no other source gives one.
    public var credentialsFile: String?
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
    /// `--strict-metrics`: a report metric TikTok refuses fails its stream instead of being dropped.
    public var strictMetrics = false
    /// `--reconcile off|warn|fail`.
    public var reconcile: String?
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

    /// The flags as the same typed settings the config file decodes into, for the one `ToolConfiguration.validate`.
    /// A list flag given but empty (`--objects ''`) is an empty list, which validation refuses.
    public func flagSettings() -> ToolConfiguration {
        var settings = ToolConfiguration()
        settings.origin = .flags
        settings.accessToken = accessToken
        settings.appID = appID
        settings.appSecret = appSecret
        settings.apiBaseURL = apiBaseURL
        settings.sandbox = sandbox ? true : nil
        settings.credentialsFile = credentialsFile
        settings.advertiserIDs = advertiserIDs.map { Self.list($0) ?? [] }
        settings.objects = objects.map { (Self.list($0) ?? []).map { ToolConfiguration.ObjectEntry(name: $0) } }
        settings.includeDeleted = includeDeleted ? true : nil
        settings.strictMetrics = strictMetrics ? true : nil
        settings.reconcile = reconcile
        settings.lookbackDays = lookbackDays
        settings.concurrency = concurrency
        if qps != nil || qpm != nil { settings.rateLimit = .init(qps: qps, qpm: qpm) }
        settings.requestTimeoutSeconds = requestTimeout
        settings.maxAttempts = maxAttempts
        settings.retentionDays = retentionDays
        settings.sqlite = sqlite
        var entry = DestinationChoice.Entry(type: destination.kind)
        if destination.bigqueryProject != nil || destination.bigqueryDataset != nil || destination.bigqueryLocation != nil
            || destination.googleCredentials != nil {
            entry.bigquery = .init(project: destination.bigqueryProject, dataset: destination.bigqueryDataset,
                                   location: destination.bigqueryLocation, credentials: destination.googleCredentials)
        }
        if destination.spreadsheet != nil { entry.sheets = .init(spreadsheet: destination.spreadsheet) }
        if destination.directory != nil || destination.fileFormat != nil {
            entry.files = .init(directory: destination.directory, format: destination.fileFormat)
        }
        if destination.postgresURL != nil || destination.postgresSchema != nil {
            entry.postgres = .init(url: destination.postgresURL, schema: destination.postgresSchema)
        }
        settings.destination = entry
        return settings
    }

    /// Checks the flags alone, before any file is read or anything opens: the settings they share with the config
    /// file through the same validation, then the flags only the command line has (backfill dates, `--fields`).
    public func validateFlags() throws {
        let now = try currentInstant()
        try flagSettings().validate(now: now)
        let start = try startDate.map { try Self.parseDate($0, flag: "--start-date") }
        let end = try endDate.map { try Self.parseDate($0, flag: "--end-date") }
        let latestToday = LocalDate(now, in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
        if let start, start > latestToday {
            throw SyncError(.badInput, "--start-date \(start) is in the future; the latest date with data anywhere is \(latestToday).")
        }
        if let end, end > latestToday {
            throw SyncError(.badInput, "--end-date \(end) is in the future; use a date up to \(latestToday).")
        }
        for (date, flag) in [(start, "--start-date"), (end, "--end-date")] {
            if let date, date < SettingLimits.earliestStartDate {
                throw SyncError(.badInput, "\(flag) \(date) is before TikTok Ads existed; use a date from \(SettingLimits.earliestStartDate) on.")
            }
        }
        if let start, let end, end < start {
            throw SyncError(.badInput, "--end-date \(end) is before --start-date \(start).")
        }
        for entry in fields {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw SyncError(.badInput, "--fields '\(SettingText.quoted(entry))' must look like OBJECT=field1,field2, e.g. ad_insights=spend,clicks.")
            }
            guard let object = Catalog.object(named: String(parts[0])) else {
                throw SyncError(.badInput, ToolConfiguration.unknownObjectMessage(String(parts[0]), setting: "--fields"))
            }
            guard let names = Self.list(String(parts[1])) else {
                throw SyncError(.badInput, "--fields '\(SettingText.quoted(entry))' names no field; list them after '=', e.g. \(object.name)=spend,clicks.")
            }
            do {
                _ = try ObjectSelection(object: object, fields: names).schema()
            } catch let error as SyncError {
                throw SyncError(.badInput, "--fields: \(error.message)")
            }
        }
    }

    static func parseDate(_ text: String, flag: String) throws -> LocalDate {
        guard text.utf8.count == 10, let date = LocalDate(text) else {
            throw SyncError(.badInput, "\(flag) '\(SettingText.quoted(text, limit: 40))' is not a date; use YYYY-MM-DD, e.g. 2026-01-31.")
        }
        return date
    }

    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    /// The config file named by `--config`, read and validated (any problem is bad input), or an empty one.
    /// `needsAPI: false` (commands that never call TikTok): its credentials are not read, so a `${VARIABLE}` there
    /// that is not set is no error.
    public func loadConfiguration(needsAPI: Bool = true) throws -> ToolConfiguration {
        guard let configPath else { return ToolConfiguration() }
        return try ToolConfiguration.load(path: configPath, now: try currentInstant(),
                                          ignoring: needsAPI ? [] : ToolConfiguration.credentialKeys)
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

    /// The lock of the files destination these flags choose, a file in its directory, taken once the directory is
    /// claimed (created, or refused when it holds files tiktok-ads did not write: the lock file is never left in such
    /// a directory); nil for other destinations.
    public func filesLock(_ file: ToolConfiguration) throws -> SyncLock? {
        guard destination.kind(file) == .files else { return nil }
        let files = try destination.openFiles(file: file)
        try files.claim()
        return files.lock
    }

    /// Opens the destination holding its `SyncLock`, shared by every command that writes it (`sync`, `schedule`,
    /// `cleanup`, `state reset`). A SQLite file is locked before it is opened, so a refused command writes nothing;
    /// other destinations write nothing on open. Throws, naming the holder, when another process has the lock.
    public func openLocked(_ file: ToolConfiguration, logger: Logger) async throws -> OpenedDestination {
        if let local = try sqliteLock(file) ?? filesLock(file) {
            let lock = try local.acquire()
            do {
                return OpenedDestination(destination: try openDestination(file, logger: logger), lock: lock)
            } catch {
                lock.release()
                throw error
            }
        }
        let opened = try openDestination(file, logger: logger)
        // PostgreSQL: an advisory lock in the server (keyed on the schema), held until the destination closes.
        if let postgres = opened as? PostgresDestination {
            do {
                try await postgres.lockSchema()
            } catch {
                await opened.close()
                throw error
            }
            return OpenedDestination(destination: opened, lock: nil)
        }
        do {
            return OpenedDestination(destination: opened, lock: try SyncLock.named(opened.displayName).acquire())
        } catch {
            await opened.close()
            throw error
        }
    }

    /// Everything a sync needs, from flags over the config file over the environment over defaults;
    /// `destination` is opened only once everything else is valid. Both layers are validated again here (the one
    /// validation), so a caller that never went through the command line gets the same checks.
    /// `needsAdvertisers`: the job will read from TikTok, so it needs advertiser ids or the app id and secret to list
    /// them (`cleanup` reads nothing).
    public func makeJob(file: ToolConfiguration, destination: () async throws -> any Destination, logger: Logger,
                        environment: [String: String] = ProcessInfo.processInfo.environment,
                        needsAdvertisers: Bool = true) async throws -> SyncJob {
        let now = try currentInstant()
        try validateFlags()
        try file.validate(now: now)
        // PostgreSQL: the server and password are settings too, checked before anything runs (the server is reached last).
        if self.destination.kind(file) == .postgres { _ = try self.destination.postgresConfiguration(file, environment: environment) }
        let flags = flagSettings()

        let token = try resolveToken(file: file, environment: environment, logger: logger)
        guard let token else {
            throw SyncError(.badInput, "No access token. Run `tiktok-ads auth login` (docs/credentials.md), or set TIKTOK_ACCESS_TOKEN (or access_token in the config file) to your TikTok Business API long-term access token.")
        }
        let appID = try Self.credential("app_id", flag: flags.appID, file: file, \.appID, variable: "TIKTOK_APP_ID", environment: environment, logger: logger)
        let appSecret = try Self.credential("app_secret", flag: flags.appSecret, file: file, \.appSecret, variable: "TIKTOK_APP_SECRET",
                                            environment: environment, logger: logger)
        let apiEnvironment = self.apiEnvironment(file)
        let baseURL = try resolveBaseURL(file: file, environment: environment)
        var policy = RetryPolicy()
        if let attempts = flags.maxAttempts ?? file.maxAttempts { policy.maxAttempts = attempts }
        let timeoutSeconds = flags.requestTimeoutSeconds ?? file.requestTimeoutSeconds ?? 120
        var api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: token.token, appID: appID, appSecret: appSecret,
                                         requestTimeout: .milliseconds(Int64(timeoutSeconds * 1000)), retryPolicy: policy)
        api.environment = apiEnvironment
        api.authenticationAdvice = token.advice(environment: apiEnvironment)

        let objectEntries: [ToolConfiguration.ObjectEntry]
        if let chosen = flags.objects {
            objectEntries = chosen.map { entry in file.objects?.first { $0.name == entry.name } ?? entry }
        } else {
            objectEntries = file.objects ?? Catalog.defaultObjectNames.map { .init(name: $0) }
        }
        var fieldOverrides: [String: [String]] = [:]
        for entry in fields {
            let parts = entry.split(separator: "=", maxSplits: 1)
            let object = Catalog.object(named: String(parts[0]))?.name ?? String(parts[0])
            fieldOverrides[object] = Self.list(parts.count > 1 ? String(parts[1]) : nil) ?? []
        }
        let resolved = try Catalog.resolve(objectEntries.map(\.name))
        for name in fieldOverrides.keys.sorted() where !resolved.contains(where: { $0.name == name }) {
            throw SyncError(.badInput, "--fields names object '\(name)', which is not among the objects to import. Add it to --objects (or objects in the config file), or drop that --fields.")
        }
        let selections = zip(resolved, objectEntries).map { object, entry in
            ObjectSelection(object: object, fields: fieldOverrides[object.name] ?? entry.fields)
        }
        for selection in selections { _ = try selection.schema() }

        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let start = try startDate.map { try Self.parseDate($0, flag: "--start-date") }
        let end = try endDate.map { try Self.parseDate($0, flag: "--end-date") }
        // With no start date, the sync covers the last 30 days of each account (its own today included): a first run is
        // the longest span one daily report request holds. The floor covers the accounts furthest behind UTC.
        let defaultFirstRunDays = Granularity.day.maxDaysPerRequest
        let firstRunStart = file.startDate ?? today.adding(days: -defaultFirstRunDays)
        var backfill: DateWindow?
        if start != nil || end != nil {
            let backfillStart = start ?? firstRunStart
            let backfillEnd = end ?? LocalDate(now, in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
            guard backfillStart <= backfillEnd else {
                throw SyncError(.badInput, "--end-date \(backfillEnd) is before the start date \(backfillStart).")
            }
            backfill = DateWindow(start: backfillStart, end: backfillEnd)
        }
        // Listing the advertisers needs the app's id and secret; without them, those saved with the token serve.
        var advertiserIDs = flags.advertiserIDs ?? file.advertiserIDs
        if advertiserIDs == nil, appID == nil || appSecret == nil, let saved = token.saved?.advertiserIDs, !saved.isEmpty {
            advertiserIDs = saved
        }
        let settings = SyncSettings(
            advertiserIDs: advertiserIDs,
            objects: selections,
            includeDeleted: (flags.includeDeleted ?? false) || (file.includeDeleted ?? false),
            startDate: firstRunStart,
            historyDays: file.startDate == nil ? defaultFirstRunDays : nil,
            lookbackDays: flags.lookbackDays ?? file.lookbackDays ?? 7,
            backfill: backfill,
            strictMetrics: (flags.strictMetrics ?? false) || (file.strictMetrics ?? false))

        var retention: [String: Int] = [:]
        if let days = flags.retentionDays ?? file.retentionDays {
            for selection in selections where selection.object.isTimeSeries { retention[selection.object.name] = days }
        }
        for (name, days) in file.retentionDaysByObject ?? [:] {
            if let object = Catalog.object(named: name) { retention[object.name] = days }  // validated: a report object
        }
        if needsAdvertisers, settings.advertiserIDs == nil, appID == nil || appSecret == nil {
            throw SyncError(.badInput,
                "No advertiser ids given. Set advertiser_ids in the config (or --advertiser-ids), or set TIKTOK_APP_ID and TIKTOK_APP_SECRET so the tool can list the advertisers your token may access (`tiktok-ads auth login` saves them with the token).")
        }
        let budget = RateBudget(perSecond: flags.rateLimit?.qps ?? file.rateLimit?.qps,
                                perMinute: flags.rateLimit?.qpm ?? file.rateLimit?.qpm)
        let streams = flags.concurrency ?? file.concurrency ?? SyncRequest.defaultConcurrency
        // The destination opens last, so bad input never leaves an empty database behind.
        var job = SyncJob(api: api, settings: settings, destination: try await destination(),
                          concurrency: streams, rateBudget: budget,
                          retentionDays: retention, logger: logger, now: { now })
        job.reconciliation = (flags.reconcile ?? file.reconcile).flatMap(ReconciliationMode.init(rawValue:)) ?? .warn  // validated
        return job
    }

    /// A credential from the flag, else the config file, else the environment variable, cleaned (surrounding
    /// whitespace trimmed with a notice; control characters refused); nil when none is given. The source that was
    /// chosen being empty is bad input naming it.
    static func credential(_ key: String, flag: String?, file: ToolConfiguration, _ path: KeyPath<ToolConfiguration, String?>,
                           variable: String, environment: [String: String], logger: Logger) throws -> String? {
        let setting: SettingName
        let value: String
        if let flag {
            (setting, value) = (SettingName(key, origin: .flags), flag)
        } else if let fromFile = file[keyPath: path] {
            (setting, value) = (SettingName(key, origin: file.origin), fromFile)
        } else if let fromEnvironment = environment[variable] {
            (setting, value) = (SettingName(key, environmentVariable: variable), fromEnvironment)
        } else {
            return nil
        }
        let cleaned = try Credential.cleaned(value, setting, logger: logger)
        guard !cleaned.isEmpty else {
            if key == "access_token" {
                throw SyncError(.badInput, "\(setting.text) is empty. Set it to your TikTok Business API long-term access token.")
            }
            throw SyncError(.badInput, "\(setting.text) is empty. Set it to your app's \(key == "app_id" ? "id" : "secret") from the TikTok for Business developer portal, or remove it (it is needed only to list advertisers).")
        }
        return cleaned
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
                                     environment: [String: String] = ProcessInfo.processInfo.environment, needsAdvertisers: Bool = true,
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
        }, logger: logger, environment: environment, needsAdvertisers: needsAdvertisers)
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
        if destination.kind(file) == .files {
            let files = try destination.openFiles(file: file)
            guard FileManager.default.fileExists(atPath: files.directory + "/.tiktok-ads") else {
                throw SyncError(.badInput, "No files destination at \(files.directory) (no .tiktok-ads file there). Pass --directory with the directory your syncs write.")
            }
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
