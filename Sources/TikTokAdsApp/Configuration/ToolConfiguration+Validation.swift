import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// The one validation of the typed settings, whether the flags filled them or the config file did: each problem is
/// bad input naming the setting as the user wrote it (`--qps` or `rate_limit.qps` in the file), its value (never a
/// secret's), and what is allowed.
extension ToolConfiguration {
    /// The flag that sets each config key; keys missing here exist only in the file. (`--start-date` is not
    /// `start_date`: the flag backfills from a date, the key says where a stream's first run starts.)
    public static let flagNames: [String: String] = [
        "access_token": "--access-token", "api_base_url": "--api-base-url", "advertiser_ids": "--advertiser-ids",
        "objects": "--objects", "include_deleted": "--include-deleted", "lookback_days": "--lookback-days",
        "concurrency": "--concurrency", "rate_limit.qps": "--qps", "rate_limit.qpm": "--qpm",
        "request_timeout_seconds": "--request-timeout", "max_attempts": "--max-attempts", "retention_days": "--retention-days",
        "sqlite": "--sqlite", "destination.type": "--destination", "destination.bigquery.project": "--bigquery-project",
        "destination.bigquery.dataset": "--bigquery-dataset", "destination.bigquery.location": "--bigquery-location",
        "destination.bigquery.credentials": "--google-credentials", "destination.sheets.spreadsheet": "--spreadsheet",
        "destination.sheets.credentials": "--google-credentials", "schedule.daily": "--daily", "schedule.hourly": "--hourly",
        "schedule.cron": "--cron", "schedule.timezone": "--timezone", "schedule.jitter_seconds": "--jitter-seconds",
        "schedule.metrics_port": "--metrics-port", "strict_metrics": "--strict-metrics",
        "sandbox": "--sandbox", "redirect_uri": "--redirect-uri", "credentials_file": "--credentials-file",
        "destination.files.directory": "--directory", "destination.files.format": "--file-format",
        "destination.postgres.url": "--postgres-url", "destination.postgres.schema": "--postgres-schema",
        "reconcile": "--reconcile",
    ]

