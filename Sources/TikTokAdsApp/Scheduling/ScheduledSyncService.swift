import Destinations
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SyncKit
import TikTokAds
import UnixSignals

/// When scheduled syncs run: flags over the config file's `schedule:` section.
public struct ScheduleSettings: Sendable {
    public var daily: String?
    public var hourly: Int?
    public var cron: String?
    public var timezone: String
    public var jitterSeconds: Int
    public var metricsPort: Int?

    /// The schedule flags (each nil when not given) over the file's section; a schedule given by flags replaces the
    /// file's whole schedule (no mixing of daily and cron).
    public init(daily: String?, hourly: Int?, cron: String?, timezone: String?, jitterSeconds: Int?, metricsPort: Int?,
                file: ToolConfiguration.ScheduleEntry?) {
        let flagged = daily != nil || hourly != nil || cron != nil
        self.daily = flagged ? daily : file?.daily
        self.hourly = flagged ? hourly : file?.hourly
        self.cron = flagged ? cron : file?.cron
        self.timezone = timezone ?? file?.timezone ?? "UTC"
        self.jitterSeconds = jitterSeconds ?? file?.jitterSeconds ?? 0
        self.metricsPort = metricsPort ?? file?.metricsPort
    }

    /// The schedule these settings describe; bad input names the setting and the fix.
    public func schedule() throws -> Schedule {
        guard [daily != nil, hourly != nil, cron != nil].filter({ $0 }).count == 1 else {
            throw SyncError(.badInput, "Give exactly one of --daily HH:MM, --hourly MINUTE or --cron EXPRESSION (or one of daily, hourly, cron in the config's schedule: section).")
        }
        guard (0...86_400).contains(jitterSeconds) else { throw SyncError(.badInput, "jitter_seconds must be between 0 and 86400.") }
        if let port = metricsPort, !(0...65535).contains(port) { throw SyncError(.badInput, "metrics_port must be between 0 and 65535.") }
        guard let zone = TimeZone(identifier: timezone) else {
            throw SyncError(.badInput, "--timezone '\(timezone)' is not a known timezone; use a name such as Europe/Berlin or UTC.")
        }
        if let daily {
            let parts = daily.split(separator: ":")
            guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute) else {
                throw SyncError(.badInput, "--daily '\(daily)' must be a time HH:MM, e.g. 05:00.")
            }
            return try .daily(hour: hour, minute: minute, timeZone: zone)
        }
        if let hourly {
            guard (0...59).contains(hourly) else { throw SyncError(.badInput, "--hourly must be a minute between 0 and 59.") }
            return try .hourly(minute: hourly, timeZone: zone)
        }
        return Schedule(cron: try CronExpression(cron ?? ""), timeZone: zone)
    }
}

