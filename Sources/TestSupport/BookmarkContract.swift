import Foundation
import Logging
import SyncKit

/// The guarantee every destination keeps under the engine: a stream's bookmark never moves past committed
/// rows, even when its source yields some pages of a slice and then fails. Runs the same scenario against
/// any destination and reports what it observed, for each destination's tests to check.
package enum BookmarkContract {
    package struct SourceFailure: Error {}

    package static let schema = TableSchema(name: "tiktok_ads_contract_rows", fields: [
        Field("id", .string, "Row id"), Field("advertiser_id", .string, "Advertiser"), Field("day", .date, "Day"),
    ], key: ["id", "advertiser_id"], timeField: "day")
    package static let key = StreamKey(advertiserID: "7000000000000000001", object: "contract_rows")
    package static let firstEnd = LocalDate(year: 2026, month: 1, day: 10)!  // a valid literal
    package static let secondEnd = LocalDate(year: 2026, month: 1, day: 20)!  // a valid literal

    /// What the destination held after each run.
    package struct Observation: Sendable {
        /// After a run whose second slice yields one page and then fails.
        package var failedRunStatus: RunStatus
        package var bookmarkAfterFailure: LocalDate?
        package var idsAfterFailure: Set<String>
        /// After a run whose first slice fails on its second page (no slice completes).
        package var bookmarkAfterEarlyFailure: LocalDate?
        /// After a run that completes both slices.
        package var bookmarkAfterRecovery: LocalDate?
        package var idsAfterRecovery: Set<String>
    }

    static func rows(_ ids: ClosedRange<Int>, day: Int) -> [[Value]] {
        ids.map { [.string("row-\($0)"), .string(key.advertiserID), .date("2026-01-\(day < 10 ? "0" : "")\(day)")] }
    }

    /// Two slices of two pages each; `failAt` names the page (slice, page) that throws instead of answering.
    static func plan(failAt: (slice: Int, page: Int)?) -> StreamPlan {
        func page(_ slice: Int, _ number: Int, _ ids: ClosedRange<Int>, day: Int, next: (@Sendable () async throws -> SourcePage)?) -> @Sendable () async throws -> SourcePage {
            { @Sendable in
                if let failAt, failAt.slice == slice, failAt.page == number { throw SourceFailure() }
                return SourcePage(rows: rows(ids, day: day), next: next)
            }
        }
        let first = StreamSlice(checkpoint: StreamState(bookmark: firstEnd, syncedAt: Date(timeIntervalSince1970: 1_768_000_000)),
                                firstPage: page(1, 1, 1...2, day: 5, next: page(1, 2, 3...4, day: 9, next: nil)))
        let second = StreamSlice(checkpoint: StreamState(bookmark: secondEnd, syncedAt: Date(timeIntervalSince1970: 1_768_000_000)),
                                 firstPage: page(2, 1, 5...6, day: 15, next: page(2, 2, 7...8, day: 19, next: nil)))
        return StreamPlan(key: key, schema: schema, slices: [first, second])
    }

    static func run(_ plan: StreamPlan, into destination: any Destination) async throws -> RunRecord {
        var logger = Logger(label: "contract")
        logger.logLevel = .critical
        try await destination.prepareWithBookkeeping([schema])
        let engine = SyncEngine(destination: destination, concurrency: 1, logger: logger)
        return await engine.run([plan], run: RunRecord(startedAt: Date()), statistics: RunStatistics())
    }

    static func ids(in destination: any Destination) async throws -> Set<String> {
        Set(try await destination.rows(of: schema).compactMap { $0.first?.text })
    }

    /// Runs the scenario; `fresh` opens the destination again for each run (nothing in memory carries over).
    package static func observe(_ fresh: () async throws -> any Destination) async throws -> Observation {
        let early = try await fresh()
        _ = try await run(plan(failAt: (1, 2)), into: early)
        let bookmarkAfterEarly = try await early.loadState()[key]?.bookmark
        _ = try await early.resetState(advertiserID: nil, object: nil)
        await early.close()

        let failing = try await fresh()
        let failed = try await run(plan(failAt: (2, 2)), into: failing)
        await failing.close()
        let reader = try await fresh()
        let bookmarkAfterFailure = try await reader.loadState()[key]?.bookmark
        let idsAfterFailure = try await ids(in: reader)
        await reader.close()

        let recovering = try await fresh()
        _ = try await run(plan(failAt: nil), into: recovering)
        await recovering.close()
        let last = try await fresh()
        let observation = Observation(
            failedRunStatus: failed.status, bookmarkAfterFailure: bookmarkAfterFailure, idsAfterFailure: idsAfterFailure,
            bookmarkAfterEarlyFailure: bookmarkAfterEarly,
            bookmarkAfterRecovery: try await last.loadState()[key]?.bookmark, idsAfterRecovery: try await ids(in: last))
        await last.close()
        return observation
    }
}

extension BookmarkContract.Observation {
    /// Every way the observation breaks the guarantee (empty when the destination keeps it).
    package var violations: [String] {
        var found: [String] = []
        if failedRunStatus != .failed { found.append("the run whose source failed ended \(failedRunStatus), not failed") }
        if bookmarkAfterEarlyFailure != nil {
            found.append("a bookmark (\(bookmarkAfterEarlyFailure.map(\.description) ?? "")) was written although no slice completed")
        }
        if bookmarkAfterFailure != BookmarkContract.firstEnd {
            found.append("after a failure in the second slice the bookmark is \(bookmarkAfterFailure.map(\.description) ?? "none"), not the first slice's \(BookmarkContract.firstEnd)")
        }
        let firstSlice: Set<String> = ["row-1", "row-2", "row-3", "row-4"]
        if !idsAfterFailure.isSuperset(of: firstSlice) {
            found.append("rows of the completed first slice are missing: \(firstSlice.subtracting(idsAfterFailure).sorted())")
        }
        if idsAfterFailure.contains("row-7") { found.append("a row the source never yielded (row-7) is present") }
        if bookmarkAfterRecovery != BookmarkContract.secondEnd {
            found.append("after a complete run the bookmark is \(bookmarkAfterRecovery.map(\.description) ?? "none"), not \(BookmarkContract.secondEnd)")
        }
        let all = Set((1...8).map { "row-\($0)" })
        if idsAfterRecovery != all { found.append("after a complete run the rows are \(idsAfterRecovery.sorted()), not row-1…row-8") }
        return found
    }
}
