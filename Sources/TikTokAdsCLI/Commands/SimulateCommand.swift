import ArgumentParser
import Foundation
import TikTokAdsApp
import TikTokSimulator

/// `tiktok-ads simulate`: serves the TikTok API simulator on 127.0.0.1 until stopped.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a simulated TikTok Business API v1.3 on 127.0.0.1 (deterministic data; no account needed).",
        discussion: """
            Query it like the real API, e.g.
              curl -H 'Access-Token: sim-access-token' 'http://127.0.0.1:8080/open_api/v1.3/oauth2/advertiser/get/?app_id=sim-app-id&secret=sim-app-secret'
            Faults: --fault KIND:RATE[:ENDPOINT], KIND one of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")).
            Budgets (--qps, --qpm, --qpd) apply to each endpoint, as TikTok's do; per-endpoint overrides go in the config file:
              rate_limit: {qps: 10, qpm: 600, qpd: 100000, endpoints: {"/report/integrated/get/": {qps: 5}}}
            """)

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "YAML or JSON file of simulator options (snake_case keys); flags override it.")
    var config: String?

    @Option(help: "Seed of the generated data.")
    var seed: UInt64?

    @Option(help: "Advertisers the token may access.")
    var advertisers: Int?

    @Option(help: "Campaigns per advertiser.")
    var campaigns: Int?

    @Option(help: "Ad groups per campaign.")
    var adGroups: Int?

    @Option(help: "Ads per ad group.")
    var ads: Int?

    @Option(help: "Days of history before now.")
    var historyDays: Int?

    @Option(help: "Simulated now (ISO 8601, e.g. 2026-01-31T12:00:00Z); default the wall clock.")
    var now: String?

    @Option(help: "Milliseconds from a request's arrival to its answer (building the answer included).")
    var latencyMs: Int?

    @Option(help: "Random extra latency up to this many milliseconds.")
    var jitterMs: Int?

    @Option(help: "Requests per second each endpoint accepts before 40100.")
    var qps: Int?

    @Option(help: "Requests per minute each endpoint accepts before 40100 (then the endpoint is restricted for a penalty window, 300 s by default).")
    var qpm: Int?

    @Option(help: "Requests per UTC day each endpoint accepts before 40100 (reset at 00:00 UTC of the simulated clock).")
    var qpd: Int?

    @Option(help: "Inject a fault: KIND:RATE[:ENDPOINT] (repeatable).")
    var fault: [String] = []

    @Option(help: "Report metrics to refuse as TikTok refuses retired ones (code 40002 \"Invalid metric fields\"), comma-separated, e.g. conversion,reach.")
    var rejectMetrics: String?

    @OptionGroup var output: OutputOptions

    func options() throws -> SimulatorOptions {
        var settings = SimulatorSettings()
        (settings.config, settings.seed, settings.advertisers, settings.campaigns, settings.adGroups, settings.ads) =
            (config, seed, advertisers, campaigns, adGroups, ads)
        (settings.historyDays, settings.now, settings.latencyMs, settings.jitterMs, settings.qps, settings.qpm, settings.fault) =
            (historyDays, now, latencyMs, jitterMs, qps, qpm, fault)
        settings.qpd = qpd
        settings.rejectMetrics = rejectMetrics
        var options = SimulatorOptions()
        try BadInput.asValidation { options = try settings.options() }
        return options
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        _ = try options()
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(output)
        let options = try options()
        let simulator = TikTokSimulator(options: options, logger: logger)
        try await simulator.run(port: port, stopOnSignals: true) { bound in
            let banner = """
                TikTok API simulator listening on http://127.0.0.1:\(bound)/open_api/ (access token: \(options.accessToken), app_id: \(options.appId), secret: \(options.secret))
                advertisers: \(simulator.world.grantedAdvertiserIDs.joined(separator: ", "))

                """
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
    }
}
