import Foundation
import SyncKit

/// What every destination's `countRows` and `dailySums` must answer, whether it counts with a query or reads every
/// row: rows per advertiser, the local days a date column covers and those an hour column covers, daily sums of a
/// money and a count column over a range of days (NULLs skipped), nil for a missing table or grouping column, no sums
/// for a metric column the table lacks. Loads known rows, then reports what the destination counted, for each
/// destination's tests to check.
package enum RowCountContract {
    package static let schema = TableSchema(name: "tiktok_ads_contract_counts", fields: [
        Field("id", .string, "Row id"), Field("advertiser_id", .string, "Advertiser"),
        Field("stat_time_day", .date, "Local day"), Field("stat_time_hour", .datetime, "Local hour"),
        Field("spend", .decimal, "Money"), Field("impressions", .integer, "A count"),
    ], key: ["id", "advertiser_id"], timeField: "stat_time_day")
    static let (a, b) = ("7000000000000000001", "7000000000000000002")

    /// Advertiser `a`: 5 rows on 3 days, their hours on 2 days; `b`: 2 rows on 1 day and 1 hour.
    static let rows: [[Value]] = [
        [.string("r1"), .string(a), .date("2026-01-10"), .datetime("2026-01-10 23:00:00"), .decimal("1.10"), .integer(10)],
        [.string("r2"), .string(a), .date("2026-01-10"), .datetime("2026-01-10 22:00:00"), .decimal("2.25"), .integer(5)],
        [.string("r3"), .string(a), .date("2026-01-11"), .datetime("2026-01-10 23:00:00"), .null, .integer(7)],
        [.string("r4"), .string(a), .date("2026-01-12"), .datetime("2026-01-11 00:00:00"), .decimal("0.10"), .null],
        [.string("r5"), .string(a), .date("2026-01-12"), .null, .decimal("0.20"), .null],
        [.string("r6"), .string(b), .date("2026-01-10"), .datetime("2026-01-10 05:00:00"), .decimal("5"), .integer(1)],
        [.string("r7"), .string(b), .date("2026-01-10"), .datetime("2026-01-10 05:00:00"), .decimal("5.5"), .integer(2)],
    ]
    static let (january10, january11) = (LocalDate("2026-01-10")!, LocalDate("2026-01-11")!)  // valid dates

    package struct Observation: Sendable, Equatable {
        package var byDay: [String: RowCount]?
        package var byHour: [String: RowCount]?
        package var rowsOnly: [String: RowCount]?
        package var missingTable: [String: RowCount]?
        package var missingColumn: [String: RowCount]?
        /// Spend and impressions per advertiser and day, from January 10 through 11.
        package var sums: [String: [LocalDate: [Decimal?]]]?
        /// Spend and a metric column the table lacks: that one has no sums, spend keeps its own.
        package var sumsOfAMissingColumn: [String: [LocalDate: [Decimal?]]]?
        package var sumsOfAMissingTable: [String: [LocalDate: [Decimal?]]]?
    }

    /// What a correct destination answers.
    package static let expected = Observation(
        byDay: [a: RowCount(rows: 5, days: 3), b: RowCount(rows: 2, days: 1)],
        byHour: [a: RowCount(rows: 5, days: 2), b: RowCount(rows: 2, days: 1)],
        rowsOnly: [a: RowCount(rows: 5), b: RowCount(rows: 2)],
        missingTable: nil, missingColumn: nil,
        sums: [a: [january10: [Decimal(string: "3.35"), 15], january11: [nil, 7]], b: [january10: [Decimal(string: "10.5"), 3]]],
        sumsOfAMissingColumn: [a: [january10: [Decimal(string: "3.35"), nil], january11: [nil, nil]], b: [january10: [Decimal(string: "10.5"), nil]]],
        sumsOfAMissingTable: nil)

    /// Loads the rows into `destination`, then asks it for each count, and the same counts by reading every row
    /// (`RowCount.readingEveryRow`, the default): a destination that counts with a query must agree with both.
    package static func observe(_ destination: any Destination) async throws -> (counted: Observation, read: Observation) {
        try await destination.prepare([schema])
        try await destination.loadPage(RowBatch(schema: schema, rows: rows))
        typealias Sums = (String, [String], LocalDate, LocalDate) async throws -> [String: [LocalDate: [Decimal?]]]?
        func observation(_ count: (String, String, String?) async throws -> [String: RowCount]?, _ sum: Sums) async throws -> Observation {
            Observation(byDay: try await count(schema.name, "advertiser_id", "stat_time_day"),
                        byHour: try await count(schema.name, "advertiser_id", "stat_time_hour"),
                        rowsOnly: try await count(schema.name, "advertiser_id", nil),
                        missingTable: try await count("tiktok_ads_contract_absent", "advertiser_id", nil),
                        missingColumn: try await count(schema.name, "advertiser_id", "no_such_column"),
                        sums: try await sum(schema.name, ["spend", "impressions"], january10, january11),
                        sumsOfAMissingColumn: try await sum(schema.name, ["spend", "no_such_column"], january10, january11),
                        sumsOfAMissingTable: try await sum("tiktok_ads_contract_absent", ["spend"], january10, january11))
        }
        let counted = try await observation({ try await destination.countRows(of: $0, by: $1, days: $2) }) {
            try await destination.dailySums(of: $0, by: "advertiser_id", day: "stat_time_day", metrics: $1, from: $2, through: $3)
        }
        let read = try await observation({ try await RowCount.readingEveryRow(of: $0, by: $1, days: $2, in: destination) }) {
            try await RowCount.summingEveryRow(of: $0, by: "advertiser_id", day: "stat_time_day", metrics: $1, from: $2, through: $3, in: destination)
        }
        return (counted, read)
    }
}
