import Foundation

/// When scheduled syncs run: daily at a local time, hourly at a minute, or a cron expression, in a named timezone.
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    public let cron: CronExpression
    public let timeZone: TimeZone
    /// The usual gap between two runs, for the health check and the hourly refresh.
    public let nominalInterval: Duration
    public let description: String

    /// Every day at `hour:minute` local time.
    public static func daily(hour: Int, minute: Int, timeZone: TimeZone) throws -> Schedule {
        try Schedule(cron: CronExpression("\(minute) \(hour) * * *"), timeZone: timeZone, interval: .seconds(86_400),
                     description: String(format: "daily at %02d:%02d %@", hour, minute, timeZone.identifier))
    }

    /// Every hour at `minute`.
    public static func hourly(minute: Int, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws -> Schedule {  // UTC always exists
        try Schedule(cron: CronExpression("\(minute) * * * *"), timeZone: timeZone, interval: .seconds(3600),
                     description: "hourly at minute \(minute)")
    }

    public init(cron: CronExpression, timeZone: TimeZone, interval: Duration? = nil, description: String? = nil) {
        self.cron = cron
        self.timeZone = timeZone
        self.description = description ?? "cron '\(cron)' in \(timeZone.identifier)"
        if let interval {
            nominalInterval = interval
        } else {
            // The shortest gap between consecutive fires over the next week approximates the interval.
            let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01, any fixed instant works
            var previous = Schedule.next(cron, timeZone, after: start)
            var shortest = TimeInterval.infinity
            for _ in 0..<50 {
                guard let current = previous, let following = Schedule.next(cron, timeZone, after: current) else { break }
                shortest = min(shortest, following.timeIntervalSince(current))
                previous = following
            }
            nominalInterval = .seconds(shortest.isFinite ? shortest : 86_400)
        }
    }

    /// The first fire strictly after `date`, or nil if the expression never fires (e.g. 31 February).
    public func next(after date: Date) -> Date? { Schedule.next(cron, timeZone, after: date) }

    /// The fires in `(start, end]`, at most `limit` of them.
    public func fires(after start: Date, through end: Date, limit: Int = 10_000) -> [Date] {
        var result: [Date] = []
        var cursor = start
        while result.count < limit, let fire = next(after: cursor), fire <= end {
            result.append(fire)
            cursor = fire
        }
        return result
    }

    static func next(_ cron: CronExpression, _ timeZone: TimeZone, after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Walk local days (up to 5 years, enough for any valid expression), then the hours and minutes of each.
        let startOfDay = calendar.startOfDay(for: date)
        let hours = cron.hours.sorted()
        let minutes = cron.minutes.sorted()
        for dayOffset in 0..<(366 * 5) {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: startOfDay) else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let year = parts.year, let month = parts.month, let dom = parts.day, let weekday = parts.weekday,
                  cron.matchesDay(month: month, day: dom, weekday: weekday - 1) else { continue }
            for hour in hours {
                for minute in minutes {
                    let components = DateComponents(timeZone: timeZone, year: year, month: month, day: dom, hour: hour, minute: minute)
                    // A local time skipped by a daylight-saving change resolves to the instant just after the gap.
                    guard let candidate = calendar.date(from: components), candidate > date else { continue }
                    return candidate
                }
            }
        }
        return nil
    }
}
