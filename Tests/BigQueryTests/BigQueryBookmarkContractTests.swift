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
}