    /// Checks every setting present; `now` is the instant the run treats as now.
    public func validate(now: Date) throws {
        func name(_ key: String) -> SettingName { SettingName(key, origin: origin) }
        try Credential.check(accessToken, name("access_token"))
        try Credential.check(appID, name("app_id"))
        try Credential.check(appSecret, name("app_secret"))
        try Self.checkURL(apiBaseURL, name("api_base_url"), example: "https://business-api.tiktok.com/open_api/")
        try Self.checkURL(redirectURI, name("redirect_uri"), example: "http://localhost:8910/callback")
        if let credentialsFile, credentialsFile.isEmpty || credentialsFile.contains("\0") {
            throw SyncError(.badInput, "\(name("credentials_file").text) is empty; name a file, e.g. ~/.config/tiktok-ads/credentials.json, or remove it.")
        }
        if let advertiserIDs {
            guard !advertiserIDs.isEmpty else {
                throw SyncError(.badInput, "\(name("advertiser_ids").text) is an empty list. Give advertiser ids, or leave it out to sync every advertiser the token may access.")
            }
            for id in advertiserIDs where id.isEmpty || id.count > 24 || !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw SyncError(.badInput, "\(name("advertiser_ids").with(value: "'\(SettingText.quoted(id, limit: 40))'")) is not an advertiser id: ids are digits only, e.g. 7012345678901234567.")
            }
        }
        if let objects {
            guard !objects.isEmpty else {
                throw SyncError(.badInput, "\(name("objects").text) is an empty list, so nothing would be imported. Name objects (e.g. campaigns,ad_insights), or leave it out for the default set.")
            }
            var seen: Set<String> = []
            for entry in objects {
                guard let object = Catalog.object(named: entry.name) else {
                    throw SyncError(.badInput, Self.unknownObjectMessage(entry.name, setting: name("objects").text))
                }
                guard seen.insert(object.name).inserted else {
                    throw SyncError(.badInput, "\(name("objects").text) names '\(object.name)' twice (as \(object.name) or \(object.table)). Name each object once, with its fields on that entry.")
                }
                do {
                    _ = try ObjectSelection(object: object, fields: entry.fields).schema()
                } catch let error as SyncError {
                    throw SyncError(.badInput, "\(name("objects").text): \(error.message)")
                }
            }
        }
        if let startDate {
            let latestToday = LocalDate(now, in: TimeZone(secondsFromGMT: 14 * 3600)!)  // a valid offset
            if startDate > latestToday {
                throw SyncError(.badInput, "\(name("start_date").with(value: "\(startDate)")) is in the future; use a date up to today (\(latestToday) at the latest anywhere).")
            }
            if startDate < SettingLimits.earliestStartDate {
                throw SyncError(.badInput, "\(name("start_date").with(value: "\(startDate)")) is before TikTok Ads existed; use a date from \(SettingLimits.earliestStartDate) on.")
            }
        }
        if let reconcile, ReconciliationMode(rawValue: reconcile) == nil {
            throw SyncError(.badInput, "\(name("reconcile").with(value: "'\(SettingText.quoted(reconcile, limit: 40))'")) is not a reconciliation mode; use off, warn (the default: report differences) or fail (a difference with no known cause fails the run).")
        }
        try SettingLimits.check(lookbackDays, SettingLimits.lookbackDays, name("lookback_days"), unit: "a number of days")
        try SettingLimits.check(concurrency, SettingLimits.concurrency, name("concurrency"))
        try SettingLimits.check(rateLimit?.qps, SettingLimits.requestsPerSecond, name("rate_limit.qps"))
        try SettingLimits.check(rateLimit?.qpm, SettingLimits.requestsPerMinute, name("rate_limit.qpm"))
        try SettingLimits.checkSeconds(requestTimeoutSeconds, SettingLimits.requestTimeoutSeconds, name("request_timeout_seconds"))
        try SettingLimits.check(maxAttempts, SettingLimits.maxAttempts, name("max_attempts"))
        try SettingLimits.check(retentionDays, SettingLimits.retentionDays, name("retention_days"), unit: "a number of days")
        for (objectName, days) in (retentionDaysByObject ?? [:]).sorted(by: { $0.key < $1.key }) {
            let setting = name("retention_days_by_object.\(objectName)")
            guard let object = Catalog.object(named: objectName) else {
                throw SyncError(.badInput, Self.unknownObjectMessage(objectName, setting: setting.text))
            }
            guard object.isTimeSeries else {
                throw SyncError(.badInput, "\(setting.text): '\(objectName)' has no report dates, so no retention applies to it; retention is for report objects such as ad_insights.")
            }
            try SettingLimits.check(days, SettingLimits.retentionDays, setting, unit: "a number of days")
        }
        try Self.checkSQLitePath(sqlite, name("sqlite"))
        try destination?.validate(origin: origin)
        try schedule?.validate(origin: origin)
    }

    /// Checks a SQLite path given by `flag` (e.g. `demo --sqlite`) the way `sqlite` is checked.
    public static func validateSQLitePath(_ path: String, flag: String) throws {
        var setting = SettingName("sqlite", origin: .flags)
        setting.flag = flag
        try checkSQLitePath(path, setting)
    }

    /// A SQLite database path the tool can create or open: not empty, not SQLite's `:memory:` (nothing would be
    /// kept, and its lock file would be created in the working directory), not a directory, in a directory that exists.
    static func checkSQLitePath(_ path: String?, _ setting: SettingName) throws {
        guard let path else { return }
        let example = "e.g. tiktok-ads.sqlite or /data/tiktok-ads.sqlite"
        if path.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SyncError(.badInput, "\(setting.text) is empty. Give the database file's path (\(example)), or leave it out for ./tiktok-ads.sqlite.")
        }
        if path == ":memory:" || path.hasPrefix("file:") {
            throw SyncError(.badInput, "\(setting.with(value: "'\(SettingText.quoted(path))'")) is not a file: the tool keeps data and bookmarks in a database file. Give a file path, \(example).")
        }
        if path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw SyncError(.badInput, "\(setting.with(value: "'\(SettingText.quoted(path))'")) contains a control character (a line break?). Give a plain file path, \(example).")
        }
        var isDirectory: ObjCBool = false
        if path.hasSuffix("/") || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue {
            let inside = path.hasSuffix("/") ? path : path + "/"
            throw SyncError(.badInput, "\(setting.with(value: "'\(SettingText.quoted(path))'")) is a directory. Give the database file's path inside it, e.g. \(SettingText.quoted(inside))tiktok-ads.sqlite.")
        }
        // (Foundation's NSString path functions crash on some inputs; plain string work cannot.)
        let parent = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ""
        if !parent.isEmpty, !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw SyncError(.badInput, "\(setting.with(value: "'\(SettingText.quoted(path))'")): the directory '\(SettingText.quoted(parent))' does not exist. Create it first, or give a path in an existing directory.")
        }
    }

    /// An http(s) URL with a host, or bad input naming the setting.
    static func checkURL(_ text: String?, _ setting: SettingName, example: String) throws {
        guard let text else { return }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw SyncError(.badInput, "\(setting.with(value: "'\(SettingText.quoted(text))'")) is not an http(s) URL; use e.g. \(example).")
        }
    }
}

