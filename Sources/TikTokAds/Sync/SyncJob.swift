import Foundation
import HTTPTransport
import Logging
import SyncKit

/// One whole sync: find advertisers, read their accounts, run every (advertiser, object) stream into
/// the destination, then apply the retention window. The command line and the tests both run this.
public struct SyncJob: Sendable {
    public var api: TikTokAPIConfiguration
    public var settings: SyncSettings
    public var destination: any Destination
    public var concurrency: Int
    /// A configured budget: a hard ceiling on arrivals at TikTok (the pace under it is learned).
    public var rateBudget: RateBudget
    /// How the pace is learned (`rateBudget` is its ceiling).
    public var pacing: AdaptivePacingSettings
    /// Days of time-series rows to keep per object name; absent = keep everything.
    public var retentionDays: [String: Int]
    public var logger: Logger
    public var progress: @Sendable (SyncProgress) -> Void
    /// The signpost: "today" for every advertiser is taken from this instant.
    public var now: @Sendable () -> Date
    /// Paces requests and times backoff (tests inject a virtual clock).
    public var clock: any Clock<Duration>
    /// Whether the run compares its level reports with the account totals afterwards (`reconcile` in the config).
    public var reconciliation: ReconciliationMode = .off

    public init(api: TikTokAPIConfiguration, settings: SyncSettings, destination: any Destination, concurrency: Int = 4,
                rateBudget: RateBudget = .unlimited, pacing: AdaptivePacingSettings = AdaptivePacingSettings(),
                retentionDays: [String: Int] = [:], logger: Logger,
                progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
                clock: any Clock<Duration> = ContinuousClock()) {
        self.api = api
        self.settings = settings
        self.destination = destination
        self.concurrency = concurrency
        self.rateBudget = rateBudget
        self.pacing = pacing
        self.retentionDays = retentionDays
        self.logger = logger
        self.progress = progress
        self.now = now
        self.clock = clock
    }

    /// Runs the sync; call it holding the destination's `SyncLock` (the command line does), since it marks runs left
    /// `running` as `interrupted`. Errors that stop the run before any stream starts (bad token, no advertiser,
    /// destination unreachable) are thrown; everything else is in the returned record. Before writing anything it
    /// compares the tables it will use with the catalog and reads the state: tables or a state tiktok-ads did not
    /// write are refused (`.badInput`, exit 2) with nothing written, not even the run history.
    public func run(transport: HTTPTransport = .shared) async throws -> RunRecord {
        let signpost = now()
        // The run's end on the clock of its start: `now` plus the time elapsed (a run told another "now" keeps durations true).
        let began = ContinuousClock.now
        let runClock: @Sendable () -> Date = { signpost.addingTimeInterval(began.duration(to: .now).seconds) }
        let statistics = RunStatistics()
        let schemas = try settings.objects.map { try $0.schema() }
        var record = RunRecord(startedAt: signpost)
        record.source = api.environment == .sandbox ? "\(api.environment.displayName) (\(api.baseURL.absoluteString))" : nil
        logger.info("sync started", metadata: [
            "run_id": "\(record.id)", "destination": "\(destination.displayName)", "api": "\(api.environment.rawValue)",
            "objects": "\(settings.objects.map(\.object.name).joined(separator: ","))",
            "advertisers": "\(settings.advertiserIDs.map { "\($0.count)" } ?? "every advertiser the token may access")",
        ])
        func fail(_ error: any Error, recording: Bool) async -> SyncError {
            let failure = SyncEngine.classify(error)
            guard recording else { return failure }
            record.endedAt = runClock()
            record.status = failure.kind == .cancelled ? .cancelled : .failed
            record.objects = statistics.snapshot
            record.errors.append(failure.description)
            try? await destination.recordRun(record)
            return failure
        }

        // Reading only, first: tables that are not laid out as tiktok-ads writes them and a state it did not write are
        // refused before anything is written, and the refusal is not recorded in the destination either.
        let tablePlans: [TablePlan]
        let state: [StreamKey: StreamState]
        let learned: [String: LearnedRate]
        do {
            let bookkeeping = [StateStore.schema, RunHistory.schema, PacingStore.schema]
                + (reconciledSelections.isEmpty ? [] : [ReconciliationTable.schema])
            tablePlans = try await destination.checkSchemas(bookkeeping + schemas)
            state = try await StateStore.load(from: destination, shapeChecked: true)
            // The pace TikTok accepted last time is where this run starts (a first run has no table yet: it learns).
            learned = tablePlans.contains { !$0.exists && $0.schema.name == PacingStore.schema.name } ? [:]
                : try await PacingStore.load(from: destination)
        } catch {
            throw await fail(error, recording: false)
        }
        let (pacer, client, source) = reader(learned: learned, transport: transport)

        let accounts: [AdvertiserAccount]
        let unavailable: [String: String]
        do {
            let ids = try await source.advertiserIDs(statistics: statistics)
            (accounts, unavailable) = try await source.accounts(for: ids, statistics: statistics)
        } catch {
            throw await fail(error, recording: true)
        }
        do {
            let today = Dictionary(accounts.map { ($0.id, (date: $0.today(at: signpost), timeZone: $0.timeZone.identifier)) },
                                   uniquingKeysWith: { first, _ in first })
            try StateStore.checkBookmarks(state, in: destination.displayName) { today[$0] }
        } catch {
            throw await fail(error, recording: false)
        }

        do {
            try await destination.applySchema(tablePlans)
            // Under the lock no other run is going: a run still `running` was killed before it could say how it ended.
            let interrupted = try await destination.markInterruptedRuns()
            if interrupted > 0 {
                logger.warning("earlier runs were interrupted", metadata: ["runs": "\(interrupted)"])
            }
            for (id, reason) in unavailable.sorted(by: { $0.key < $1.key }) {
                logger.warning("advertiser skipped", metadata: ["advertiser_id": "\(id)", "reason": "\(reason)"])
                progress(.skipped(advertiserID: id, reason: reason))
            }
            let plans = try source.plans(accounts: accounts, state: state, now: signpost, statistics: statistics)
            let engine = SyncEngine(destination: destination, concurrency: concurrency, logger: logger, progress: progress, now: runClock)
            record = await engine.run(plans, run: record, statistics: statistics, alreadySkipped: unavailable)
            try await reconcile(&record, accounts: accounts, before: state, client: client, statistics: statistics, signpost: signpost)
            await keepPacing(of: pacer, in: &record)
            await recordPacing(of: record)
        } catch {
            await keepPacing(of: pacer, in: &record)
            throw await fail(error, recording: true)
        }

        if record.status == .succeeded || record.status == .partial {
            try await applyRetention(today: LocalDate(signpost, in: TimeZone(identifier: "UTC")!), tablesChecked: true)  // UTC always exists
        }
        logger.info("sync finished", metadata: [
            "run_id": "\(record.id)", "status": "\(record.status.rawValue)", "rows": "\(record.totalRows)",
            "requests": "\(record.totalRequests)", "skipped_advertisers": "\(record.skippedAdvertisers.count)", "errors": "\(record.errors.count)",
            "seconds": "\(String(format: "%.1f", (record.endedAt ?? runClock()).timeIntervalSince(record.startedAt)))",
        ])
        return record
    }

