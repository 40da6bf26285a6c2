import Foundation

extension Destination {
    /// How many recent runs `markInterruptedRuns` looks at: more than the killed runs that pile up between two syncs.
    public static var interruptedRunsScanLimit: Int { 100 }

    /// Marks every run the history still shows as `running` as `interrupted`, and returns how many.
    ///
    /// A run records itself as `running` when it starts and with its outcome when it ends; one killed (SIGKILL, power
    /// loss) never writes the outcome. Call this only holding the destination's `SyncLock`: then no other run is going,
    /// so every `running` row belongs to a process that is gone. Its committed data is kept and the next run re-reads
    /// what it missed from the bookmarks.
    @discardableResult
    public func markInterruptedRuns(limit: Int = Self.interruptedRunsScanLimit) async throws -> Int {
        var marked = 0
        for var run in try await recentRuns(limit: limit) where run.status == .running {
            run.status = .interrupted
            run.errors.append("The process ended before recording how the run finished (killed, or the machine stopped); "
                              + "what it committed is kept, and the run that found it re-read the rest from the bookmarks.")
            try await recordRun(run)
            marked += 1
        }
        return marked
    }
}
