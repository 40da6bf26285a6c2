import Destinations
import Foundation
import Logging
import SyncKit
import Testing
import TestSupport
import TikTokAds
import TikTokSimulator

/// The pace TikTok accepted is kept in the destination and is where the next run starts.
struct LearnedPaceTests {
    static let reports = "report/integrated/get"

    func job(_ simulator: TikTokSimulator, url: URL, database: String, clock: VirtualClock) throws -> (SyncJob, SQLiteDestination) {
        let destination = try SQLiteDestination(path: database)
        let api = TikTokAPIConfiguration(baseURL: url, accessToken: simulator.options.accessToken, appID: simulator.options.appId,
                                         appSecret: simulator.options.secret, retryPolicy: SyncHarness.fastRetries())
        let settings = try SyncHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 40)
        let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 2, logger: Logger(label: "test"),
                          now: { SyncHarness.now }, clock: clock)
        return (job, destination)
    }

    @Test func aRateLimitedRunSavesThePaceAndTheNextRunStartsThere() async throws {
        var options = SyncHarness.simulatorOptions()
        // The third report request is answered "too many requests".
        options.faults = [FaultRule(kind: .code40100, calls: [3], endpoint: Self.reports)]
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let firstClock = VirtualClock()
            let (first, firstDestination) = try job(simulator, url: url, database: database, clock: firstClock)
            let firstRecord = try await first.run()
            await firstDestination.close()
            #expect(firstRecord.status == .partial || firstRecord.status == .succeeded)
            let firstPace = try #require(firstRecord.pacing.first { $0.endpoint == Self.reports })
            #expect(firstPace.rateLimitedAnswers == 1)
            let learnedRate = try #require(firstPace.requestsPerSecond, "a rate-limited endpoint has a pace")

            // The destination keeps it.
            let stored = try await SyncHarness.query(database, "SELECT endpoint, requests_per_second FROM _tiktok_ads_pacing")
            #expect(stored.count == 1)
            #expect(stored.first?[0] == Self.reports)
            #expect(abs((stored.first?[1].flatMap { Double($0) } ?? 0) - learnedRate) < 0.001)

            // The next run paces report calls from the first one, at that pace: its clock was asked to wait about
            // 1 / pace between calls, although this time nothing is rate limited.
            let nextClock = VirtualClock()
            let (next, nextDestination) = try job(simulator, url: url, database: database, clock: nextClock)
            let nextRecord = try await next.run()
            await nextDestination.close()
            let nextPace = try #require(nextRecord.pacing.first { $0.endpoint == Self.reports })
            #expect(nextPace.rateLimitedAnswers == 0)
            #expect(try #require(nextPace.requestsPerSecond) >= learnedRate)
            let spacing = Duration.seconds(1 / learnedRate)
            #expect(nextClock.sleeps.contains { $0 > spacing / 2 && $0 <= spacing }, "waits of about 1 / \(learnedRate) s: \(nextClock.sleeps.prefix(8))")
        }
    }

    /// `state reset --pacing` forgets every learned pace (after an access-tier upgrade TikTok's budget rises, and a
    /// learned per-minute budget never rises by itself) and keeps every bookmark; it takes no stream scope.
    @Test func stateResetPacingForgetsThePaceAndKeepsTheBookmarks() async throws {
        let database = SyncHarness.temporaryDatabase()
        let destination = try SQLiteDestination(path: database)
        try await destination.prepareWithBookkeeping([])
        try await PacingStore.save(["campaign/get": LearnedRate(requestsPerSecond: 12.5, requestsPerMinute: 600),
                                    Self.reports: LearnedRate(requestsPerSecond: 4)], at: SyncHarness.now, in: destination)
        let bookmark = StreamCheckpoint(key: StreamKey(advertiserID: "7001", object: "ad_insights"),
                                        state: StreamState(bookmark: LocalDate("2026-03-10"), syncedAt: SyncHarness.now))
        try await destination.commitBookkeeping(StateStore.batch([bookmark]))
        await destination.close()

        let scoped = try await ToolBinary.capture(["state", "reset", "--pacing", "--objects", "ad_insights", "--sqlite", database])
        #expect(scoped.code == 2)
        #expect(scoped.err.contains("--pacing forgets the pace of every endpoint"), "\(scoped.err)")

        let reset = try await ToolBinary.capture(["state", "reset", "--pacing", "--sqlite", database])
        #expect(reset.code == 0, "\(reset.err)")
        #expect(reset.out.contains("forgot the pace learned for 2 endpoint(s); bookmarks are kept"), "\(reset.out)")
        let reopened = try SQLiteDestination(path: database)
        let learned = try await PacingStore.load(from: reopened)
        let state = try await reopened.loadState()
        await reopened.close()
        #expect(learned.isEmpty)
        #expect(state == [bookmark.key: bookmark.state])
    }

    @Test func anUnreadablePaceRowIsLearnedAgain() async throws {
        let database = SyncHarness.temporaryDatabase()
        let destination = try SQLiteDestination(path: database)
        try await destination.prepareWithBookkeeping([])
        try await PacingStore.save(["campaign/get": LearnedRate(requestsPerSecond: 12.5, requestsPerMinute: 600)], at: SyncHarness.now, in: destination)
        _ = try await destination.select("INSERT INTO _tiktok_ads_pacing (endpoint, requests_per_second) VALUES ('ad/get', -3)")
        let learned = try await PacingStore.load(from: destination)
        await destination.close()
        #expect(learned == ["campaign/get": LearnedRate(requestsPerSecond: 12.5, requestsPerMinute: 600)])
    }
}