    /// How the job reads TikTok: a pacer starting from `learned` with the configured budget as its hard ceiling, the
    /// client it paces, and the source over that client (the sync, its plan and `reconcile` read through the same).
    func reader(learned: [String: LearnedRate], transport: HTTPTransport = .shared)
        -> (pacer: any AdaptiveRequestPacer, client: TikTokClient, source: TikTokSource) {
        var pacing = pacing
        pacing.ceiling = rateBudget
        let pacer = makeAdaptivePacer(pacing, learned: learned, clock: clock, logger: logger)
        let client = TikTokClient(configuration: api, transport: transport, pacer: pacer, clock: clock, logger: logger)
        return (pacer, client, TikTokSource(client: client, settings: settings, logger: logger))
    }

    /// Puts what the pacer learned in the run record and saves it for the next run (a failure to save is only logged:
    /// the next run learns again).
    private func keepPacing(of pacer: any AdaptiveRequestPacer, in record: inout RunRecord) async {
        record.pacing = await pacer.report()
        let limited = record.pacing.filter { $0.rateLimitedAnswers > 0 || $0.requestsPerSecond != nil }
        for endpoint in limited {
            logger.info("pace", metadata: [
                "endpoint": "\(endpoint.endpoint)",
                "requests_per_second": "\(endpoint.requestsPerSecond.map { String(format: "%.2f", $0) } ?? "unpaced")",
                "answers": "\(endpoint.answers)", "rate_limited_answers": "\(endpoint.rateLimitedAnswers)",
                "restrictions": "\(endpoint.restrictions)",
            ])
        }
        do {
            try await PacingStore.save(await pacer.learnedRates(), at: now(), in: destination)
        } catch {
            logger.warning("could not save the learned pace; the next run learns it again", metadata: ["error": "\(error)"])
        }
    }

    /// Records the run again with what the pacer did (its outcome was recorded before the pacer's report was read), so
    /// the run history (`status`, the status page) shows the pace and the rate-limit answers; a failure is only logged.
    private func recordPacing(of record: RunRecord) async {
        guard !record.pacing.isEmpty else { return }
        do {
            try await destination.recordRun(record)
        } catch {
            logger.warning("could not record the run's pacing in the run history", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes rows older than each selected object's retention window; returns rows deleted per table. Tables that
    /// are not laid out as tiktok-ads writes them are refused first (nobody else's table is deleted from);
    /// `tablesChecked`: the sync that calls it has compared them already.
    @discardableResult
    public func applyRetention(today: LocalDate, tablesChecked: Bool = false) async throws -> [String: Int] {
        var windows = try settings.objects.compactMap { selection -> (schema: TableSchema, days: Int)? in
            guard selection.object.isTimeSeries, let days = retentionDays[selection.object.name] else { return nil }
            return (try selection.schema(), days)
        }
        // The comparisons of reconciled days go with the level rows they compared: kept as long as the longest of them.
        if let days = reconciledSelections.compactMap({ retentionDays[$0.object.name] }).max() {
            windows.append((ReconciliationTable.schema, days))
        }
        return try await RetentionCleanup.apply(windows, in: destination, today: today, logger: logger, tablesChecked: tablesChecked)
    }
}
