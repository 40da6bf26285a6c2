import Foundation
import Testing
import TikTokSimulator

/// TikTok's answer to report metrics it does not accept: code 40002, HTTP 200, every refused metric named at once in
/// request order, in TikTok's own wording (docs/retired-metrics.md quotes it with its sources).
@Suite struct InvalidMetricFieldsTests {
    static func message(_ names: String) -> String {
        "Please correct the information in invalid metric fields and try again. Invalid metric fields: \(names). "
    }

    @Test func twoUnknownMetricsAreNamedTogetherInRequestOrderInTikToksWording() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let r = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"],
                               metrics: ["spend", "voucher_spendz", "impressions", "cash_spendz"]))
            #expect(r.status == 200)
            #expect(r.code == 40002)
            #expect(r.message == Self.message("['voucher_spendz', 'cash_spendz']"), "\(r.text)")
            #expect(r.data?.isEmpty == true)
            #expect(r.json?["request_id"] as? String != nil)
        }
    }

    /// One answer per request whatever the reasons, for every report type the simulator serves.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var type = "BASIC"
        var level = "AUCTION_AD"
        var dimensions: [String]
        var metrics: [String]
        var lifetime = false
        var names: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "BASIC daily: unknown, duplicate and an attribute above its level", level: "AUCTION_CAMPAIGN",
             dimensions: ["campaign_id", "stat_time_day"], metrics: ["placement", "spend", "ad_name", "placement", "happiness"],
             names: "['placement', 'ad_name', 'happiness']"),
        Case(name: "BASIC: cash and voucher spend below the advertiser level", dimensions: ["ad_id", "stat_time_day"],
             metrics: ["voucher_spend", "cash_spend", "clicks"], names: "['voucher_spend', 'cash_spend']"),
        Case(name: "BASIC hourly", dimensions: ["ad_id", "stat_time_hour"], metrics: ["total_complete_payment_value", "spend"],
             names: "['total_complete_payment_value']"),
        Case(name: "AUDIENCE: a metric audience reports do not offer and an unknown one", type: "AUDIENCE",
             dimensions: ["ad_id", "stat_time_day", "gender"], metrics: ["reach", "spend", "happiness"], names: "['reach', 'happiness']"),
        Case(name: "lifetime", level: "AUCTION_CAMPAIGN", dimensions: ["campaign_id"], metrics: ["spend", "campaign_nickname"],
             lifetime: true, names: "['campaign_nickname']"),
        Case(name: "a name with a quote is written as Python writes it", dimensions: ["ad_id", "stat_time_day"],
             metrics: ["it's"], names: "[\"it's\"]"),
    ]

    @Test(arguments: cases)
    func everyRefusedMetricIsNamedOnce(_ c: Case) async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let r = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, level: c.level, dimensions: c.dimensions, metrics: c.metrics,
                               start: c.lifetime ? nil : "2026-01-10", end: c.lifetime ? nil : "2026-01-10", type: c.type,
                               extra: c.lifetime ? ["query_lifetime": "true"] : [:]))
            #expect(r.code == 40002)
            #expect(r.message == Self.message(c.names), "\(r.text)")
        }
    }

    /// `reject_metrics` refuses metrics the simulator knows, as TikTok refuses a retired metric; the rest are served.
    @Test func rejectMetricsRefusesKnownMetricsAndOnlyThose() async throws {
        try await Harness.withSimulator(Harness.options { $0.rejectMetrics = ["conversion", "reach"] }) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let refused = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], metrics: ["reach", "spend", "conversion"]))
            #expect(refused.code == 40002)
            #expect(refused.message == Self.message("['reach', 'conversion']"), "\(refused.text)")
            let audience = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day", "age"], metrics: ["conversion"], type: "AUDIENCE"))
            #expect(audience.message == Self.message("['conversion']"), "\(audience.text)")
            let served = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], metrics: ["spend", "clicks"]))
            #expect(served.code == 0, "\(served.text)")
            #expect(!served.list.isEmpty)
        }
    }
}
