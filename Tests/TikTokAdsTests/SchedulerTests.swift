import Foundation
import Logging
import SyncKit
import Testing
import TestSupport

struct SchedulerTests {
    static let utc = TimeZone(identifier: "UTC")!  // always exists
    /// 2026-03-02 00:30 UTC.
    static let start = Date(timeIntervalSince1970: 1_772_411_400)

    var logger: Logger {
        var logger = Logger(label: "scheduler-test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs a scheduler on a virtual clock and returns its events.
    func simulate(_ schedule: Schedule, hours: Double, lastRunStart: Date? = start.addingTimeInterval(-60),
                  runSeconds: TimeInterval = 120, configure: (VirtualWallClock) -> Void = { _ in }) async throws -> [Scheduler.Event] {
        let clock = VirtualWallClock(start: Self.start, end: Self.start.addingTimeInterval(hours * 3600))
        configure(clock)
        let events = Protected<[Scheduler.Event]>([])
        let running = Protected(0)
        let scheduler = Scheduler(schedule: schedule, clock: clock, logger: logger)
        do {
            try await scheduler.run(lastRunStart: lastRunStart, onEvent: { event in events.withLock { $0.append(event) } }) { _ in
                let overlapping = running.withLock { count -> Bool in
                    count += 1
                    return count > 1
                }
                #expect(!overlapping, "two runs overlapped")
                clock.advance(by: runSeconds)
                running.withLock { $0 -= 1 }
                return .completed
            }
        } catch is CancellationError {}
        return events.value
    }

    func runs(_ events: [Scheduler.Event]) -> [Scheduler.Tick] {
        events.compactMap { if case .ran(let tick) = $0 { tick } else { nil } }
    }

    func skips(_ events: [Scheduler.Event]) -> [Date] {
        events.compactMap { if case .skipped(let tick, _) = $0 { tick } else { nil } }
    }

    @Test func fortyEightHoursOfAnHourlyScheduleGiveExactly48Runs() async throws {
        let events = try await simulate(try .hourly(minute: 0), hours: 48)
        let ticks = runs(events)
        #expect(ticks.count == 48)
        #expect(skips(events).isEmpty)
        #expect(ticks.allSatisfy { !$0.isCatchUp })
        #expect(ticks.first?.scheduledAt == Self.start.addingTimeInterval(1800))
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $1.scheduledAt.timeIntervalSince($0.scheduledAt) == 3600 })
    }

    @Test func aRunLongerThanTheIntervalSkipsTicksInsteadOfOverlapping() async throws {
        let events = try await simulate(try .hourly(minute: 0), hours: 10, runSeconds: 90 * 60)
        let ticks = runs(events)
        // Each run takes 1.5 h, so every second tick finds a run in progress.
        #expect(ticks.count == 5)
        #expect(skips(events).count == 5)
        #expect(ticks.allSatisfy { !$0.isCatchUp })
    }

    @Test func afterATenHourOutageExactlyOneCatchUpRunHappens() async throws {
        let outageStart = Self.start.addingTimeInterval(5 * 3600)
        let events = try await simulate(try .hourly(minute: 0), hours: 24) { clock in
            clock.addOutage(after: outageStart, length: 10 * 3600)
        }
        let ticks = runs(events)
        let catchUps = ticks.filter(\.isCatchUp)
        #expect(catchUps.count == 1)
        #expect(catchUps.first?.missed == 11)
        #expect(skips(events).isEmpty)
        // 5 on-time runs, 1 catch-up, then hourly again up to the end of the 24 hours.
        #expect(ticks.count == 5 + 1 + 8)
    }

    @Test func aProcessStartedAfterMissedTicksCatchesUpOnceAtStart() async throws {
        let events = try await simulate(try .hourly(minute: 0), hours: 3, lastRunStart: Self.start.addingTimeInterval(-6 * 3600))
        let ticks = runs(events)
        #expect(ticks.first?.isCatchUp == true)
        #expect(ticks.first?.missed == 6)
        #expect(ticks.dropFirst().allSatisfy { !$0.isCatchUp })
        #expect(ticks.count == 1 + 3)
        let fresh = try await simulate(try .hourly(minute: 0), hours: 0.25, lastRunStart: nil)
        #expect(runs(fresh).count == 1, "a first start runs once at once")
    }

    @Test func dailyAtFiveFiresAtTheRightInstantsAcrossADaylightSavingChange() throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let schedule = try Schedule.daily(hour: 5, minute: 0, timeZone: zone)
        // 2026-10-30 .. 2026-11-03: US daylight saving ends on 2026-11-01 at 02:00.
        let from = try Date("2026-10-30T12:00:00Z", strategy: .iso8601)
        let to = try Date("2026-11-03T12:00:00Z", strategy: .iso8601)
        let fires = schedule.fires(after: from, through: to).map { $0.formatted(.iso8601) }
        #expect(fires == ["2026-10-31T09:00:00Z", "2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"])
        // And across the spring change (2026-03-08), in Europe/Berlin too (2026-03-29).
        let berlin = try Schedule.daily(hour: 5, minute: 0, timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        let spring = berlin.fires(after: try Date("2026-03-27T12:00:00Z", strategy: .iso8601), through: try Date("2026-03-30T12:00:00Z", strategy: .iso8601))
        #expect(spring.map { $0.formatted(.iso8601) } == ["2026-03-28T04:00:00Z", "2026-03-29T03:00:00Z", "2026-03-30T03:00:00Z"])
    }

