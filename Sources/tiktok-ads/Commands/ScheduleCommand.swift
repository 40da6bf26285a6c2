import ArgumentParser
import Destinations
import Foundation
import Logging
import ServiceLifecycle
import SyncKit
import TikTokAds
import UnixSignals

/// `tiktok-ads schedule`: runs the sync on a schedule until stopped.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run the sync daily, hourly or on a cron expression until stopped.",
        discussion: """
            Never overlaps: a tick that finds a run in progress (here, or a manual `tiktok-ads sync` on the same database)
            is skipped and logged. After downtime, one catch-up run. SIGTERM or SIGINT lets the current page commit, then
            exits 0. Hourly schedules re-read today and yesterday on each tick, and the full lookback window once a day.
            """)

    @OptionGroup var options: SyncOptions

    @Option(help: "Run every day at this local time, HH:MM (in --timezone).")
    var daily: String?

    @Option(help: "Run every hour at this minute (0-59).")
    var hourly: Int?

    @Option(help: "Run on a five-field cron expression (in --timezone), e.g. '0 */6 * * *'.")
    var cron: String?

    @Option(help: "Timezone of --daily and --cron, e.g. Europe/Berlin (default UTC).")
    var timezone: String?

    @Option(help: "Add a random delay of up to this many seconds to each tick.")
    var jitterSeconds: Int?

    @Option(help: "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics and a health check at /health (0 picks a port).")
    var metricsPort: Int?

    /// The schedule settings: flags over the config file's `schedule:` section.
    struct Settings {
        var daily: String?
        var hourly: Int?
        var cron: String?
        var timezone: String
        var jitterSeconds: Int
        var metricsPort: Int?
    }

    func settings(_ file: ToolConfiguration) -> Settings {
        let entry = file.schedule
        // A schedule given by flags replaces the file's whole schedule (no mixing of daily and cron).
        let flagged = daily != nil || hourly != nil || cron != nil
        return Settings(daily: flagged ? daily : entry?.daily, hourly: flagged ? hourly : entry?.hourly, cron: flagged ? cron : entry?.cron,
                        timezone: timezone ?? entry?.timezone ?? "UTC", jitterSeconds: jitterSeconds ?? entry?.jitterSeconds ?? 0,
                        metricsPort: metricsPort ?? entry?.metricsPort)
    }

    func validate() throws {
        if let jitterSeconds, !(0...86_400).contains(jitterSeconds) { throw ValidationError("--jitter-seconds must be between 0 and 86400.") }
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be between 0 and 65535.") }
        // Without a config file the flags must say everything; with one, `run` checks the merged settings.
        if options.config == nil { _ = try makeSchedule(settings(ToolConfiguration())) }
    }

    func makeSchedule(_ settings: Settings) throws -> Schedule {
        guard [settings.daily != nil, settings.hourly != nil, settings.cron != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("Give exactly one of --daily HH:MM, --hourly MINUTE or --cron EXPRESSION (or one of daily, hourly, cron in the config's schedule: section).")
        }
        guard (0...86_400).contains(settings.jitterSeconds) else { throw ValidationError("jitter_seconds must be between 0 and 86400.") }
        if let port = settings.metricsPort, !(0...65535).contains(port) { throw ValidationError("metrics_port must be between 0 and 65535.") }
        let (daily, hourly, cron, timezone) = (settings.daily, settings.hourly, settings.cron, settings.timezone)
        guard let zone = TimeZone(identifier: timezone) else {
            throw ValidationError("--timezone '\(timezone)' is not a known timezone; use a name such as Europe/Berlin or UTC.")
        }
        do {
            if let daily {
                let parts = daily.split(separator: ":")
                guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute) else {
                    throw ValidationError("--daily '\(daily)' must be a time HH:MM, e.g. 05:00.")
                }
                return try .daily(hour: hour, minute: minute, timeZone: zone)
            }
            if let hourly {
                guard (0...59).contains(hourly) else { throw ValidationError("--hourly must be a minute between 0 and 59.") }
                return try .hourly(minute: hourly, timeZone: zone)
            }
            return Schedule(cron: try CronExpression(cron ?? ""), timeZone: zone)
        } catch let error as SyncError {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let file = try options.loadConfiguration()
        let settings = settings(file)
        let schedule: Schedule
        do {
            schedule = try makeSchedule(settings)
        } catch let error as ValidationError {
            throw SyncError(.badInput, error.message)
        }
        // A SQLite file's lock is found (and a file with extra hard links refused) before anything opens it.
        let sqliteLock = try options.sqliteLock(file)
        // Check the configuration once before waiting for the first tick, and read when the last run started.
        let probe = try options.makeJob(file: file, destination: { try options.openDestination(file, logger: logger) }, logger: logger)
        let destinationName = probe.destination.displayName
        let lock = sqliteLock ?? SyncLock.named(destinationName)
        let lastRunStart: Date?
        do {
            lastRunStart = try await probe.destination.recentRuns(limit: 1).first?.startedAt
        } catch {
            await probe.destination.close()
            throw error
        }
        await probe.destination.close()

        let metrics = SyncMetrics(interval: schedule.nominalInterval)
        let runner = ScheduledSync(options: options, file: file, lock: lock, schedule: schedule, metrics: metrics, logger: logger)
        let scheduler = Scheduler(schedule: schedule, jitter: .seconds(settings.jitterSeconds), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SchedulerService(scheduler: scheduler, lastRunStart: lastRunStart, runner: runner, metrics: metrics),
                  successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let metricsPort = settings.metricsPort {
            guard (0...65535).contains(metricsPort) else { throw SyncError(.badInput, "metrics_port must be between 0 and 65535.") }
            let server = MetricsServer.application(metrics: metrics, port: metricsPort, logger: logger) { port in
                FileHandle.standardOutput.write(Data("metrics on http://127.0.0.1:\(port)/metrics, health on http://127.0.0.1:\(port)/health\n".utf8))
            }
            services.append(.init(service: server))
        }
        logger.info("schedule started", metadata: ["schedule": "\(schedule)", "destination": "\(destinationName)"])
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
    let options: SyncOptions
    let file: ToolConfiguration
    /// The destination's lock, shared with `sync`, `cleanup` and `state reset`.
    let lock: SyncLock
    let schedule: Schedule
    let metrics: SyncMetrics
    let logger: Logger
    private let lastFullLookback = Protected<Date?>(nil)

    init(options: SyncOptions, file: ToolConfiguration, lock: SyncLock, schedule: Schedule, metrics: SyncMetrics, logger: Logger) {
        self.options = options
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
            var job = try options.makeJob(file: file, destination: { try options.openDestination(file, logger: logger) }, logger: logger)
            // Hourly refreshes re-read today and yesterday; the full lookback window once a day.
            let now = job.now()
            let lookback = RefreshPolicy.lookbackDays(configured: job.settings.lookbackDays, interval: schedule.nominalInterval,
                                                      lastFullRun: lastFullLookback.value, now: now)
            job.settings.lookbackDays = lookback.days
            logger.info("scheduled run", metadata: [
                "tick": "\(tick.scheduledAt.formatted(.iso8601))", "catch_up": "\(tick.isCatchUp)", "lookback_days": "\(job.settings.lookbackDays)",
            ])
            let record: RunRecord
            do {
                record = try await job.run()
            } catch {
                await job.destination.close()
                throw error
            }
            await job.destination.close()
            metrics.record(record)
            if lookback.isFull, record.status == .succeeded || record.status == .partial { lastFullLookback.withLock { $0 = now } }
            logger.info("scheduled run finished", metadata: ["status": "\(record.status.rawValue)", "rows": "\(record.totalRows)"])
        } catch {
            metrics.recordFailure()
            logger.error("scheduled run failed", metadata: ["error": "\(SyncEngine.classify(error).message)"])
        }
    }
}
