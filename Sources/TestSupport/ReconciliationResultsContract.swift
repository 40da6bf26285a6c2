import Foundation
import SyncKit

/// What every destination's `ReconciliationTable.results` must answer, whether it sums the table with a query or
/// reads every row: per advertiser the days and levels checked, those beyond the tolerance (a cent for spend, nothing
/// for counts; a day and level once however many metrics differ on it), those of them no cause explains, and the
/// last check. Writes known comparisons, then reports what the destination summed and what reading every row gives.
package enum ReconciliationResultsContract {
    static let (a, b) = ("7000000000000000001", "7000000000000000002")
    static let (january10, january11) = (LocalDate("2026-01-10")!, LocalDate("2026-01-11")!)  // valid dates
    static let (firstCheck, secondCheck) = (Date(timeIntervalSince1970: 1_768_204_800.5), Date(timeIntervalSince1970: 1_768_291_200))

    static func comparison(_ advertiser: String, _ date: LocalDate, _ level: String, _ metric: String, _ levelSum: String, _ total: String,
                           _ cause: ReconciliationCause? = nil) -> ReconciliationTable.Comparison {
        ReconciliationTable.Comparison(advertiserID: advertiser, date: date, level: level, metric: metric,
                                       levelSum: Decimal(string: levelSum)!, accountTotal: Decimal(string: total)!, cause: cause)
    }

    /// Checked first: `a`'s January 10 (spend a cent off: within the tolerance; the ad level two cents off, a
    /// restatement) and `b`'s (equal). Checked later: `a`'s January 11 (campaign impressions and clicks off: one
    /// day and level, unexplained; ad group spend 1.1 cents under).
    static let first = [
        comparison(a, january10, "campaign", "spend", "10.01", "10.00"), comparison(a, january10, "campaign", "impressions", "100", "100"),
        comparison(a, january10, "ad", "spend", "10.02", "10.00", .restatement), comparison(b, january10, "ad", "conversion", "4", "4"),
    ]
    static let second = [
        comparison(a, january11, "campaign", "impressions", "103", "100"), comparison(a, january11, "campaign", "clicks", "9", "10"),
        comparison(a, january11, "adgroup", "spend", "9.989", "10.00"),
    ]

    /// A result with its last check as an instant: databases print the same instant in their own ways.
    package struct Summary: Sendable, Equatable {
        package var advertiserID: String
        package var checkedDays: Int, differingDays: Int, unexplainedDays: Int
        package var lastChecked: Date?
    }

    package static let expected = [
        Summary(advertiserID: a, checkedDays: 4, differingDays: 3, unexplainedDays: 2, lastChecked: secondCheck),
        Summary(advertiserID: b, checkedDays: 1, differingDays: 0, unexplainedDays: 0, lastChecked: firstCheck),
    ]

    /// Writes the comparisons into `destination`, then reads the results as it sums them and by reading every row.
    package static func observe(_ destination: any Destination) async throws
        -> (summed: [ReconciliationTable.AdvertiserResult], read: [ReconciliationTable.AdvertiserResult], empty: [ReconciliationTable.AdvertiserResult]) {
        let empty = try await ReconciliationTable.results(in: destination)
        try await destination.prepare([ReconciliationTable.schema])
        try await ReconciliationTable.write(first, checkedAt: firstCheck, to: destination)
        try await ReconciliationTable.write(second, checkedAt: secondCheck, to: destination)
        return (try await ReconciliationTable.results(in: destination), try await ReconciliationTable.readingEveryRow(in: destination), empty)
    }

    package static func summaries(_ results: [ReconciliationTable.AdvertiserResult]) -> [Summary] {
        results.map {
            Summary(advertiserID: $0.advertiserID, checkedDays: $0.checkedDays, differingDays: $0.differingDays,
                    unexplainedDays: $0.unexplainedDays, lastChecked: $0.lastChecked.flatMap(UTCText.parse))
        }
    }
}
