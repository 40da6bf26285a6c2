import Foundation
import Hummingbird
import Logging
import SyncKit

/// Serves `/metrics` (Prometheus) and `/health` (200 while recent runs succeed, 503 otherwise) when a schedule runs, and
/// the status page (`/`, `/status.json`) when given its routes; on 127.0.0.1 unless `bind` says otherwise.
public enum MetricsServer {
    public static func application(metrics: SyncMetrics?, port: Int, bind: String = "127.0.0.1", page: StatusPageRoutes? = nil,
                                   logger: Logger, onStarted: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        if let metrics {
            router.get("metrics") { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
            }
            router.get("health") { _, _ -> Response in
                let healthy = metrics.isHealthy()
                return Response(status: healthy ? .ok : .serviceUnavailable,
                                body: .init(byteBuffer: ByteBuffer(string: healthy ? "ok\n" : "stale: no successful run within twice the interval\n")))
            }
        }
        page?.add(to: router, logger: logger)
        // The server library logs its own shutdown (a cancelled child channel) at error level: noise, unless debugging.
        var quiet = logger
        if quiet.logLevel > .debug { quiet.logLevel = .critical }
        return Application(router: router, configuration: .init(address: .hostname(bind, port: port)),
                           onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? port) }, logger: quiet)
    }

    /// Checks a `--metrics-bind` address: an IPv4 or IPv6 address of this machine (0.0.0.0 or :: for every interface).
    public static func checkBindAddress(_ address: String) throws {
        var v4 = in_addr(), v6 = in6_addr()
        guard inet_pton(AF_INET, address, &v4) == 1 || inet_pton(AF_INET6, address, &v6) == 1 else {
            throw SyncError(.badInput, "--metrics-bind '\(address)' is not an IP address; use 127.0.0.1 (the default: this machine only), "
                            + "0.0.0.0 (every interface) or one of this machine's addresses.")
        }
    }
}