extension DestinationChoice.Entry {
    /// The names BigQuery would refuse, endpoints that are not URLs, empty paths.
    func validate(origin: SettingOrigin) throws {
        if let bigquery {
            try bigquery.validate(origin: origin)
        }
        if let directory = files?.directory, directory.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SyncError(.badInput, "\(SettingName("destination.files.directory", origin: origin).text) is empty. Give the directory the files go to (created if missing).")
        }
        if let postgres {
            try postgres.validate(origin: origin)
        }
        if let sheets {
            try ToolConfiguration.checkURL(sheets.apiBaseURL, SettingName("destination.sheets.api_base_url", origin: origin),
                                           example: "https://sheets.googleapis.com")
            try ToolConfiguration.checkURL(sheets.tokenURL, SettingName("destination.sheets.token_url", origin: origin),
                                           example: "https://oauth2.googleapis.com/token")
            try Self.checkPath(sheets.credentials, SettingName("destination.sheets.credentials", origin: origin))
            if let spreadsheet = sheets.spreadsheet, spreadsheet.trimmingCharacters(in: .whitespaces).isEmpty {
                throw SyncError(.badInput, "\(SettingName("destination.sheets.spreadsheet", origin: origin).text) is empty. Give the spreadsheet's URL or id.")
            }
        }
    }

    static func checkPath(_ path: String?, _ setting: SettingName) throws {
        guard let path else { return }
        if path.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SyncError(.badInput, "\(setting.text) is empty. Give the path of a Google credentials JSON file, or leave it out to use GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default file or the metadata server.")
        }
    }
}

extension DestinationChoice.PostgresEntry {
    /// The URL's shape, the schema name, sslmode and a password file's path, each under its setting's name (the
    /// password itself is read when the destination opens).
    func validate(origin: SettingOrigin) throws {
        func name(_ key: String) -> SettingName { SettingName("destination.postgres.\(key)", origin: origin) }
        if let passwordFile, passwordFile.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SyncError(.badInput, "\(name("password_file").text) is empty. Give the path of a file whose first line is the password, or leave it out.")
        }
        func check(_ key: String, _ body: () throws -> Void) throws {
            do { try body() } catch let error as SyncError { throw SyncError(.badInput, "\(name(key).text): \(error.message)") }
        }
        if let url { try check("url") { _ = try PostgresConfiguration.parse(url: url, environment: [:]) } }
        if let schema {
            try check("schema") { try PostgresConfiguration(host: "localhost", user: "user", password: nil, database: "db", schema: schema).validate() }
        }
        if let sslmode { try check("sslmode") { _ = try PostgresConfiguration.parse(url: "postgres://user@localhost/db", sslMode: sslmode, environment: [:]) } }
    }
}

