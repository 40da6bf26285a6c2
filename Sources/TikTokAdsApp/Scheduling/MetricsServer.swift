import Foundation
import Hummingbird
import Logging
import SyncKit

/// Serves `/metrics` (Prometheus) and `/health` (200 while recent runs succeed, 503 otherwise) on 127.0.0.1.
public enum MetricsServer {
    public static func application(metrics: SyncMetrics, port: Int, logger: Logger,
                            onStarted: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("health") { _, _ -> Response in
            let healthy = metrics.isHealthy()
            return Response(status: healthy ? .ok : .serviceUnavailable,
                            body: .init(byteBuffer: ByteBuffer(string: healthy ? "ok\n" : "stale: no successful run within twice the interval\n")))
        }
        // The server library logs its own shutdown (a cancelled child channel) at error level: noise, unless debugging.
        var quiet = logger
        if quiet.logLevel > .debug { quiet.logLevel = .critical }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                           onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? port) }, logger: quiet)
    }
}
