import Foundation
import HTTPTransport
import Logging
import SyncKit

extension SyncJob {
    /// The level reports a sync of these settings reconciles, and whether the check runs at all.
    var reconciledSelections: [ObjectSelection] {
        reconciliation == .off ? [] : settings.objects.filter { Reconciler.isLevelReport($0.object) }
    }

    /// After the streams: compares the days each level report committed in this run with the account totals, records
    /// the findings, and with `reconcile: fail` fails a run whose differences have no known cause.
    func reconcile(_ record: inout RunRecord, accounts: [AdvertiserAccount], before: [StreamKey: StreamState], client: TikTokClient,
                   statistics: RunStatistics, signpost: Date) async throws {
        let levels = reconciledSelections
        guard !levels.isEmpty, record.status == .succeeded || record.status == .partial else { return }
        // A run whose streams failed (TikTok refusing, the daily quota spent) is not checked: its errors say what to fix.
        guard record.errors.isEmpty else {
            logger.info("reconciliation skipped: the run had errors", metadata: ["errors": "\(record.errors.count)"])
            return
        }
        let after = try await StateStore.load(from: destination, shapeChecked: true)
        let planner = settings.windowPlanner
        /// The days a stream committed in this run: its planned range, up to where its bookmark now stands.
        func committed(_ object: CatalogObject, of account: AdvertiserAccount) -> DateWindow? {
            let key = StreamKey(advertiserID: account.id, object: object.name)
            guard let range = planner.range(bookmark: before[key]?.bookmark, today: account.today(at: signpost)),
                  let bookmark = after[key]?.bookmark, bookmark >= range.start else { return nil }
            return DateWindow(start: range.start, end: min(range.end, bookmark))
        }
        let checked = accounts.filter { record.skippedAdvertisers[$0.id] == nil }
        let scopes = checked.flatMap { account in
            levels.compactMap { selection in
                committed(selection.object, of: account).map {
                    Reconciler.Scope(account: account, selection: selection, window: $0, loadedAt: signpost)
                }
            }
        }
        let stored = settings.objects.first { Reconciler.isAccountReport($0.object) }.map { selection in
            Reconciler.StoredTotals(selection: selection, windows: Dictionary(
                checked.compactMap { account in committed(selection.object, of: account).map { (account.id, $0) } },
                uniquingKeysWith: { first, _ in first }))
        }
        let reconciler = Reconciler(client: client, destination: destination, includeDeleted: settings.includeDeleted,
                                    logger: logger, statistics: statistics, concurrency: concurrency)
        let outcome = try await reconciler.reconcile(scopes, storedTotals: stored, now: signpost)
        record.reconciliation = outcome
        record.objects = statistics.snapshot
        Self.log(outcome, logger: logger)
        if reconciliation == .fail, !outcome.unexplained.isEmpty {
            record.status = .failed
            record.errors.append(Self.failureMessage(outcome))
        }
        try await destination.recordRun(record)
    }

    static func failureMessage(_ outcome: ReconciliationOutcome) -> String {
        let days = Set(outcome.unexplained.map { "\($0.advertiserID) \($0.date)" }).count
        return "Reconciliation found \(outcome.unexplained.count) difference(s) on \(days) advertiser-day(s) with no known cause "
            + "(reconcile: fail). See the summary or `_tiktok_ads_reconciliation`; a re-run with --start-date/--end-date over "
            + "those days re-reads them, and `tiktok-ads reconcile` checks again."
    }

    static func log(_ outcome: ReconciliationOutcome, logger: Logger) {
        let byAdvertiser = Dictionary(grouping: outcome.differences, by: \.advertiserID)
        for (advertiser, findings) in byAdvertiser.sorted(by: { $0.key < $1.key }) {
            let unexplained = findings.filter { $0.cause == nil }
            logger.log(level: unexplained.isEmpty ? .info : .warning, "reconciliation differs from the account totals", metadata: [
                "advertiser_id": "\(advertiser)", "days": "\(Set(findings.map(\.date)).count)",
                "unexplained_days": "\(Set(unexplained.map(\.date)).count)",
                "causes": "\(Set(findings.compactMap { $0.cause?.rawValue }).sorted().joined(separator: ","))",
            ])
        }
        logger.info("reconciliation", metadata: [
            "checked_days": "\(outcome.checkedDays)", "differences": "\(outcome.differences.count)",
            "unexplained": "\(outcome.unexplained.count)", "requests": "\(outcome.requests)",
        ])
    }
}

extension SyncJob {
    /// `tiktok-ads reconcile`: checks the level reports the destination holds against TikTok's account totals over the
    /// settings' range (a backfill range, else the first-run range), without loading any data. Each level is checked
    /// up to the day its stream has loaded; the findings go to `_tiktok_ads_reconciliation`. Call it holding the lock.
    public func reconcileLoadedData(transport: HTTPTransport = .shared) async throws -> ReconciliationOutcome {
        let levels = settings.objects.filter { Reconciler.isLevelReport($0.object) }
        guard !levels.isEmpty else {
            throw SyncError(.badInput, "None of the selected objects is a campaign, ad group or ad daily report, so there is nothing to reconcile. "
                            + "Pass --objects ad_insights (or adgroup_insights, campaign_insights).")
        }
        let plans = try await destination.checkSchemas([StateStore.schema, ReconciliationTable.schema] + levels.map { try $0.schema() })
        let state = try await StateStore.load(from: destination, shapeChecked: true)
        try await destination.applySchema(plans.filter { $0.schema.name == ReconciliationTable.schema.name })
        let (_, client, source) = reader(learned: [:], transport: transport)
        let statistics = RunStatistics()
        let (accounts, unavailable) = try await source.accounts(for: try await source.advertiserIDs(statistics: statistics), statistics: statistics)
        for (id, reason) in unavailable.sorted(by: { $0.key < $1.key }) {
            logger.warning("advertiser skipped", metadata: ["advertiser_id": "\(id)", "reason": "\(reason)"])
        }
        let signpost = now()
        let planner = settings.windowPlanner
        var notLoaded: [String] = []
        let scopes = accounts.flatMap { account in
            levels.compactMap { selection -> Reconciler.Scope? in
                let key = StreamKey(advertiserID: account.id, object: selection.object.name)
                guard let range = planner.range(bookmark: nil, today: account.today(at: signpost)),
                      let stream = state[key], let bookmark = stream.bookmark, bookmark >= range.start else {
                    notLoaded.append("\(selection.object.name) of advertiser \(account.id): no day of the range is loaded yet")
                    return nil
                }
                return Reconciler.Scope(account: account, selection: selection, window: DateWindow(start: range.start, end: min(range.end, bookmark)),
                                        loadedAt: stream.syncedAt)
            }
        }
        let reconciler = Reconciler(client: client, destination: destination, includeDeleted: settings.includeDeleted,
                                    logger: logger, statistics: statistics, concurrency: concurrency)
        var outcome = try await reconciler.reconcile(scopes, storedTotals: nil, now: signpost)
        outcome.notCompared += notLoaded + unavailable.sorted { $0.key < $1.key }.map { "advertiser \($0.key): skipped (\($0.value))" }
        Self.log(outcome, logger: logger)
        return outcome
    }
}
