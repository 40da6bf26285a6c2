import SyncKit

/// The allowed range of every numeric setting, checked the same way whether it comes from a flag or the
/// config file, so no value reaches date arithmetic or a timer unchecked. README "Settings" lists them.
public enum SettingLimits {
    public static let lookbackDays = 0...364
    public static let concurrency = 1...64
    public static let requestsPerSecond = 1...10_000
    public static let requestsPerMinute = 1...600_000
    public static let requestTimeoutSeconds = 1.0...3_600.0
    public static let maxAttempts = 1...100
    /// 100 years: more than any report history TikTok keeps.
    public static let retentionDays = 1...36_500

    /// `flag` if given, else `file`, after checking it lies in `range`; the message names where the value came from.
    public static func resolve<T: Comparable>(flag: T?, file: T?, flagName: String, key: String, range: ClosedRange<T>) throws -> T? {
        guard let value = flag ?? file else { return nil }
        guard range.contains(value) else {
            let source = flag != nil ? flagName : "\(key) in the config file"
            throw SyncError(.badInput, "\(source) must be between \(range.lowerBound) and \(range.upperBound); it is \(value).")
        }
        return value
    }

    /// Like `resolve`, for seconds: also refuses NaN and infinity.
    public static func resolveSeconds(flag: Double?, file: Double?, flagName: String, key: String, range: ClosedRange<Double>) throws -> Double? {
        guard let value = flag ?? file else { return nil }
        guard value.isFinite, range.contains(value) else {
            let source = flag != nil ? flagName : "\(key) in the config file"
            throw SyncError(.badInput, "\(source) must be a number of seconds between \(Int(range.lowerBound)) and \(Int(range.upperBound)); it is \(value).")
        }
        return value
    }
}
