import SyncKit

/// The allowed range of every numeric setting, checked the same way whether it comes from a flag or the
/// config file, so no value reaches date arithmetic or a timer unchecked. README "Settings" lists them.
enum SettingLimits {
    static let lookbackDays = 0...364
    static let concurrency = 1...64
    static let requestsPerSecond = 1...10_000
    static let requestsPerMinute = 1...600_000
    static let requestTimeoutSeconds = 1.0...3_600.0
    static let maxAttempts = 1...100
    /// 100 years: more than any report history TikTok keeps.
    static let retentionDays = 1...36_500

    /// `flag` if given, else `file`, after checking it lies in `range`; the message names where the value came from.
    static func resolve<T: Comparable>(flag: T?, file: T?, flagName: String, key: String, range: ClosedRange<T>) throws -> T? {
        guard let value = flag ?? file else { return nil }
        guard range.contains(value) else {
            let source = flag != nil ? flagName : "\(key) in the config file"
            throw SyncError(.badInput, "\(source) must be between \(range.lowerBound) and \(range.upperBound); it is \(value).")
        }
        return value
    }

    /// Like `resolve`, for seconds: also refuses NaN and infinity.
    static func resolveSeconds(flag: Double?, file: Double?, flagName: String, key: String, range: ClosedRange<Double>) throws -> Double? {
        guard let value = flag ?? file else { return nil }
        guard value.isFinite, range.contains(value) else {
            let source = flag != nil ? flagName : "\(key) in the config file"
            throw SyncError(.badInput, "\(source) must be a number of seconds between \(Int(range.lowerBound)) and \(Int(range.upperBound)); it is \(value).")
        }
        return value
    }
}
