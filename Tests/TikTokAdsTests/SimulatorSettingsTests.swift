import Foundation
import SyncKit
import Testing
import TikTokAdsApp
import TikTokSimulator

/// `tiktok-ads simulate`'s budgets from its YAML config, per endpoint, with flags over the file.
struct SimulatorSettingsTests {
    @Test func aConfigFileSetsPerEndpointBudgetsAndFlagsOverrideTheAppWideOnes() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-\(UUID().uuidString).yml").path
        try """
            rate_limit:
              qps: 10
              qpm: 600
              qpd: 100000
              endpoints:
                "/report/integrated/get/": {qps: 5, qpm_penalty_seconds: 60}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        var settings = SimulatorSettings()
        settings.config = config
        settings.qpd = 2000
        let limits = try settings.options().rateLimit
        #expect(limits.budget(for: "report/integrated/get") == .init(qps: 5, qpm: 600, qpd: 2000, qpmPenaltySeconds: 60))
        #expect(limits.budget(for: "campaign/get") == .init(qps: 10, qpm: 600, qpd: 2000, qpmPenaltySeconds: 300))
    }

    /// `reject_metrics` is a key of the simulator's config; `--reject-metrics a,b` replaces the file's list.
    @Test func rejectMetricsComesFromTheFileOrTheFlag() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-\(UUID().uuidString).yml").path
        try "reject_metrics: [conversion]\n".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        var settings = SimulatorSettings()
        settings.config = config
        #expect(try settings.options().rejectMetrics == ["conversion"])
        settings.rejectMetrics = "reach, cost_per_conversion"
        #expect(try settings.options().rejectMetrics == ["reach", "cost_per_conversion"])
        settings.rejectMetrics = " , "
        #expect(throws: SyncError.self) { try settings.options() }
    }

    /// The simulator's config is checked like the tool's: an unknown key at any level is refused, naming its
    /// path and the key that was probably meant.
    @Test(arguments: [
        ("advertizers: 3", "advertizers", "advertisers"),
        ("latency: {fixed_msec: 5}", "latency.fixed_msec", "fixed_ms"),
        ("rate_limit: {qpss: 5}", "rate_limit.qpss", "qps"),
        ("rate_limit: {endpoints: {\"/campaign/get/\": {qpm_penalty_second: 5}}}", "rate_limit.endpoints./campaign/get/.qpm_penalty_second", "qpm_penalty_seconds"),
        ("faults: [{kind: http500, rat: 0.5}]", "faults[0].rat", "rate"),
    ])
    func anUnknownKeyInTheSimulatorConfigIsRefused(yaml: String, path: String, suggestion: String) throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-\(UUID().uuidString).yml").path
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        var settings = SimulatorSettings()
        settings.config = config
        let error = #expect(throws: SyncError.self) { try settings.options() }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("unknown key `\(path)`") == true, "\(String(describing: error))")
        #expect(error?.message.contains("did you mean `\(suggestion)`") == true, "\(String(describing: error))")
    }
}
