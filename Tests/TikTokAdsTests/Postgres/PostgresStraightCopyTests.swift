import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing

/// A table's pages are copied straight in while none has met a row already there, and merged from the first page that
/// does: whichever way a page goes, the table ends as upserting every page in order leaves it, each page with its
/// checkpoint, and a page that meets existing rows leaves nothing of its first attempt behind.
@Suite(PostgresHarness.enabled)
struct PostgresStraightCopyTests {
    let schema = TableSchema(name: "tiktok_ads_ad_insights", fields: [
        Field("ad_id", .string, ""), Field("advertiser_id", .string, ""), Field("stat_time_day", .date, ""), Field("spend", .decimal, ""),
    ], key: ["ad_id", "stat_time_day", "advertiser_id"], timeField: "stat_time_day")

    func row(_ ad: String, _ spend: String) -> [Value] { [.string(ad), .string("7000000000000000001"), .date("2024-01-01"), .decimal(spend)] }

    func checkpoint(_ object: String) -> StreamCheckpoint {
        StreamCheckpoint(key: StreamKey(advertiserID: "7000000000000000001", object: object),
                         state: StreamState(bookmark: LocalDate("2024-01-01"), syncedAt: Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test func pagesMeetingExistingRowsAreMergedWithTheirCheckpointsAndTheTableEndsAsTheUpsertsLeaveIt() async throws {
        let name = PostgresHarness.uniqueSchema()
        let first = try PostgresHarness.destination(schema: name)
        let second = try PostgresHarness.destination(schema: name)
        do {
            try await first.prepareWithBookkeeping([schema])
            // New rows (two sharing a key: the last wins), then a page with one row already there and one new, with
            // its checkpoint; then new rows again, after the table's first merge.
            try await first.loadPage(RowBatch(schema: schema, rows: [row("a", "1.00"), row("b", "2.00"), row("a", "1.50")]), checkpoint: checkpoint("one"))
            try await first.loadPage(RowBatch(schema: schema, rows: [row("b", "2.50"), row("c", "3.00")]), checkpoint: checkpoint("two"))
            try await first.loadPage(RowBatch(schema: schema, rows: [row("d", "4.00")]))
            await first.close()
            // Another destination (another run) starts copying straight in again, and meets row a.
            try await second.loadPage(RowBatch(schema: schema, rows: [row("a", "1.75"), row("e", "5.00")]), checkpoint: checkpoint("three"))
            #expect(try await PostgresHarness.dump(name)[schema.name] == [
                "(a,7000000000000000001,2024-01-01,1.75)", "(b,7000000000000000001,2024-01-01,2.50)", "(c,7000000000000000001,2024-01-01,3.00)",
                "(d,7000000000000000001,2024-01-01,4.00)", "(e,7000000000000000001,2024-01-01,5.00)",
            ])
            #expect(Set(try await second.loadState().keys.map(\.object)) == ["one", "two", "three"])
        } catch {
            await first.close()
            await second.close()
            try await PostgresHarness.dropSchema(name)
            throw error
        }
        await second.close()
        try await PostgresHarness.dropSchema(name)
    }

    /// A merged page rewrites only the rows it changes: a row equal to the stored one keeps its tuple (its `xmin`, the
    /// transaction that wrote it), so a re-read lookback writes what TikTok restated, not the whole window again. A
    /// value equal as a number but not as text (1.5 and 1.50) is a change: the table keeps the API's text.
    @Test func aMergedPageRewritesOnlyTheRowsItChanges() async throws {
        try await PostgresHarness.withDestination { destination, name in
            try await destination.prepareWithBookkeeping([schema])
            let page = RowBatch(schema: schema, rows: [row("a", "1.5"), row("b", "2.00"), row("c", "3.00")])
            try await destination.loadPage(page)
            let versions = { try await PostgresHarness.query("SELECT ad_id, xmin::text, spend::text FROM \(name).\(schema.name) ORDER BY ad_id") }
            let written = try await versions()
            try await destination.loadPage(page, checkpoint: checkpoint("again"))
            #expect(try await versions() == written, "the same page again rewrites no row")
            try await destination.loadPage(RowBatch(schema: schema, rows: [row("a", "1.50"), row("b", "2.00"), row("c", "3.25")]))
            let after = try await versions()
            #expect(after.map { $0[2] } == ["1.50", "2.00", "3.25"])
            #expect(after[1] == written[1], "b is unchanged")
            #expect(after[0][1] != written[0][1] && after[2][1] != written[2][1], "a (same number, other text) and c are rewritten")
            #expect(try await destination.loadState().keys.map(\.object) == ["again"], "the checkpoint committed with the page that changed nothing")
        }
    }
}
