import Foundation
import Logging
import ServiceLifecycle
import SyncKit
import UnixSignals

/// Where the status page (with `/metrics` and `/health` under `schedule`) listens and who may read it.
public struct StatusPageServing: Sendable {
    /// The address to bind: 127.0.0.1 unless `--metrics-bind` says otherwise.
    public var bind: String
    /// Basic auth for `/` and `/status.json` (`--metrics-basic-auth-file`); nil: no authentication.
    public var credentials: BasicAuthCredentials?

    public init(bind: String = "127.0.0.1", credentials: BasicAuthCredentials? = nil) {
        self.bind = bind
        self.credentials = credentials
    }

    /// From the flags: the bind address checked, the credentials file read (bad input names the flag and the fix).
    public init(bind: String?, basicAuthFile: String?) throws {
        let address = bind ?? "127.0.0.1"
        try MetricsServer.checkBindAddress(address)
        self.init(bind: address, credentials: try basicAuthFile.map(BasicAuthCredentials.load(path:)))
    }

    /// The URL a person opens, for the banner.
    public func url(port: Int, path: String = "/") -> String {
        "http://\(bind.contains(":") ? "[\(bind)]" : bind):\(port)\(path)"
    }
}

/// `tiktok-ads serve`: the status page of a destination with no schedule running, until SIGTERM or SIGINT.
public enum StatusPageService {
    public static func run(request: SyncRequest, schedule: ScheduleSettings, port: Int, page: StatusPageServing, logger: Logger,
                           onStarted: @escaping @Sendable (Int) async -> Void) async throws {
        // Read once before listening: a destination that cannot be read is an error now, not a page of errors later.
        _ = try await request.status(schedule: schedule, logger: logger)
        let routes = StatusPageRoutes(server: .serve, credentials: page.credentials) {
            try await request.status(schedule: schedule, logger: logger)
        }
        let server = MetricsServer.application(metrics: nil, port: port, bind: page.bind, page: routes, logger: logger, onStarted: onStarted)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("serve stopped")
    }
}