/// `tiktok-ads schedule` as a library function: checks the settings once, then runs the scheduler (and the metrics
/// server) as services until SIGTERM or SIGINT; each tick runs the same sync as `tiktok-ads sync`, under its lock.
public enum ScheduledSyncService {
    public static func run(request: SyncRequest, settings: ScheduleSettings, file: ToolConfiguration, logger: Logger,
                           page: StatusPageServing = StatusPageServing(),
                           onMetricsPort: @escaping @Sendable (Int) async -> Void) async throws {
        let schedule = try settings.schedule()
        // A SQLite file's lock is found (and a file with extra hard links refused) before anything opens it.
        let sqliteLock = try request.sqliteLock(file)
        // Check the configuration once before waiting for the first tick, and read when the last run started.
        let (destinationName, lastRunStart) = try await request.withJob(file, access: .unlocked, logger: logger) { probe in
            (probe.destination.displayName, try await probe.destination.recentRuns(limit: 1).first?.startedAt)
        }
        let lock = try sqliteLock ?? request.filesLock(file) ?? SyncLock.named(destinationName)
        let metrics = SyncMetrics(interval: schedule.nominalInterval)
        let runner = ScheduledSync(request: request, file: file, lock: lock, schedule: schedule, metrics: metrics, logger: logger)
        let scheduler = Scheduler(schedule: schedule, jitter: .seconds(settings.jitterSeconds), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SchedulerService(scheduler: scheduler, lastRunStart: lastRunStart, runner: runner, metrics: metrics),
                  successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let metricsPort = settings.metricsPort {
            // The status page reads the destination through the same code as `tiktok-ads status`, on each request.
            let routes = StatusPageRoutes(server: .schedule, credentials: page.credentials) {
                try await request.status(schedule: settings, logger: logger)
            }
            services.append(.init(service: MetricsServer.application(metrics: metrics, port: metricsPort, bind: page.bind, page: routes,
                                                                     logger: logger, onStarted: onMetricsPort)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("schedule stopped")
    }
}

/// The scheduler as a service: stops sleeping on SIGTERM/SIGINT, and lets a running sync commit its current page first.
struct SchedulerService: Service {
    let scheduler: Scheduler
    let lastRunStart: Date?
    let runner: ScheduledSync
    let metrics: SyncMetrics

    func run() async throws {
        // Logged once the service group traps SIGTERM and SIGINT (it does before starting its services): from here on a
        // stop signal ends the schedule gracefully.
        scheduler.logger.info("schedule started", metadata: [
            "schedule": "\(scheduler.schedule)",
            "next_tick": "\(scheduler.schedule.next(after: scheduler.clock.now()).map { $0.formatted(.iso8601) } ?? "never")",
        ])
        do {
            try await cancelWhenGracefulShutdown {
                try await scheduler.run(lastRunStart: lastRunStart, onEvent: { event in
                    if case .skipped = event { metrics.recordSkippedTick() }
                }, perform: { tick in await runner.perform(tick) })
            }
        } catch is CancellationError {
            // Graceful shutdown: the current run recorded itself as cancelled.
        }
    }
}

/// One scheduled run: takes the destination's lock, runs the same sync as `tiktok-ads sync`, records metrics.
struct ScheduledSync: Sendable {
    let request: SyncRequest
    let file: ToolConfiguration
    /// The destination's lock, shared with `sync`, `cleanup` and `state reset`.
    let lock: SyncLock
    let schedule: Schedule
    let metrics: SyncMetrics
    let logger: Logger
    private let lastFullLookback = Protected<Date?>(nil)

    init(request: SyncRequest, file: ToolConfiguration, lock: SyncLock, schedule: Schedule, metrics: SyncMetrics, logger: Logger) {
        self.request = request
        self.file = file
        self.lock = lock
        self.schedule = schedule
        self.metrics = metrics
        self.logger = logger
    }

    func perform(_ tick: Scheduler.Tick) async -> Scheduler.Outcome {
        do {
            guard let held = try lock.tryAcquire() else {
                return .skipped(reason: "another sync is running on \(lock.destination) (pid \(lock.holder ?? "?"))")
            }
            defer { held.release() }
            await runLocked(tick)
            return .completed
        } catch {
            logger.error("scheduled run could not start", metadata: ["error": "\(error)"])
            metrics.recordFailure()
            return .completed
        }
    }

    private func runLocked(_ tick: Scheduler.Tick) async {
        do {
            let record = try await request.withJob(file, access: .unlocked, logger: logger) { prepared in
                var job = prepared
                // Hourly refreshes re-read today and yesterday; the full lookback window once a day.
                let now = job.now()
                let lookback = RefreshPolicy.lookbackDays(configured: job.settings.lookbackDays, interval: schedule.nominalInterval,
                                                          lastFullRun: lastFullLookback.value, now: now)
                job.settings.lookbackDays = lookback.days
                logger.info("scheduled run", metadata: [
                    "tick": "\(tick.scheduledAt.formatted(.iso8601))", "catch_up": "\(tick.isCatchUp)", "lookback_days": "\(job.settings.lookbackDays)",
                ])
                let record = try await job.run()
                if lookback.isFull, record.status == .succeeded || record.status == .partial { lastFullLookback.withLock { $0 = now } }
                return record
            }
            metrics.record(record, endedAt: Date())
            logger.info("scheduled run finished", metadata: ["status": "\(record.status.rawValue)", "rows": "\(record.totalRows)"])
        } catch {
            metrics.recordFailure()
            logger.error("scheduled run failed", metadata: ["error": "\(SyncEngine.classify(error).message)"])
        }
    }
}
