/// A five-field cron expression (`minute hour day-of-month month day-of-week`) with `*`, lists,
/// ranges and steps, e.g. `*/15 6-22 * * 1-5`. Day-of-week 0 and 7 are Sunday. As in Vixie cron,
/// when both day fields are restricted a day matches if either does.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    public let description: String

    public init(_ text: String) throws {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw SyncError(.badInput, "The cron expression '\(text)' needs 5 fields (minute hour day-of-month month day-of-week), e.g. '0 5 * * *'.")
        }
        func parse(_ field: String, _ name: String, _ range: ClosedRange<Int>) throws -> Set<Int> {
            var values = Set<Int>()
            for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
                guard pieces.count <= 2 else { throw invalid(field, name, range) }
                let step = pieces.count == 2 ? Int(pieces[1]) : 1
                guard let step, step > 0 else { throw invalid(field, name, range) }
                var lower = range.lowerBound, upper = range.upperBound
                if pieces[0] != "*" {
                    let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                    guard (1...2).contains(bounds.count), let first = Int(bounds[0]), let last = Int(bounds.last!) else {  // non-empty
                        throw invalid(field, name, range)
                    }
                    lower = first
                    upper = bounds.count == 2 ? last : (pieces.count == 2 ? range.upperBound : first)
                }
                guard range.contains(lower), range.contains(upper), lower <= upper else { throw invalid(field, name, range) }
                values.formUnion(stride(from: lower, through: upper, by: step))
            }
            return values
        }
        func invalid(_ field: String, _ name: String, _ range: ClosedRange<Int>) -> SyncError {
            SyncError(.badInput, "The cron field '\(field)' for \(name) is not valid; use *, N, N-M, lists and /steps within \(range.lowerBound)-\(range.upperBound).")
        }
        minutes = try parse(fields[0], "minute", 0...59)
        hours = try parse(fields[1], "hour", 0...23)
        daysOfMonth = try parse(fields[2], "day of month", 1...31)
        months = try parse(fields[3], "month", 1...12)
        daysOfWeek = Set(try parse(fields[4], "day of week", 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        description = fields.joined(separator: " ")
    }

    /// Whether a local calendar day (month 1-12, day 1-31, weekday 0 = Sunday) matches the day fields.
    func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }
}
