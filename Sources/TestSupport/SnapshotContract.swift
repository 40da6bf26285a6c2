import Foundation
import Logging
import SyncKit

/// The guarantee every destination keeps for snapshot streams (lifetime reports): a run that reads a whole snapshot
/// replaces the previous one within its scope (rows that are gone are deleted, after the new rows are committed), a
/// run that fails midway deletes nothing, and rows outside the scope are never touched. Runs the same scenario
/// against any destination and reports what it observed, for each destination's tests to check.
package enum SnapshotContract {
    package struct SourceFailure: Error {}

    package static let schema = TableSchema(name: "tiktok_ads_contract_snapshot", fields: [
        Field("id", .string, "Row id"), Field("advertiser_id", .string, "Advertiser"),
        Field("synced_at", .datetime, "Run that read the row"),
    ], key: ["id", "advertiser_id"])
    package static let advertisers = ["7000000000000000001", "7000000000000000002"]
    static let stamps = ["2026-01-10 08:00:00", "2026-01-11 08:00:00", "2026-01-12 08:00:00"]

    /// What the destination held after each run: row ids by advertiser, and the stamps of the first one's rows.
    package struct Observation: Sendable {
        package var afterFirstRun: [String: Set<String>]
        /// After a run whose first advertiser's listing fails on its second page.
        package var afterFailedRun: [String: Set<String>]
        /// After a run of the first advertiser alone whose listing no longer holds `a3`.
        package var afterReplacingRun: [String: Set<String>]
        package var stampsAfterReplacingRun: Set<String>
    }

    /// One advertiser's snapshot stamped by run `run`, its `pages` yielded in order; `failing` throws at page 2.
    static func plan(advertiser: String, run: Int, pages: [[String]], failing: Bool = false) -> StreamPlan {
        let stamp = ColumnValue("synced_at", .datetime(stamps[run]))
        @Sendable func page(_ index: Int) -> @Sendable () async throws -> SourcePage {
            { @Sendable in
                if failing, index == 1 { throw SourceFailure() }
                let rows = pages[index].map { [Value.string($0), .string(advertiser), stamp.value] }
                return SourcePage(rows: rows, next: index + 1 < pages.count ? page(index + 1) : nil)
            }
        }
        let slice = StreamSlice(checkpoint: StreamState(bookmark: nil, syncedAt: Date(timeIntervalSince1970: 1_768_000_000)), firstPage: page(0))
        return StreamPlan(key: StreamKey(advertiserID: advertiser, object: "contract_snapshot"), schema: schema, slices: [slice],
                          snapshot: Snapshot(scope: [ColumnValue("advertiser_id", .string(advertiser))], stamp: stamp))
    }

    static func run(_ plans: [StreamPlan], into destination: any Destination) async throws {
        var logger = Logger(label: "contract")
        logger.logLevel = .critical
        try await destination.prepareWithBookkeeping([schema])
        let engine = SyncEngine(destination: destination, concurrency: 1, logger: logger)
        _ = await engine.run(plans, run: RunRecord(startedAt: Date()), statistics: RunStatistics())
    }

    static func contents(of destination: any Destination) async throws -> (ids: [String: Set<String>], stamps: Set<String>) {
        var ids: [String: Set<String>] = [:]
        var stamps: Set<String> = []
        for row in try await destination.rows(of: schema) {
            guard let id = row[0].text, let advertiser = row[1].text else { continue }
            ids[advertiser, default: []].insert(id)
            if advertiser == advertisers[0] { stamps.insert(row[2].text ?? "NULL") }
        }
        return (ids, stamps)
    }

    /// Runs the scenario; `fresh` opens the destination again for each run (nothing in memory carries over).
    package static func observe(_ fresh: () async throws -> any Destination) async throws -> Observation {
        let (a, b) = (advertisers[0], advertisers[1])
        func step(_ plans: [StreamPlan]) async throws -> (ids: [String: Set<String>], stamps: Set<String>) {
            let writer = try await fresh()
            try await run(plans, into: writer)
            await writer.close()
            let reader = try await fresh()
            do {
                let found = try await contents(of: reader)
                await reader.close()
                return found
            } catch {
                await reader.close()
                throw error
            }
        }
        let first = try await step([plan(advertiser: a, run: 0, pages: [["a1", "a2"], ["a3"]]),
                                    plan(advertiser: b, run: 0, pages: [["b1", "b2"]])])
        let failed = try await step([plan(advertiser: a, run: 1, pages: [["a1"], ["a2"]], failing: true)])
        let replaced = try await step([plan(advertiser: a, run: 2, pages: [["a1"], ["a2"]])])
        return Observation(afterFirstRun: first.ids, afterFailedRun: failed.ids, afterReplacingRun: replaced.ids,
                           stampsAfterReplacingRun: replaced.stamps)
    }
}

extension SnapshotContract.Observation {
    /// Every way the observation breaks the guarantee (empty when the destination keeps it).
    package var violations: [String] {
        let (a, b) = (SnapshotContract.advertisers[0], SnapshotContract.advertisers[1])
        var found: [String] = []
        if afterFirstRun[a] != ["a1", "a2", "a3"] || afterFirstRun[b] != ["b1", "b2"] {
            found.append("after the first run the rows are \(afterFirstRun), not a1…a3 and b1, b2")
        }
        if afterFailedRun[a] != ["a1", "a2", "a3"] {
            found.append("a run that failed midway changed the previous snapshot: \(afterFailedRun[a]?.sorted() ?? []), not a1…a3")
        }
        if afterReplacingRun[a] != ["a1", "a2"] {
            found.append("after a complete run without a3 the first advertiser's rows are \(afterReplacingRun[a]?.sorted() ?? []), not a1, a2")
        }
        if afterReplacingRun[b] != ["b1", "b2"] || afterFailedRun[b] != ["b1", "b2"] {
            found.append("rows of another advertiser, outside the runs' scope, changed: \(afterReplacingRun[b]?.sorted() ?? [])")
        }
        if stampsAfterReplacingRun != [SnapshotContract.stamps[2]] {
            found.append("the replacing run's rows carry the stamps \(stampsAfterReplacingRun.sorted()), not only \(SnapshotContract.stamps[2])")
        }
        return found
    }
}
