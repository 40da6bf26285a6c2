import Foundation
import SyncKit
import TikTokAds
import Yams

/// The YAML config file (`tiktok-ads.yml`). `${NAME}` anywhere in it is replaced by the environment variable.
public struct ToolConfiguration: Decodable, Sendable {
    public var accessToken: String?
    public var appID: String?
    public var appSecret: String?
    public var apiBaseURL: String?
    public var advertiserIDs: [String]?
    public var objects: [ObjectEntry]?
    public var includeDeleted: Bool?
    public var startDate: LocalDate?
    public var lookbackDays: Int?
    public var concurrency: Int?
    public var rateLimit: RateLimitEntry?
    public var requestTimeoutSeconds: Double?
    public var maxAttempts: Int?
    /// Days of report rows to keep, for every time-series object.
    public var retentionDays: Int?
    /// Per-object retention that overrides `retention_days`.
    public var retentionDaysByObject: [String: Int]?
    public var sqlite: String?
    /// `destination: {type: sqlite|bigquery|sheets, bigquery: {project, dataset, location, credentials}}`.
    public var destination: DestinationChoice.Entry?
    /// `schedule: {daily: "05:00" | hourly: 15 | cron: "0 */6 * * *", timezone: Europe/Berlin, jitter_seconds: 60, metrics_port: 9464}`.
    public var schedule: ScheduleEntry?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", appID = "app_id", appSecret = "app_secret", apiBaseURL = "api_base_url"
        case advertiserIDs = "advertiser_ids", objects, includeDeleted = "include_deleted", startDate = "start_date"
        case lookbackDays = "lookback_days", concurrency, rateLimit = "rate_limit", requestTimeoutSeconds = "request_timeout_seconds"
        case maxAttempts = "max_attempts", retentionDays = "retention_days", retentionDaysByObject = "retention_days_by_object"
        case sqlite, destination, schedule
    }

    /// An object by name, or `{name, fields}`.
    public struct ObjectEntry: Decodable, Sendable {
        public var name: String
        public var fields: [String]?

        enum CodingKeys: String, CodingKey { case name, fields }

        public init(name: String, fields: [String]? = nil) {
            self.name = name
            self.fields = fields
        }

        public init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            fields = try container.decodeIfPresent([String].self, forKey: .fields)
        }
    }

    /// The `schedule:` section, read by `tiktok-ads schedule` (its flags win).
    public struct ScheduleEntry: Decodable, Sendable {
        public var daily: String?
        public var hourly: Int?
        public var cron: String?
        public var timezone: String?
        public var jitterSeconds: Int?
        public var metricsPort: Int?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case daily, hourly, cron, timezone, jitterSeconds = "jitter_seconds", metricsPort = "metrics_port"
        }
    }

    public struct RateLimitEntry: Decodable, Sendable {
        public var qps: Int?
        public var qpm: Int?
    }

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ToolConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "Cannot read the config file '\(path)'. Check the path, or run without --config.")
        }
        let text = try substitute(String(decoding: data, as: UTF8.self), environment: environment, file: path)
        do {
            return try YAMLDecoder().decode(ToolConfiguration.self, from: text)
        } catch let error as DecodingError {
            throw SyncError(.badInput, "The config file '\(path)' is not valid: \(describe(error))")
        } catch {
            throw SyncError(.badInput, "The config file '\(path)' is not valid YAML: \(error)")
        }
    }

    /// Replaces `${NAME}` with the environment variable; a missing variable is an error that names it (never its value).
    static func substitute(_ text: String, environment: [String: String], file: String) throws -> String {
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw SyncError(.badInput, "The config file '\(file)' has an unclosed '${'.")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                throw SyncError(.badInput, "The config file '\(file)' uses ${\(name)}, but the environment variable \(name) is not set.")
            }
            output += value
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }
}
