import Foundation
import SyncKit

/// The allowed range of every numeric setting, checked the same way whether it comes from a flag or the
/// config file (`ToolConfiguration.validate`), so no value reaches date arithmetic or a timer unchecked. The README's
/// configuration reference lists them (a test compares the two).
public enum SettingLimits {
    public static let lookbackDays = 0...364
    public static let concurrency = 1...64
    public static let requestsPerSecond = 1...10_000
    public static let requestsPerMinute = 1...600_000
    public static let requestTimeoutSeconds = 1.0...3_600.0
    public static let maxAttempts = 1...100
    /// 100 years: more than any report history TikTok keeps.
    public static let retentionDays = 1...36_500
    public static let jitterSeconds = 0...86_400
    public static let metricsPort = 0...65_535
    public static let hourlyMinute = 0...59
    /// No TikTok ad ran before TikTok existed (2016); an earlier start date would only plan thousands of empty
    /// report windows per advertiser.
    public static let earliestStartDate = LocalDate(year: 2016, month: 1, day: 1)!  // a valid date

    /// The integer range of each config key that has one.
    public static let integerRanges: [String: ClosedRange<Int>] = [
        "lookback_days": lookbackDays, "concurrency": concurrency, "rate_limit.qps": requestsPerSecond,
        "rate_limit.qpm": requestsPerMinute, "max_attempts": maxAttempts, "retention_days": retentionDays,
        "retention_days_by_object.OBJECT": retentionDays, "schedule.jitter_seconds": jitterSeconds,
        "schedule.metrics_port": metricsPort, "schedule.hourly": hourlyMinute,
    ]

    /// "1 to 64" for a key with a range (`retention_days_by_object.ad_insights` counts as `….OBJECT`).
    public static func rangeText(forKey key: String) -> String? {
        var key = key
        if key.hasPrefix("retention_days_by_object.") { key = "retention_days_by_object.OBJECT" }
        if key == "request_timeout_seconds" { return "\(Int(requestTimeoutSeconds.lowerBound)) to \(Int(requestTimeoutSeconds.upperBound))" }
        return integerRanges[key].map { "\($0.lowerBound) to \($0.upperBound)" }
    }

    /// Bad input unless `value` lies in `range`; the message names the setting as given, its value, and the range.
    static func check(_ value: Int?, _ range: ClosedRange<Int>, _ setting: SettingName, unit: String = "a whole number") throws {
        guard let value, !range.contains(value) else { return }
        throw SyncError(.badInput, "\(setting.with(value: "\(value)")) is out of range: use \(unit) from \(range.lowerBound) to \(range.upperBound).")
    }

    /// Like `check`, for seconds: also refuses NaN and infinity.
    static func checkSeconds(_ value: Double?, _ range: ClosedRange<Double>, _ setting: SettingName) throws {
        guard let value, !(value.isFinite && range.contains(value)) else { return }
        let shown = value.isNaN ? "nan" : value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
        throw SyncError(.badInput, "\(setting.with(value: shown)) is out of range: use a number of seconds from \(Int(range.lowerBound)) to \(Int(range.upperBound)).")
    }
}

/// Where a set of settings came from: the command line, or a config file.
public enum SettingOrigin: Sendable, Equatable {
    case flags
    /// The config file at this path (nil when built in code).
    case file(String?)
}

/// A setting as the user wrote it: `--concurrency` on the command line, `concurrency` in a config file.
struct SettingName {
    /// The config key path, e.g. `rate_limit.qps`.
    var key: String
    /// The flag that sets it, e.g. `--qps` (nil for keys only the file has).
    var flag: String?
    var origin: SettingOrigin
    /// Set when the value came from this environment variable instead.
    var environmentVariable: String?

    init(_ key: String, origin: SettingOrigin) {
        self.key = key
        self.flag = ToolConfiguration.flagNames[key]
        self.origin = origin
    }

    /// A setting read from the environment variable `variable` (e.g. TIKTOK_ACCESS_TOKEN for `access_token`).
    init(_ key: String, environmentVariable variable: String) {
        self.init(key, origin: .flags)
        environmentVariable = variable
    }

    /// "--concurrency", or "`concurrency` in the config file 'x.yml'".
    var text: String {
        if let environmentVariable { return "the environment variable \(environmentVariable)" }
        switch origin {
        case .flags: return flag ?? key
        case .file(let path): return "`\(key)` in the config file\(path.map { " '\($0)'" } ?? "")"
        }
    }

    /// "--concurrency 0", or "`concurrency: 0` in the config file 'x.yml'".
    func with(value: String) -> String {
        if let environmentVariable { return "\(environmentVariable)=\(value)" }
        switch origin {
        case .flags: return "\(flag ?? key) \(value)"
        case .file(let path): return "`\(key): \(value)` in the config file\(path.map { " '\($0)'" } ?? "")"
        }
    }
}

/// Text from the user, fit to quote in a message: control characters escaped, long text cut.
enum SettingText {
    static func quoted(_ text: String, limit: Int = 200) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.count >= limit {
                out += "…"
                break
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
