import SyncKit

/// Decides which dates a report stream reads on a run, and in which request windows.
public struct ReportWindowPlanner: Sendable {
    public var startDate: LocalDate
    public var lookbackDays: Int
    public var backfill: DateWindow?
    /// Only the last this-many days up to the account's today are read (see `SyncSettings.historyDays`).
    public var historyDays: Int?

    public init(startDate: LocalDate, historyDays: Int? = nil, lookbackDays: Int, backfill: DateWindow? = nil) {
        self.startDate = startDate
        self.historyDays = historyDays
        self.lookbackDays = lookbackDays
        self.backfill = backfill
    }

    /// The dates to read: a backfill range as given (never past today); otherwise from the bookmark
    /// minus the lookback window (or the start date on a first run), never before the last `historyDays` days, up to today.
    public func range(bookmark: LocalDate?, today: LocalDate) -> DateWindow? {
        if let backfill {
            let end = min(backfill.end, today)
            return backfill.start <= end ? DateWindow(start: backfill.start, end: end) : nil
        }
        var earliest = startDate
        if let historyDays { earliest = max(earliest, today.adding(days: -(historyDays - 1))) }
        var start = earliest
        if let bookmark {
            start = max(earliest, min(bookmark, today).adding(days: -lookbackDays))
        }
        return start <= today ? DateWindow(start: start, end: today) : nil
    }

    /// The request windows: the range cut into the longest spans the API allows, oldest first.
    public func windows(bookmark: LocalDate?, today: LocalDate, granularity: Granularity) -> [DateWindow] {
        guard let range = range(bookmark: bookmark, today: today) else { return [] }
        return range.chunked(maxDays: granularity.maxDaysPerRequest)
    }
}
