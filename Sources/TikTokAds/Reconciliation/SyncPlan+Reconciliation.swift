import Foundation
import SyncKit

extension SyncJob {
    /// The reconciliation's part of a plan: per advertiser, the account-total requests the sync makes after its streams
    /// (exact: one per 30-day window of days the advertiser-level report of the run does not load); and the most
    /// deleted-object checks it may add, which it makes only where a level's days differ with `include_deleted` off.
    func reconciliationPlan(accounts: [AdvertiserAccount], state: [StreamKey: StreamState],
                            now: Date) throws -> (entries: [SyncPlan.Entry], checksUpTo: Int) {
        let levels = reconciledSelections
        guard !levels.isEmpty else { return ([], 0) }
        let planner = settings.windowPlanner
        func range(_ object: CatalogObject, _ account: AdvertiserAccount) -> DateWindow? {
            planner.range(bookmark: state[StreamKey(advertiserID: account.id, object: object.name)]?.bookmark, today: account.today(at: now))
        }
        let storedTotals = try settings.objects.first { Reconciler.isAccountReport($0.object) }
            .flatMap { try Reconciler.holdsEveryMetric($0) ? $0.object : nil }
        var entries: [SyncPlan.Entry] = []
        var checksUpTo = 0
        for account in accounts {
            let ranges = levels.compactMap { range($0.object, account) }
            guard let start = ranges.map(\.start).min(), let end = ranges.map(\.end).max() else { continue }
            let windows = Reconciler.accountTotalWindows(range: DateWindow(start: start, end: end),
                                                         stored: storedTotals.flatMap { range($0, account) }).requests
            entries.append(SyncPlan.Entry(advertiserID: account.id, object: Reconciler.statisticsName,
                                          windows: windows.map { "\($0.start)…\($0.end)" }, requests: windows.count, rows: 0))
            if !settings.includeDeleted {
                checksUpTo += zip(levels, ranges).filter { $0.0.object.report?.level.statusFilterField != nil }
                    .reduce(0) { $0 + $1.1.chunked(maxDays: Granularity.day.maxDaysPerRequest).count }
            }
        }
        return (entries, checksUpTo)
    }
}
