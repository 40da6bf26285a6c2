import SyncKit

/// A remote destination that `check` can prove reachable and writable without loading rows.
public protocol WritabilityChecking: Destination {
    /// Writes and removes a probe (a scratch table, a header cell); throws with what to fix.
    func checkWritable() async throws
}

extension BigQueryDestination: WritabilityChecking {}
extension GoogleSheetsDestination: WritabilityChecking {}
