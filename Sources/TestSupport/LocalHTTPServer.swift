import Hummingbird
import Logging

/// Runs a Hummingbird router on 127.0.0.1 with a free port for the duration of `body`: the stubs and
/// mocks of tests (token endpoints, API mocks) start this way.
package enum LocalHTTPServer {
    package static func withRouter<T: Sendable>(_ router: Router<BasicRequestContext>, label: String,
                                                _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}
