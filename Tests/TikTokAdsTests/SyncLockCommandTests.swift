import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// The sync lock and the run history as a user meets them: other names for the database, other writing commands,
/// and syncs stopped by SIGTERM or killed by SIGKILL.
@Suite(.serialized)
struct SyncLockCommandTests {
    static let environment = ["TIKTOK_ACCESS_TOKEN": "sim-access-token"]

    static func syncArguments(_ url: URL, _ database: String, _ simulator: TikTokSimulator, extra: [String] = []) -> [String] {
        ["sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--now", "2026-03-15T12:00:00Z",
         "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
         "--objects", "campaigns,ads,ad_insights,ad_insights_hourly", "--quiet"] + extra
    }

    /// A fresh directory whose path has no symlinks (so `<path>.lock` is the lock the tool computes).
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try #require(realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        })
    }

    @Test func everyNameAndEveryWritingCommandIsRefusedWhileASyncHoldsTheDatabase() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let dir = try Self.directory()
        let database = dir + "/db.sqlite"
        let link = dir + "/link.sqlite"
        let hard = dir + "/hard.sqlite"
        try await simulator.withRunningServer { url in
            #expect(try await ToolBinary.run(Self.syncArguments(url, database, simulator), environment: Self.environment) == 0)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: database)
            let before = try await SyncHarness.dump(database)
            let requests = simulator.requestLog.totalCount

            // This process holds the database's lock, as a running sync would.
            let held = try #require(try FileLock(path: database + ".lock"))
            let refusal = "Another sync is writing to sqlite:\(link) (pid \(getpid()))"
            let sync = try await ToolBinary.capture(Self.syncArguments(url, link, simulator), environment: Self.environment)
            #expect(sync.code == 1)
            #expect(sync.err.contains(refusal), "\(sync.err)")
            let reset = try await ToolBinary.capture(["state", "reset", "--sqlite", link])
            #expect(reset.code == 1)
            #expect(reset.err.contains(refusal), "\(reset.err)")
            let resetDirect = try await ToolBinary.capture(["state", "reset", "--sqlite", database])
            #expect(resetDirect.code == 1)
            #expect(resetDirect.err.contains("Another sync is writing to sqlite:\(database) (pid \(getpid()))"), "\(resetDirect.err)")
            let cleanup = try await ToolBinary.capture(["cleanup", "--sqlite", link, "--retention-days", "3", "--now", "2026-03-15T12:00:00Z"])
            #expect(cleanup.code == 1)
            #expect(cleanup.err.contains(refusal), "\(cleanup.err)")
            // Reading needs no lock.
            let show = try await ToolBinary.capture(["state", "show", "--sqlite", link])
            #expect(show.code == 0, "\(show.err)")
            #expect(show.out.contains("succeeded"))
            held.release()
            #expect(simulator.requestLog.totalCount == requests, "a refused sync makes no API call")
            #expect(SyncHarness.differences(before, try await SyncHarness.dump(database)).isEmpty, "refused commands change nothing")
            #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM _tiktok_ads_state")[0][0] != "0")

            // A hard link is refused under either name, before anything is written, with the reason and the fix.
            #expect(Foundation.link(database, hard) == 0)
            for name in [hard, database] {
                let refused = try await ToolBinary.capture(Self.syncArguments(url, name, simulator), environment: Self.environment)
                #expect(refused.code == 2)
                #expect(refused.err.contains("has 2 hard links"), "\(refused.err)")
                #expect(refused.err.contains("remove the other links"))
            }
            let resetHard = try await ToolBinary.capture(["state", "reset", "--sqlite", hard])
            #expect(resetHard.code == 2)
            #expect(resetHard.err.contains("hard links"), "\(resetHard.err)")
            #expect(!FileManager.default.fileExists(atPath: hard + "-wal"), "SQLite never opened the second name")
            #expect(simulator.requestLog.totalCount == requests)
            #expect(unlink(hard) == 0)

            // One name again: syncs run, through the symlink too.
            #expect(try await ToolBinary.run(Self.syncArguments(url, link, simulator), environment: Self.environment) == 0)
        }
        #expect(try await SyncHarness.query(database, "PRAGMA integrity_check")[0][0] == "ok")
        let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs ORDER BY rowid")
        #expect(runs.map { $0[0] } == ["succeeded", "succeeded"])
    }

    /// Runs a slow sync and sends it `signal` as its 12th request arrives: mid-run.
    static func stopSlowSync(_ url: URL, _ database: String, _ simulator: TikTokSimulator, with signal: Int32) async throws -> Int32 {
        let base = simulator.requestLog.totalCount
        let run = try await ToolBinary.run(syncArguments(url, database, simulator, extra: ["--concurrency", "1", "--lookback-days", "60"]),
                                           environment: environment, signal: signal, requestLog: simulator.requestLog) { $0 - base >= 12 }
        #expect(run.signalled, "the sync should still be going when it is stopped")
        return run.exit
    }

    static func slowSimulator() -> TikTokSimulator {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 20, jitterMs: 5)
        return TikTokSimulator(options: options)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aStopSignalRecordsTheRunAsCancelledAndKeepsTheData(_ signal: Int32) async throws {
        let simulator = Self.slowSimulator()
        let database = SyncHarness.temporaryDatabase()
        let reference = SyncHarness.temporaryDatabase()
        let (exit, runsAfterStop) = try await simulator.withRunningServer { url in
            let exit = try await Self.stopSlowSync(url, database, simulator, with: signal)
            let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs ORDER BY rowid")
            for path in [database, reference] {
                #expect(try await ToolBinary.run(Self.syncArguments(url, path, simulator), environment: Self.environment) == 0)
            }
            return (exit, runs)
        }
        #expect(exit == 1, "a cancelled run exits as RunStatus.cancelled.exitCode says")
        #expect(runsAfterStop.map { $0[0] } == ["cancelled"])
        let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs ORDER BY rowid")
        #expect(runs.map { $0[0] } == ["cancelled", "succeeded"])
        #expect(try await SyncHarness.query(database, "PRAGMA integrity_check")[0][0] == "ok")
        #expect(SyncHarness.differences(try await SyncHarness.dump(database), try await SyncHarness.dump(reference)).isEmpty)
    }

    @Test func aSyncKilledWithSigkillIsMarkedInterruptedByTheNextSync() async throws {
        let simulator = Self.slowSimulator()
        let database = SyncHarness.temporaryDatabase()
        let (runsAfterKill, resumed) = try await simulator.withRunningServer { url in
            _ = try await Self.stopSlowSync(url, database, simulator, with: SIGKILL)
            let runs = try await SyncHarness.query(database, "SELECT status FROM _tiktok_ads_runs ORDER BY rowid")
            let resumed = try await ToolBinary.run(Self.syncArguments(url, database, simulator), environment: Self.environment)
            return (runs, resumed)
        }
        #expect(runsAfterKill.map { $0[0] } == ["running"])
        #expect(resumed == 0)
        let runs = try await SyncHarness.query(database, "SELECT status, ended_at IS NULL FROM _tiktok_ads_runs ORDER BY rowid")
        #expect(runs == [["interrupted", "1"], ["succeeded", "0"]])
        #expect(try await SyncHarness.query(database, "PRAGMA integrity_check")[0][0] == "ok")
        let show = try await ToolBinary.capture(["state", "show", "--sqlite", database])
        #expect(show.out.contains("interrupted"))
    }
}
