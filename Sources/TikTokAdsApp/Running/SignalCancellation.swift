import UnixSignals

/// Runs work that SIGTERM or SIGINT cancel: the work sees task cancellation (a sync then lets the page being written
/// commit and records itself as `cancelled`) and its result, whatever it is, is what the caller gets.
public enum SignalCancellation {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // Trap before the work starts, so a signal during it never takes the default action (ending the process).
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // The first signal; nil too when the work finished first and this waiter was cancelled.
                for await _ in signals { return nil }
                return nil
            }
            while let result = try await group.next() {
                group.cancelAll()
                if let value = result { return value }
            }
            throw CancellationError()  // not reached: the work's child always returns or throws
        }
    }
}
