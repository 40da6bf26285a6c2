import Foundation

/// Calendar arithmetic on epoch days and seconds, without Foundation formatters (hot path safe).
enum CivilTime {
    static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(days z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// 0 = Monday ... 6 = Sunday.
    static func weekday(days: Int64) -> Int {
        Int(((days % 7) + 7 + 3) % 7)
    }

    private static func appendDigits(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: 48, count: width)
        var v = value
        var i = width - 1
        while i >= 0 {
            digits[i] = UInt8(48 + v % 10)
            v /= 10
            i -= 1
        }
        out.append(contentsOf: digits)
    }

    /// "YYYY-MM-DD" bytes.
    static func dateBytes(days: Int64) -> [UInt8] {
        let c = civil(days: days)
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendDigits(c.year, width: 4, to: &out)
        out.append(45)
        appendDigits(c.month, width: 2, to: &out)
        out.append(45)
        appendDigits(c.day, width: 2, to: &out)
        return out
    }

    static func dateString(days: Int64) -> String {
        String(decoding: dateBytes(days: days), as: UTF8.self)
    }

    /// "YYYY-MM-DD HH:MM:SS" for epoch seconds (UTC) or local seconds.
    static func dateTimeString(seconds: Int64) -> String {
        String(decoding: dateTimeBytes(seconds: seconds), as: UTF8.self)
    }

    static func dateTimeBytes(seconds: Int64) -> [UInt8] {
        let day = floorDiv(seconds, secondsPerDay)
        let rest = seconds - day * secondsPerDay
        var out = dateBytes(days: day)
        out.append(32)
        appendDigits(rest / 3600, width: 2, to: &out)
        out.append(58)
        appendDigits((rest / 60) % 60, width: 2, to: &out)
        out.append(58)
        appendDigits(rest % 60, width: 2, to: &out)
        return out
    }

    /// Parses "YYYY-MM-DD" strictly; returns epoch days.
    static func parseDate(_ text: some StringProtocol) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 45, b[7] == 45 else { return nil }
        guard let y = number(b[0..<4]), let m = number(b[5..<7]), let d = number(b[8..<10]) else { return nil }
        guard m >= 1, m <= 12, d >= 1, d <= daysInMonth(year: y, month: m), y >= 1970 else { return nil }
        return days(year: y, month: m, day: d)
    }

    /// Parses "YYYY-MM-DD HH:MM:SS" strictly; returns seconds since the epoch (as if UTC).
    static func parseDateTime(_ text: some StringProtocol) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 19, b[10] == 32, b[13] == 58, b[16] == 58 else { return nil }
        guard let day = parseDate(String(decoding: b[0..<10], as: UTF8.self)),
            let h = number(b[11..<13]), let mi = number(b[14..<16]), let s = number(b[17..<19]),
            h < 24, mi < 60, s < 60
        else { return nil }
        return day * secondsPerDay + h * 3600 + mi * 60 + s
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var v: Int64 = 0
        for c in bytes {
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
        }
        return v
    }

    /// Parses an ISO-8601 instant such as "2026-01-02T03:04:05Z" or with an offset / fractional seconds.
    static func parseISO8601(_ text: String) -> Date? {
        let plain = Date.ISO8601FormatStyle()
        if let d = try? plain.parse(text) { return d }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}

/// Offset lookups for an IANA zone, cached per request by the report planner.
struct ZoneOffsets: Sendable {
    let zone: TimeZone

    init(identifier: String) {
        // Identifiers come from the simulator's own fixed table, all known to Foundation.
        zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// Offset from UTC, in seconds, at the given UTC instant.
    func offset(atUTC seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// Offset in force at local noon of a local day.
    func offset(localDay day: Int64) -> Int64 {
        let noon = day * CivilTime.secondsPerDay + 43_200
        return offset(atUTC: noon - offset(atUTC: noon))
    }

    /// Local (day, hour) of a UTC instant.
    func local(_ seconds: Int64) -> (day: Int64, hour: Int64) {
        let l = seconds + offset(atUTC: seconds)
        let day = CivilTime.floorDiv(l, CivilTime.secondsPerDay)
        return (day, (l - day * CivilTime.secondsPerDay) / 3600)
    }
}
