import Foundation
import SyncKit
import TikTokSimulator
import Yams

/// `simulate`: the simulator's options from its YAML config file, overridden by flags.
public struct SimulatorSettings: Sendable {
    public var config: String?
    public var seed: UInt64?
    public var advertisers: Int?
    public var campaigns: Int?
    public var adGroups: Int?
    public var ads: Int?
    public var historyDays: Int?
    public var now: String?
    public var latencyMs: Int?
    public var jitterMs: Int?
    public var qps: Int?
    public var qpm: Int?
    public var qpd: Int?
    /// `KIND:RATE[:ENDPOINT]` entries.
    public var fault: [String] = []
    /// Comma-separated report metrics to refuse (`--reject-metrics conversion,reach`); replaces the file's list.
    public var rejectMetrics: String?

    public init() {}

    /// The options, or bad input naming what is wrong.
    public func options() throws -> SimulatorOptions {
        var options = SimulatorOptions()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw SyncError(.badInput, "Cannot read the simulator config '\(config)'.")
            }
            let text = String(decoding: data, as: UTF8.self)
            if let root = try? Yams.compose(yaml: text) {
                try ToolConfiguration.checkKeys(root, schema: Self.schema, path: "", file: config,
                                                reference: "the README's simulator section describes them")
            }
            do {
                options = try YAMLDecoder().decode(SimulatorOptions.self, from: text)
            } catch {
                throw SyncError(.badInput, "The simulator config '\(config)' is not valid: \(error)")
            }
        }
        if let seed { options.seed = seed }
        if let advertisers { options.advertisers = advertisers }
        if let campaigns { options.campaignsPerAdvertiser = campaigns }
        if let adGroups { options.adGroupsPerCampaign = adGroups }
        if let ads { options.adsPerAdGroup = ads }
        if let historyDays { options.historyDays = historyDays }
        if let now {
            guard let date = try? Date(now, strategy: .iso8601) else {
                throw SyncError(.badInput, "--now '\(now)' is not an ISO 8601 time such as 2026-01-31T12:00:00Z.")
            }
            options.now = date
        }
        if let latencyMs { options.latency.fixedMs = latencyMs }
        if let jitterMs { options.latency.jitterMs = jitterMs }
        if let qps { options.rateLimit.qps = qps }
        if let qpm { options.rateLimit.qpm = qpm }
        if let qpd { options.rateLimit.qpd = qpd }
        if let rejectMetrics {
            options.rejectMetrics = rejectMetrics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !options.rejectMetrics.isEmpty else {
                throw SyncError(.badInput, "--reject-metrics names no metric; list them separated by commas, e.g. --reject-metrics conversion,reach.")
            }
        }
        for spec in fault {
            let parts = spec.split(separator: ":").map(String.init)
            guard parts.count >= 2, let kind = FaultKind(rawValue: parts[0]), let rate = Double(parts[1]), (0...1).contains(rate) else {
                throw SyncError(.badInput, "--fault '\(spec)' must be KIND:RATE[:ENDPOINT] with RATE in 0...1 and KIND one of \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            options.faults.append(FaultRule(kind: kind, rate: rate, endpoint: parts.count > 2 ? parts[2] : nil))
        }
        return options
    }

    /// The simulator config file's keys, level by level: an unknown key is refused with the closest known one,
    /// as in the tool's own config file.
    public static let schema = ConfigurationSchema(SimulatorOptions.CodingKeys.self, children: [
        "latency": .section(ConfigurationSchema(SimulatorOptions.Latency.CodingKeys.self)),
        "faults": .listOf(ConfigurationSchema(FaultRule.CodingKeys.self)),
        "rate_limit": .section(ConfigurationSchema(SimulatorOptions.RateLimit.CodingKeys.self, children: [
            "endpoints": .byName(ConfigurationSchema(SimulatorOptions.EndpointBudget.CodingKeys.self)),
        ])),
    ])
}
