import Dispatch

extension DispatchQueue {
    /// Runs `body` on this queue and returns its result, the calling task suspended meanwhile: blocking work (a write
    /// and its fsync, closing a database) runs on the queue's thread, never on a thread of Swift's cooperative pool.
    /// Once queued, `body` runs to its end even if the task is cancelled.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            self.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
