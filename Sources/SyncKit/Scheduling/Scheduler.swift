import Foundation
import Logging

/// Runs a job on a schedule: one run per tick; a tick that comes while a run is in progress is
/// skipped, not queued; after downtime (the process was down, or the machine slept through
/// ticks) exactly one catch-up run happens, not one per missed tick.
public struct Scheduler: Sendable {
    /// One firing of the schedule.
    public struct Tick: Sendable, Equatable {
        /// The schedule instant this run stands for.
        public var scheduledAt: Date
        /// Ticks that were missed and are covered by this one run (0 for an on-time tick).
        public var missed: Int
        public var isCatchUp: Bool { missed > 0 }
    }

    /// What happened at a tick.
    public enum Event: Sendable, Equatable {
        case ran(Tick)
        case skipped(tick: Date, reason: String)
    }

    /// What a run reports back.
    public enum Outcome: Sendable, Equatable {
        case completed
        /// The run did not start (e.g. another process holds the lock).
        case skipped(reason: String)
    }

    public var schedule: Schedule
    public var clock: any WallClock
    /// A random delay up to this long is added to each tick, to spread load.
    public var jitter: Duration
    /// Waking later than this after a tick counts as downtime.
    public var lateness: Duration
    public var logger: Logger

    public init(schedule: Schedule, clock: any WallClock = SystemWallClock(), jitter: Duration = .zero,
                lateness: Duration = .seconds(120), logger: Logger) {
        self.schedule = schedule
        self.clock = clock
        self.jitter = jitter
        self.lateness = lateness
        self.logger = logger
    }

    /// Runs until the task is cancelled (or the clock throws). `lastRunStart` is when the last run
    /// began, from the run history: if a tick has passed since (or there never was a run), one
    /// catch-up run happens at once.
    public func run(lastRunStart: Date?, onEvent: @Sendable (Event) -> Void = { _ in },
                    perform: @Sendable (Tick) async -> Outcome) async throws {
        var cursor = clock.now()
        let recent = schedule.fires(after: lastRunStart ?? cursor.addingTimeInterval(-7 * 86_400), through: cursor)
        if lastRunStart == nil || !recent.isEmpty {
            let tick = Tick(scheduledAt: recent.last ?? cursor, missed: max(recent.count, 1))
            if lastRunStart == nil {
                logger.info("first run at start: the run history holds no earlier run")
            } else {
                logger.info("catch-up run at start", metadata: ["missed_ticks": "\(tick.missed)"])
            }
            cursor = try await execute(tick, after: cursor, onEvent: onEvent, perform: perform)
        }
        while true {
            try Task.checkCancellation()
            guard let next = schedule.next(after: cursor) else {
                logger.warning("the schedule never fires again", metadata: ["schedule": "\(schedule)"])
                return
            }
            let target = next.addingTimeInterval(randomJitter())
            try await clock.sleep(until: target)
            let woke = clock.now()
            let due = schedule.fires(after: cursor, through: woke)
            guard let latest = due.last else { continue }
            let late = woke.timeIntervalSince(target) > lateness.seconds
            let tick = Tick(scheduledAt: latest, missed: late ? due.count : 0)
            if late {
                logger.warning("woke late: one catch-up run for the missed ticks", metadata: ["missed_ticks": "\(due.count)"])
            }
            cursor = try await execute(tick, after: latest, onEvent: onEvent, perform: perform)
        }
    }

    /// Runs one tick and returns the new cursor: the last tick that passed while it ran (each of them skipped).
    private func execute(_ tick: Tick, after cursor: Date, onEvent: @Sendable (Event) -> Void,
                         perform: @Sendable (Tick) async -> Outcome) async throws -> Date {
        switch await perform(tick) {
        case .completed:
            onEvent(.ran(tick))
        case .skipped(let reason):
            logger.notice("tick skipped", metadata: ["tick": "\(tick.scheduledAt)", "reason": "\(reason)"])
            onEvent(.skipped(tick: tick.scheduledAt, reason: reason))
        }
        try Task.checkCancellation()
        let during = schedule.fires(after: cursor, through: clock.now())
        for skipped in during {
            logger.notice("tick skipped: a run was in progress", metadata: ["tick": "\(skipped)"])
            onEvent(.skipped(tick: skipped, reason: "a run was in progress"))
        }
        return during.last ?? cursor
    }

    private func randomJitter() -> TimeInterval {
        jitter > .zero ? Double.random(in: 0...jitter.seconds) : 0
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
