/// Runs a server for the duration of a body: starts it, waits until it listens, calls `body` with its port,
/// and stops it afterwards (on error too). The simulator and the test fakes start this way.
public enum LocalServer {
    /// - Parameters:
    ///   - run: serves until cancelled, calling its argument with the bound port once listening.
    ///   - stoppedEarly: the error when the server ends before it listens.
    public static func with<T: Sendable>(
        run: @escaping @Sendable (_ onListening: @escaping @Sendable (Int) async -> Void) async throws -> Void,
        stoppedEarly: @autoclosure () -> any Error,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await run { port in continuation.yield(port) }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()
                throw stoppedEarly()
            }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}
