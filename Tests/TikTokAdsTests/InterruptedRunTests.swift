import Destinations
import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// A run killed before it recorded its outcome stays `running` only until the next sync starts: then it is `interrupted`.
struct InterruptedRunTests {
    @Test func runsLeftRunningAreMarkedInterruptedAndFinishedOnesAreKept() async throws {
        let destination = try SQLiteDestination(path: SyncHarness.temporaryDatabase())
        let killed = RunRecord(startedAt: Date(timeIntervalSince1970: 1_700_000_000), status: .running)
        let done = RunRecord(startedAt: Date(timeIntervalSince1970: 1_700_000_100), endedAt: Date(timeIntervalSince1970: 1_700_000_200),
                             status: .succeeded, objects: ["ads": ObjectStatistics(rows: 5, requests: 2)])
        try await destination.recordRun(killed)
        try await destination.recordRun(done)

        #expect(try await destination.markInterruptedRuns() == 1)
        let runs = Dictionary(uniqueKeysWithValues: try await destination.recentRuns(limit: 10).map { ($0.id, $0) })
        #expect(runs.count == 2)
        #expect(runs[killed.id]?.status == .interrupted)
        #expect(runs[killed.id]?.errors.first?.contains("killed") == true)
        #expect(runs[done.id]?.status == .succeeded)
        #expect(runs[done.id]?.objects["ads"] == ObjectStatistics(rows: 5, requests: 2))
        #expect(try await destination.markInterruptedRuns() == 0, "marking is done once")
        await destination.close()
    }

    @Test func theNextSyncMarksAKilledRunInterruptedAndSucceeds() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        // What a SIGKILL mid-run leaves: the run's opening `running` row and nothing after it.
        let killed = RunRecord(startedAt: SyncHarness.now.addingTimeInterval(-3600))
        let destination = try SQLiteDestination(path: database)
        try await destination.recordRun(killed)
        await destination.close()

        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: ["campaigns"], advertiserIDs: simulator.world.grantedAdvertiserIDs))
        }
        #expect(record.status == .succeeded)
        let runs = try await SyncHarness.query(database, "SELECT run_id, status FROM _tiktok_ads_runs ORDER BY rowid")
        #expect(runs == [[killed.id, "interrupted"], [record.id, "succeeded"]])
        #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_campaigns")[0][0] != "0")
    }

    @Test func anInterruptedRunIsAFailureForExitCodesAndMetrics() {
        #expect(RunStatus.interrupted.exitCode == 1)
        #expect(RunStatus(rawValue: "interrupted") == .interrupted)
        let metrics = SyncMetrics(interval: .seconds(3600))
        metrics.record(RunRecord(startedAt: Date(), status: .interrupted))
        #expect(metrics.render().contains("tiktok_ads_runs_total{status=\"interrupted\"} 1"))
        #expect(!metrics.isHealthy(now: Date().addingTimeInterval(7300)), "an interrupted run is no success")
    }
}
