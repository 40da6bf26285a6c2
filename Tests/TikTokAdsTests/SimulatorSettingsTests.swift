import Foundation
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
}
