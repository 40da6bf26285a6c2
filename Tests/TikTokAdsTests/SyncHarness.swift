import Destinations
import Foundation
import Logging
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// Runs real syncs against an in-process simulator into a temporary SQLite file.
struct SyncHarness {
    /// A fixed simulated "now" so runs are reproducible: 2026-03-15 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_773_576_000)

    static func simulatorOptions(seed: UInt64 = 7, advertisers: Int = 2) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.seed = seed
        options.advertisers = advertisers
        options.unauthorizedAdvertisers = 1
        options.now = now
        return options
    }

    /// A minute for `schedule --hourly` half an hour from now: the schedule runs on the wall clock, and with a fixed minute
    /// a run crossing it would start a second one mid-test (it once did, at minute 0).
    static func hourlyMinuteFarFromNow() -> String {
        String((Calendar(identifier: .gregorian).component(.minute, from: Date()) + 30) % 60)
    }

    /// `simulatorOptions()` with every fault kind injected: 9% of requests each, slow responses at 2%, four times
    /// `faultTimeout` long so they time the client out.
    static func everyFaultOptions() -> SimulatorOptions {
        var options = simulatorOptions()
        options.slowResponseSeconds = (faultTimeout * 4) / .seconds(1)
        let kinds = FaultKind.recoverable.filter { $0 != .slowResponse }
        options.faults = kinds.map { FaultRule(kind: $0, rate: 0.09) } + [FaultRule(kind: .slowResponse, rate: 0.02)]
        return options
    }

    /// The request timeout of runs under `everyFaultOptions()`: short enough that slow responses cost little, and
    /// long enough that an ordinary answer on a loaded machine seldom meets it (when it does, it is one more retry).
    static let faultTimeout: Duration = .seconds(1)

    static func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-e2e-\(UUID().uuidString).sqlite").path
    }

    static func settings(objects: [String], fields: [String: [String]] = [:], advertiserIDs: [String]? = nil,
                         includeDeleted: Bool = false, startDaysAgo: Int = 20, lookbackDays: Int = 7,
                         backfill: DateWindow? = nil) throws -> SyncSettings {
        let selections = try Catalog.resolve(objects).map { ObjectSelection(object: $0, fields: fields[$0.name]) }
        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        return SyncSettings(advertiserIDs: advertiserIDs, objects: selections, includeDeleted: includeDeleted,
                            startDate: today.adding(days: -startDaysAgo), lookbackDays: lookbackDays, backfill: backfill)
    }

    static func fastRetries(maxAttempts: Int = 12) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20), rateLimitDelay: .milliseconds(5))
    }

    /// Retries for runs under `everyFaultOptions()`: many attempts, and no fail-fast at the first contact. About 70%
    /// of requests meet a fault there (the SQLite run makes 108 calls in 359 attempts), so a call fails the run only
    /// when all its attempts do: at 25 attempts, 0.7^25 = 1.3e-4 per call, about 1.4% per run and 5% per suite
    /// (four such runs: SQLite, CSV, JSON Lines, PostgreSQL; seen once in ten loaded runs, a report page failing 25
    /// times). At 60, 0.7^60 = 5e-10 per call, and 6e-5 if timeouts on a loaded machine lifted the share to 85%.
    /// Each extra attempt moves the simulator's fault sequence, and three gateway pages in a row at the first request
    /// would stop the run as "not the TikTok API" (that rule has its own tests in `FailFastTests`).
    static func faultRetries() -> RetryPolicy {
        var policy = fastRetries(maxAttempts: 60)
        policy.firstContactAttempts = 60
        return policy
    }

    /// Pacing for syncs that test correctness under injected faults: the simulator's random `code40100` and
    /// `http429` faults (9% each) are rate limits to the pacer, which would otherwise slow the run to its floor;
    /// a high floor keeps those runs quick. Pacing itself is tested in `AdaptivePacerTests` and `LearnedPaceTests`.
    static let faultTolerantPacing = AdaptivePacingSettings(floor: 500)

    /// Runs one sync into `database` against a running simulator at `baseURL`.
    static func sync(baseURL: URL, simulator: TikTokSimulator, database: String, settings: SyncSettings,
                     at instant: Date = now, concurrency: Int = 4, budget: RateBudget = .unlimited,
                     retryPolicy: RetryPolicy = fastRetries(), timeout: Duration = .seconds(30),
                     retention: [String: Int] = [:], pacing: AdaptivePacingSettings = faultTolerantPacing,
                     reconciliation: ReconciliationMode = .off,
                     log lines: Protected<[String]> = Protected([])) async throws -> RunRecord {
        let destination = try SQLiteDestination(path: database)
        let api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: simulator.options.accessToken,
                                         appID: simulator.options.appId, appSecret: simulator.options.secret,
                                         requestTimeout: timeout, retryPolicy: retryPolicy)
        var job = SyncJob(api: api, settings: settings, destination: destination, concurrency: concurrency,
                          rateBudget: budget, pacing: pacing, retentionDays: retention, logger: CapturingLogHandler.logger(lines), now: { instant })
        job.reconciliation = reconciliation
        let sweep = SecretSweep([simulator.options.accessToken, simulator.options.secret])
        do {
            let record = try await job.run()
            await destination.close()
            try await expectNoLeaks(sweep, database: database, captured: [
                "log": lines.value.joined(separator: "\n"),
                "run record": (record.errors + record.skippedAdvertisers.values).joined(separator: "\n"),
            ])
            return record
        } catch {
            await destination.close()
            try await expectNoLeaks(sweep, database: database, captured: [
                "log": lines.value.joined(separator: "\n"), "thrown error": "\(error)",
            ])
            throw error
        }
    }

    /// The secrets sweep: fails the running test if any registered secret appears in what it captured or in
    /// any table of `database` (run history and state included).
    static func expectNoLeaks(_ sweep: SecretSweep, database: String?, captured: [String: String],
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var places = captured
        if let database, FileManager.default.fileExists(atPath: database) {
            for (table, text) in try await allText(database) { places["table \(table)"] = text }
        }
        for leak in sweep.leaks(in: places) { Issue.record("secret leak: \(leak)", sourceLocation: sourceLocation) }
    }

    /// The text of every table in the database, internal ones included.
    static func allText(_ database: String) async throws -> [String: String] {
        let destination = try SQLiteDestination(path: database)
        var result: [String: String] = [:]
        do {
            for row in try await destination.select("SELECT name FROM sqlite_master WHERE type = 'table'") {
                guard let table = row.first ?? nil else { continue }
                let rows = try await destination.select("SELECT * FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\"")
                result[table] = rows.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.joined(separator: "\n")
            }
        } catch {
            await destination.close()
            throw error
        }
        await destination.close()
        return result
    }

    /// Every data table's rows, sorted: two databases with equal dumps hold the same content.
    static func dump(_ database: String) async throws -> [String: [String]] {
        let destination = try SQLiteDestination(path: database)
        var result: [String: [String]] = [:]
        for table in try await destination.tables() { result[table] = try await destination.dump(table: table) }
        await destination.close()
        return result
    }

    /// Rows present in one dump and not the other, per table (empty when the contents are equal).
    static func differences(_ a: [String: [String]], _ b: [String: [String]]) -> [String: Int] {
        var result: [String: Int] = [:]
        for table in Set(a.keys).union(b.keys) {
            let left = Set(a[table] ?? []), right = Set(b[table] ?? [])
            let count = left.symmetricDifference(right).count + abs((a[table]?.count ?? 0) - (b[table]?.count ?? 0))
            if count > 0 { result[table] = count }
        }
        return result
    }

    static func query(_ database: String, _ sql: String) async throws -> [[String?]] {
        let destination = try SQLiteDestination(path: database)
        let rows = try await destination.select(sql)
        await destination.close()
        return rows
    }
}
