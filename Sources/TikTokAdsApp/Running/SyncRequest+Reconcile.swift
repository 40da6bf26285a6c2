import Logging
import SyncKit
import TikTokAds

extension SyncRequest {
    /// `reconcile`: the loaded level reports checked against TikTok's account totals, under the destination's lock (it
    /// writes `_tiktok_ads_reconciliation`); no data is loaded.
    public func reconcile(logger: Logger) async throws -> ReconciliationOutcome {
        let file = try loadConfiguration()
        return try await withJob(file, access: .locked, logger: logger) { job in
            try await SignalCancellation.run { [job] in try await job.reconcileLoadedData() }
        }
    }
}