    @Test func theDailySchedulerLoopFiresAtLocalFiveAcrossTheChange() async throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let clock = VirtualWallClock(start: try Date("2026-10-30T12:00:00Z", strategy: .iso8601),
                                     end: try Date("2026-11-03T12:00:00Z", strategy: .iso8601))
        let events = Protected<[Scheduler.Event]>([])
        let scheduler = Scheduler(schedule: try .daily(hour: 5, minute: 0, timeZone: zone), clock: clock, logger: logger)
        do {
            try await scheduler.run(lastRunStart: clock.now(), onEvent: { e in events.withLock { $0.append(e) } }) { _ in .completed }
        } catch is CancellationError {}
        #expect(runs(events.value).map { $0.scheduledAt.formatted(.iso8601) }
                == ["2026-10-31T09:00:00Z", "2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"])
    }

    @Test(arguments: [
        ("*/15 * * * *", "2026-03-02T00:30:00Z", "2026-03-02T00:45:00Z"),
        ("0 5 * * 1-5", "2026-03-06T06:00:00Z", "2026-03-09T05:00:00Z"),  // Friday after 05:00 -> Monday
        ("30 2 1 * *", "2026-03-02T00:00:00Z", "2026-04-01T02:30:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("5,35 9-10 * * *", "2026-03-02T09:10:00Z", "2026-03-02T09:35:00Z"),
    ])
    func cronExpressionsFindTheNextFire(_ expression: String, _ after: String, _ expected: String) throws {
        let schedule = Schedule(cron: try CronExpression(expression), timeZone: Self.utc)
        #expect(schedule.next(after: try Date(after, strategy: .iso8601))?.formatted(.iso8601) == expected)
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"])
    func invalidCronExpressionsAreBadInput(_ expression: String) {
        #expect(throws: SyncError.self) { try CronExpression(expression) }
    }

    @Test func aFileLockIsExclusiveAndReleased() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        let first = try #require(try FileLock(path: path))
        #expect(try FileLock(path: path) == nil)
        first.release()
        let again = try await FileLock.withLock(at: path) { 42 }
        #expect(again == 42)
    }

    @Test func hourlyTicksRereadTodayAndYesterdayAndTheFullWindowOnceADay() {
        let now = Self.start
        let hourly = RefreshPolicy.lookbackDays(configured: 7, interval: .seconds(3600), lastFullRun: now.addingTimeInterval(-3600), now: now)
        #expect(hourly.days == 1 && !hourly.isFull)
        let daily = RefreshPolicy.lookbackDays(configured: 7, interval: .seconds(3600), lastFullRun: now.addingTimeInterval(-86_400), now: now)
        #expect(daily.days == 7 && daily.isFull)
        let first = RefreshPolicy.lookbackDays(configured: 7, interval: .seconds(3600), lastFullRun: nil, now: now)
        #expect(first.days == 7 && first.isFull)
        let slow = RefreshPolicy.lookbackDays(configured: 7, interval: .seconds(86_400), lastFullRun: now.addingTimeInterval(-60), now: now)
        #expect(slow.days == 7 && slow.isFull)
    }

    @Test func healthFailsOnceTheLastSuccessIsOlderThanTwiceTheInterval() {
        let started = Self.start
        let metrics = SyncMetrics(interval: .seconds(3600), started: started)
        #expect(metrics.isHealthy(now: started.addingTimeInterval(7000)), "within two intervals of the start")
        #expect(!metrics.isHealthy(now: started.addingTimeInterval(7300)), "no success for over two intervals")
        let run = RunRecord(startedAt: started.addingTimeInterval(7000), endedAt: started.addingTimeInterval(7100), status: .succeeded,
                            objects: ["ads": ObjectStatistics(rows: 3, requests: 1)])
        metrics.record(run)
        #expect(metrics.isHealthy(now: started.addingTimeInterval(7300)))
        #expect(!metrics.isHealthy(now: started.addingTimeInterval(7100 + 7201)))
        var failed = run
        failed.status = .failed
        metrics.record(failed)
        #expect(!metrics.isHealthy(now: started.addingTimeInterval(7100 + 7201)), "a failed run is no success")
        let text = metrics.render()
        #expect(text.contains("tiktok_ads_rows_total{object=\"ads\"} 6"))
        #expect(text.contains("tiktok_ads_runs_total{status=\"failed\"} 1"))
        #expect(text.contains("tiktok_ads_runs_total{status=\"succeeded\"} 1"))
    }
}
