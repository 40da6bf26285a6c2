import Foundation

/// A calendar date without a timezone, as TikTok reports use (the advertiser's local day).
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.dayNumber = LocalDate.daysFromCivil(year, month, day)
    }

    /// Parses `YYYY-MM-DD` (a trailing ` HH:MM:SS` is ignored); nil when it is not a real date.
    public init?(_ text: some StringProtocol) {
        // Every report row's date is parsed here: read the bytes in place when the string has them contiguous.
        guard let parts = text.utf8.withContiguousStorageIfAvailable({ LocalDate.parts(of: $0) }) ?? LocalDate.parts(of: Array(text.utf8.prefix(10)))
        else { return nil }
        self.init(year: parts.0, month: parts.1, day: parts.2)
    }

    private static func parts(of utf8: some RandomAccessCollection<UInt8>) -> (Int, Int, Int)? {
        guard utf8.count >= 10 else { return nil }
        let start = utf8.startIndex
        func byte(_ i: Int) -> UInt8 { utf8[utf8.index(start, offsetBy: i)] }
        guard byte(4) == UInt8(ascii: "-"), byte(7) == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                let c = byte(i)
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        return (y, m, d)
    }

    /// The date `date` falls on in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date)
        self.dayNumber = Int((Double(seconds) / 86_400).rounded(.down))
    }

    public var components: (year: Int, month: Int, day: Int) { LocalDate.civilFromDays(dayNumber) }

    /// `YYYY-MM-DD`. Every report row's date goes through here: zero-padded by hand, since `String(format:)` cost
    /// about 6% of a sync's CPU (bench `postgres`, perf).
    public var description: String {
        let (y, m, d) = components
        guard y >= 0 else { return String(format: "%04d-%02d-%02d", y, m, d) }
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return padded(y, 4) + "-" + padded(m, 2) + "-" + padded(d, 2)
    }

    /// The date `days` later (earlier when negative).
    /// Saturates at 0000-01-01 and 9999-12-31 (the dates `YYYY-MM-DD` can name), so no day count overflows.
    public func adding(days: Int) -> LocalDate {
        let (sum, overflow) = dayNumber.addingReportingOverflow(days)
        if overflow { return days < 0 ? .earliest : .latest }
        return LocalDate(dayNumber: Swift.min(Swift.max(sum, LocalDate.earliest.dayNumber), LocalDate.latest.dayNumber))
    }

    /// 0000-01-01, the earliest date `adding(days:)` gives.
    public static let earliest = LocalDate(dayNumber: daysFromCivil(0, 1, 1))
    /// 9999-12-31, the latest date `adding(days:)` gives.
    public static let latest = LocalDate(dayNumber: daysFromCivil(9999, 12, 31))

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: LocalDate) -> Int { other.dayNumber - dayNumber }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date in the form YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// An inclusive range of local dates.
public struct DateWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: LocalDate
    public var end: LocalDate

    public init(start: LocalDate, end: LocalDate) {
        self.start = start
        self.end = end
    }

    public var dayCount: Int { start.days(to: end) + 1 }

    public var description: String { "\(start)..\(end)" }

    /// Splits the range into consecutive windows of at most `days` days each, oldest first.
    public func chunked(maxDays days: Int) -> [DateWindow] {
        precondition(days > 0, "a window holds at least one day")
        var windows: [DateWindow] = []
        var cursor = start
        while cursor <= end {
            let last = min(cursor.adding(days: days - 1), end)
            windows.append(DateWindow(start: cursor, end: last))
            cursor = last.adding(days: 1)
        }
        return windows
    }
}