extension DestinationChoice.BigQueryEntry {
    func validate(origin: SettingOrigin) throws {
        // BigQuery's own naming rules (one place: BigQueryConfiguration), each reported under its setting's name.
        if let project {
            do {
                try BigQueryConfiguration(project: project, dataset: "tiktok_ads", environment: [:]).validate()
            } catch let error as SyncError {
                throw SyncError(.badInput, "\(SettingName("destination.bigquery.project", origin: origin).text): \(error.message)")
            }
        }
        if let dataset {
            do {
                try BigQueryConfiguration(project: "p", dataset: dataset, environment: [:]).validate()
            } catch let error as SyncError {
                throw SyncError(.badInput, "\(SettingName("destination.bigquery.dataset", origin: origin).text): \(error.message)")
            }
        }
        if let location, location.isEmpty || !location.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            throw SyncError(.badInput, "\(SettingName("destination.bigquery.location", origin: origin).with(value: "'\(SettingText.quoted(location))'")) is not a BigQuery location; use e.g. US, EU or europe-west1.")
        }
        try DestinationChoice.Entry.checkPath(credentials, SettingName("destination.bigquery.credentials", origin: origin))
        try ToolConfiguration.checkURL(apiBaseURL, SettingName("destination.bigquery.api_base_url", origin: origin),
                                       example: "https://bigquery.googleapis.com")
        try ToolConfiguration.checkURL(tokenURL, SettingName("destination.bigquery.token_url", origin: origin),
                                       example: "https://oauth2.googleapis.com/token")
    }
}

extension ToolConfiguration.ScheduleEntry {
    /// Each schedule value present, on its own (which of daily, hourly and cron applies is `ScheduleSettings`'s to say).
    public func validate(origin: SettingOrigin) throws {
        func name(_ key: String) -> SettingName { SettingName("schedule.\(key)", origin: origin) }
        if let daily {
            let parts = daily.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
                  (0...23).contains(hour), (0...59).contains(minute) else {
                throw SyncError(.badInput, "\(name("daily").with(value: "'\(SettingText.quoted(daily, limit: 40))'")) is not a time of day; use HH:MM, e.g. 05:00.")
            }
        }
        try SettingLimits.check(hourly, SettingLimits.hourlyMinute, name("hourly"), unit: "a minute of the hour")
        if let cron {
            do {
                _ = try CronExpression(cron)
            } catch let error as SyncError {
                throw SyncError(.badInput, "\(name("cron").text): \(error.message)")
            }
        }
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw SyncError(.badInput, "\(name("timezone").with(value: "'\(SettingText.quoted(timezone, limit: 60))'")) is not a known timezone; use a name such as Europe/Berlin or UTC.")
        }
        try SettingLimits.check(jitterSeconds, SettingLimits.jitterSeconds, name("jitter_seconds"), unit: "a number of seconds")
        try SettingLimits.check(metricsPort, SettingLimits.metricsPort, name("metrics_port"), unit: "a port number")
    }
}

/// Access tokens and app credentials as given (flag, config key or environment variable): surrounding whitespace
/// (the newline a copy-paste leaves) is trimmed with a notice; any other character outside printable ASCII (a
/// control character, a space, a non-ASCII letter) is refused before anything is sent. Messages never show the value.
enum Credential {
    /// The value with surrounding whitespace removed, after checking what is left.
    static func cleaned(_ value: String, _ setting: SettingName, logger: Logger?) throws -> String {
        let trimmed = try check(value, setting)
        if trimmed != value, setting.key != "app_id" {
            SecretRedactor.register(value)
            logger?.notice("\(setting.text) had whitespace around it (a trailing newline from copy-paste?); it was removed. The value itself is not shown.")
        }
        return trimmed
    }

    /// The trimmed value, or bad input saying what is wrong with it (by position, never by content).
    @discardableResult
    static func check(_ value: String?, _ setting: SettingName) throws -> String {
        guard let value else { return "" }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        // The app id is no secret (it is in every authorisation link); the token and the app secret are.
        if setting.key != "app_id" { SecretRedactor.register(trimmed) }
        for (offset, scalar) in trimmed.unicodeScalars.enumerated() where !(0x21...0x7E).contains(scalar.value) {
            let what = scalar.properties.generalCategory == .control ? "a control character (such as a line break)"
                : scalar == " " ? "a space" : "a character that is not printable ASCII"
            throw SyncError(.badInput, "\(setting.text) contains \(what) at position \(offset + 1), so it cannot be a credential and was not sent anywhere. Copy the value again as one line (its value is not shown here).")
        }
        return trimmed
    }
}
