import Foundation

/// How far back a scheduled run re-reads: hourly (or more frequent) schedules re-read only today and
/// yesterday, so each tick stays cheap, and the full lookback window once a day, to pick up restated
/// conversions; slower schedules always use the full window.
public enum RefreshPolicy {
    /// The lookback for a run at `now`, and whether it is a full one.
    public static func lookbackDays(configured: Int, interval: Duration, lastFullRun: Date?, now: Date) -> (days: Int, isFull: Bool) {
        let fullDue = lastFullRun.map { now.timeIntervalSince($0) >= 86_400 } ?? true
        if interval <= .seconds(3600), !fullDue {
            return (min(configured, 1), false)
        }
        return (configured, true)
    }
}
