import Destinations
import SyncKit
import TestSupport
import Testing

/// The engine's guarantee on BigQuery (one load for the run): a source failing mid-slice never moves a
/// bookmark past committed rows. On the emulator; skipped without it.
@Suite(.serialized, .enabled(if: BigQueryHarness.emulatorURL != nil, BigQueryHarness.skipMessage))
struct BigQueryBookmarkContractTests {
    @Test func aBookmarkNeverPassesCommittedRowsWhenASourceFailsMidSlice() async throws {
        let dataset = BigQueryHarness.newDataset("contract")
        let observation = try await BookmarkContract.observe { try BigQueryHarness.destination(dataset: dataset) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    /// A snapshot stream replaces its advertiser's earlier rows only after the run's load is committed.
    @Test func aSnapshotReplacesTheLastOneOnlyWhenComplete() async throws {
        let dataset = BigQueryHarness.newDataset("snapshot")
        let observation = try await SnapshotContract.observe { try BigQueryHarness.destination(dataset: dataset) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    /// Rows per advertiser and the local days a date and an hour column cover, counted by the destination (one GROUP BY
    /// query job, not a download of the table), agree with reading every row; a missing table or column is nil.
    @Test func rowCountsAreCountedByOneQuery() async throws {
        let destination = try BigQueryHarness.destination(dataset: BigQueryHarness.newDataset("counts"))
        #expect((destination as any Destination) is any SQLQuerying, "counted by a query (aSQLDestinationCountsRowsWithOneQuery), not by reading every row")
        let (counted, read) = try await RowCountContract.observe(destination)
        await destination.close()
        #expect(counted == RowCountContract.expected)
        #expect(read == RowCountContract.expected)
    }

    /// The reconciliation table's results per advertiser, summed by one query job, equal reading every row.
    @Test func reconciliationResultsAreSummedByOneQuery() async throws {
        let destination = try BigQueryHarness.destination(dataset: BigQueryHarness.newDataset("reconciled"))
        let (summed, read, empty) = try await ReconciliationResultsContract.observe(destination)
        await destination.close()
        #expect(empty.isEmpty, "no table, no results")
        #expect(summed == read, "the same results, to the character, as reading every row")
        #expect(ReconciliationResultsContract.summaries(summed) == ReconciliationResultsContract.expected)
    }
}
