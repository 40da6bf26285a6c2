import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Syncs under injected faults and rate-limit budgets.
@Suite(.serialized)
struct ResilienceEndToEndTests {
    /// A sync of the harness's simulator with no fault: its record and its database.
    static func syncWithoutFaults(_ settings: SyncSettings) async throws -> (RunRecord, String) {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        return (record, database)
    }

    @Test func underEveryKindOfFaultTheSyncGivesTheContentOfACleanRun() async throws {
        let objects = ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country"]
        var draft = try SyncHarness.settings(objects: objects, startDaysAgo: 12)
        draft.pageSize = 7
        draft.audiencePageSize = 3
        let settings = draft

        let (cleanRecord, clean) = try await Self.syncWithoutFaults(settings)
        #expect(cleanRecord.status == .succeeded)

        let options = SyncHarness.everyFaultOptions()
        let faulty = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        let record = try await faulty.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: faulty, database: database, settings: settings,
                                       retryPolicy: SyncHarness.faultRetries(), timeout: SyncHarness.faultTimeout)
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        let entries = faulty.requestLog.entries
        let faulted = entries.filter { $0.fault != nil }
        #expect(Set(faulted.compactMap(\.fault)) == Set(FaultKind.recoverable), "every fault kind should have happened")
        #expect(Double(faulted.count) / Double(entries.count) > 0.4, "most calls should fail at least once")
        #expect(record.objects.values.reduce(0) { $0 + $1.retries } > 0)
        #expect(SyncHarness.differences(try await SyncHarness.dump(database), try await SyncHarness.dump(clean)).isEmpty)
    }

    /// Rows an offset shift repeats on the next page (a row inserted while the listing was paged) are read, counted
    /// and loaded once: the run counts what a clean run counts, entity listings and reports alike.
    @Test func rowsAShiftedPageRepeatsAreCountedOnce() async throws {
        let objects = ["campaigns", "ads", "ad_insights"]
        var draft = try SyncHarness.settings(objects: objects, startDaysAgo: 12)
        draft.pageSize = 5
        let settings = draft

        let (cleanRecord, clean) = try await Self.syncWithoutFaults(settings)
        var options = SyncHarness.simulatorOptions()
        options.faults = [FaultRule(kind: .rowInserted, rate: 0.5)]
        let shifting = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        let record = try await shifting.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: shifting, database: database, settings: settings)
        }
        #expect(record.status == cleanRecord.status)
        let shifted = Set(shifting.requestLog.entries.filter { $0.fault == .rowInserted }.map(\.endpoint))
        #expect(shifted.isSuperset(of: ["ad/get", "report/integrated/get"]), "\(shifted)")
        for object in objects {
            let rows = try #require(record.objects[object]?.rows)
            #expect(rows > 0 && rows == cleanRecord.objects[object]?.rows, "\(object): \(rows) rows")
        }
        #expect(SyncHarness.differences(try await SyncHarness.dump(database), try await SyncHarness.dump(clean)).isEmpty)
    }

    @Test func aRateBudgetIsNeverExceeded() async throws {
        var options = SyncHarness.simulatorOptions(advertisers: 3)
        options.rateLimit = .init(qps: 8, qpm: 400)
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        var draft = try SyncHarness.settings(objects: ["campaigns", "ads", "ad_insights"], startDaysAgo: 5)
        draft.pageSize = 4
        let settings = draft
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings,
                                       concurrency: 8, budget: RateBudget(perSecond: 8, perMinute: 400))
        }
        #expect(record.status == .succeeded)
        let entries = simulator.requestLog.entries
        #expect(entries.count > 24, "the workload should need more than three seconds of budget")
        #expect(!entries.contains { $0.code == 40100 }, "the simulator rate-limited the client")
        // Arrivals as the server counted them (before it did any work on the request), not when it logged its answer:
        // on a loaded machine answers are logged late and bunch up.
        #expect(simulator.arrivals.total.maxPerSecond <= 8, "\(simulator.arrivals.total)")
        #expect(simulator.arrivals.total.maxPerMinute <= 400)
        let times = entries.compactMap(\.arrivalSeconds).sorted()
        #expect(times.count == entries.count)
        for (index, time) in times.enumerated() {
            let inWindow = times[index...].prefix { $0 - time < 1 }.count
            #expect(inWindow <= 8)
        }
    }
}
