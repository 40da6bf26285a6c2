import Hummingbird
import Logging
import TikTokSimulator

/// Runs a Hummingbird router on 127.0.0.1 with a free port for the duration of `body`: the stubs and
/// mocks of tests (token endpoints, API mocks) start this way.
package enum LocalHTTPServer {
    package static func withRouter<T: Sendable>(_ router: Router<BasicRequestContext>, label: String,
                                                _ body: @Sendable (Int) async throws -> T) async throws -> T {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let quiet = logger
        let responder = router.buildResponder()
        return try await LocalServer.with(run: { onListening in
            let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: quiet)
            try await app.run()
        }, stoppedEarly: CancellationError(), body)
    }
}
