import Foundation
import Logging
import SyncKit

/// Deletes report rows older than a retention window, table by table: shared by the sync (after a successful run)
/// and `cleanup` (any time, on every report table the destination holds).
public enum RetentionCleanup {
    /// Deletes, from each `windows` table that exists in `destination`, the rows dated more than its days before
    /// `today`; returns rows deleted per table (tables that do not exist are left out). Tables that are not laid out as
    /// tiktok-ads writes them are refused before anything is deleted, unless `tablesChecked` (a sync compared them).
    public static func apply(_ windows: [(schema: TableSchema, days: Int)], in destination: any Destination, today: LocalDate,
                             logger: Logger, tablesChecked: Bool = false) async throws -> [String: Int] {
        let windows = windows.filter { $0.days > 0 && $0.schema.timeField != nil }
        var present = windows
        if !tablesChecked {
            let found = try await destination.inspectTables(windows.map(\.schema.name))
            present = windows.filter { found[$0.schema.name] != nil }
            _ = try await destination.checkSchemas(present.map(\.schema))
        }
        var deleted: [String: Int] = [:]
        for (schema, days) in present {
            let cutoff = today.adding(days: -days)
            let count = try await destination.deleteRows(of: schema, before: cutoff)
            deleted[schema.name] = count
            if count > 0 {
                logger.info("retention cleanup", metadata: ["table": "\(schema.name)", "rows": "\(count)", "before": "\(cutoff)"])
            }
        }
        return deleted
    }
}
