import Foundation
import Hummingbird
import NIOCore
import Logging

/// A running or runnable simulator of the TikTok Business API v1.3.
///
/// Design notes:
/// - Ids are 19-digit strings encoding (kind, advertiser index, entity index, 3 check digits),
///   scrambled by two affine maps mod 10^18 around a swap of 9-digit halves; `IDCodec` inverts them,
///   so any id is decoded without a lookup table and nothing is stored per entity.
/// - Entity facts (creation, pause interval, deletion, two modifications) are hashes of
///   (seed, kind, advertiser, index), anchored on the UTC day of `options.now` (or the wall clock
///   at creation); entity state is evaluated at the simulated now.
/// - Report cells: the ad-day is the primary cell (hash of seed, ad, day); hours and audience
///   breakdowns are capped largest-remainder splits, so every sum is exact; higher levels sum ads.
///   Reach is treated as additive. Conversion-type metrics grow until a day is
///   `restatement_days` old; today holds only hours up to the current local hour; AUDIENCE reports
///   observe `now - audience_lag_hours`.
/// - Rate limits are per endpoint (QPS, QPM with a penalty, QPD) on an injectable budget clock, the daily quota
///   on the simulated UTC day; faults are chosen by per-rule matching-request counters.
public final class TikTokSimulator: Sendable {
    let core: SimulatorCore
    private let logger: Logger

    /// Thread-safe log of the API requests received.
    public let requestLog: RequestLog

    /// - Parameter clock: times the request budgets (QPS, QPM, the QPM penalty) and the arrivals in the request
    ///   log; tests inject a virtual clock. The daily quota follows the simulated now (`options.now`, `setNow`).
    public init(options: SimulatorOptions, logger: Logger = Logger(label: "tiktok-simulator"),
                clock: any Clock<Duration> = ContinuousClock()) {
        core = SimulatorCore(options: options, logger: logger, clock: clock)
        requestLog = core.requestLog
        self.logger = logger
    }

    /// Arrivals since the log's last reset, for the whole run and per endpoint (see `RequestLog.arrivals`).
    public var arrivals: ArrivalStatistics { requestLog.arrivals }

    /// The options the simulator was made with.
    public var options: SimulatorOptions { core.options }

    /// Deterministic facts for tests: advertisers, their timezones/currencies, entity ids.
    public var world: SimulatedWorld { SimulatedWorld(core: core) }

    /// The simulated current instant.
    public var now: Date { Date(timeIntervalSince1970: TimeInterval(core.now())) }

    /// Moves simulated time (affects report visibility, restatement and entity states).
    public func setNow(_ date: Date) {
        core.setNow(date)
    }

    /// Serves until the task is cancelled (or, with `stopOnSignals`, until SIGTERM or SIGINT, which end it without an
    /// error); `onStarted` gets the bound port (port 0 = pick a free one).
    public func run(host: String = "127.0.0.1", port: Int, stopOnSignals: Bool = false,
                    onStarted: @escaping @Sendable (Int) async -> Void = { _ in }) async throws
    {
        // The server library logs its own shutdown (a cancelled child channel) at error level: noise for anyone but
        // someone debugging the server itself.
        var serverLogger = logger
        if serverLogger.logLevel > .debug { serverLogger.logLevel = .critical }
        let app = Application(
            responder: SimulatorResponder(core: core),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                await onStarted(channel.localAddress?.port ?? port)
            },
            logger: serverLogger
        )
        do {
            if stopOnSignals { try await app.runService() } else { try await app.run() }
        } catch where String(describing: error).contains("Address already in use") {
            throw SimulatorError(message: "Port \(port) on \(host) is already in use (another simulator, or another server). Stop it, choose another port with --port N, or use --port 0 to let the system pick a free one (the simulator prints it).")
        }
    }

    /// Starts on 127.0.0.1 with a free port, calls `body` with base URL "http://127.0.0.1:PORT/open_api/", stops afterwards.
    public func withRunningServer<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        try await LocalServer.with(run: { onListening in try await self.run(port: 0, onStarted: onListening) },
                                   stoppedEarly: SimulatorError(message: "The simulator stopped before it started listening.")) { port in
            // A port number always forms a valid URL.
            try await body(URL(string: "http://127.0.0.1:\(port)/open_api/")!)
        }
    }
}

/// An error starting or running the simulator.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
