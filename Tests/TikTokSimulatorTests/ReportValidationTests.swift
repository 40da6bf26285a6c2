import Foundation
import Testing
import TikTokSimulator

@Suite struct ReportValidationTests {
    static let appendixA = [
        "ad_name", "ad_text", "adgroup_id", "adgroup_name", "app_install", "app_promotion_type", "average_video_play",
        "average_video_play_per_user", "bid", "bid_strategy", "billing_event", "budget", "call_to_action",
        "campaign_budget", "campaign_dedicate_type", "campaign_id", "campaign_name", "clicks", "clicks_on_music_disc",
        "comments", "complete_payment", "conversion", "conversion_rate", "conversion_rate_v2", "cost_per_1000_reached",
        "cost_per_app_install", "cost_per_conversion", "cost_per_purchase", "cost_per_registration", "cost_per_result",
        "cost_per_sales_lead", "cost_per_secondary_goal_result", "cost_per_total_app_event_add_to_cart",
        "cost_per_total_sales_lead", "cpc", "cpm", "cta_conversion", "cta_purchase", "ctr", "dpa_target_audience_type",
        "follows", "frequency", "gross_impressions", "image_mode", "impressions", "is_smart_creative", "likes",
        "mobile_app_id", "onsite_shopping", "opt_status", "placement_type", "profile_visits", "profile_visits_rate",
        "promotion_type", "purchase", "purchase_rate", "reach", "real_time_app_install", "real_time_app_install_cost",
        "real_time_conversion", "real_time_conversion_rate", "real_time_conversion_rate_v2",
        "real_time_cost_per_conversion", "real_time_cost_per_result", "real_time_result", "real_time_result_rate",
        "registration", "registration_rate", "result", "result_rate", "sales_lead", "sales_lead_rate",
        "secondary_goal_result", "secondary_goal_result_rate", "shares", "smart_target", "spend", "split_test",
        "total_app_event_add_to_cart", "total_complete_payment_rate", "total_onsite_shopping_value", "total_pageview",
        "total_purchase_value", "tt_app_id", "tt_app_name", "value_per_complete_payment", "video_play_actions",
        "video_views_p100", "video_views_p25", "video_views_p50", "video_views_p75", "video_watched_2s",
        "video_watched_6s", "vta_conversion", "vta_purchase",
    ]

    @Test func everyAppendixAMetricIsAcceptedAtAdLevelDaily() async throws {
        #expect(Self.appendixA.count == 95)
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let r = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], metrics: Self.appendixA, pageSize: 50))
            #expect(r.code == 0, "\(r.text.prefix(300))")
            let row = try #require(r.list.first)
            let metrics = try #require(row["metrics"] as? [String: Any])
            #expect(Set(metrics.keys) == Set(Self.appendixA))
            for name in ["spend", "impressions", "clicks"] {
                #expect(metrics[name] as? String != "-")
            }
            #expect((metrics["spend"] as? String)?.split(separator: ".").last?.count == 2)
            #expect(Int(metrics["impressions"] as? String ?? "") ?? 0 > 0)
        }
    }

    @Test func peerParametersAreAccepted() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let extras: [[String: String]] = [
                ["service_type": "AUCTION"], ["query_lifetime": "false"], ["lifetime": "false"], ["order_type": "DESC"],
                ["filtering": "[{\"field_name\":\"ad_status\",\"filter_type\":\"IN\",\"filter_value\":\"[\\\"STATUS_ALL\\\"]\"}]"],
                ["enable_total_metrics": "true"], ["query_mode": "REGULAR"],
            ]
            for extra in extras {
                let r = try await Harness.get(
                    url, "report/integrated/get", Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], extra: extra))
                #expect(r.code == 0, "\(extra): \(r.text.prefix(300))")
                #expect(r.message == "OK")
            }
            let lifetime = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, level: "AUCTION_CAMPAIGN", dimensions: ["campaign_id"], start: nil, end: nil,
                               extra: ["query_lifetime": "true"]))
            #expect(lifetime.code == 0, "\(lifetime.text.prefix(300))")
            #expect(!lifetime.list.isEmpty)
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var change: @Sendable ([String: String]) -> [String: String]
        var code = 40002
        var mentions: String
        var description: String { name }
    }

    static func set(_ k: String, _ v: String?) -> @Sendable ([String: String]) -> [String: String] {
        { p in var p = p; p[k] = v; return p }
    }

    static let cases: [Case] = [
        Case(name: "missing advertiser_id", change: set("advertiser_id", nil), mentions: "advertiser_id"),
        Case(name: "missing report_type", change: set("report_type", nil), mentions: "report_type"),
        Case(name: "bad report_type", change: set("report_type", "FOO"), mentions: "report_type"),
        Case(name: "missing data_level", change: set("data_level", nil), mentions: "data_level"),
        Case(name: "bad data_level", change: set("data_level", "AD"), mentions: "data_level"),
        Case(name: "missing dimensions", change: set("dimensions", nil), mentions: "dimensions"),
        Case(name: "malformed dimensions", change: set("dimensions", "[\"ad_id\","), mentions: "dimensions"),
        Case(name: "dimensions not a list", change: set("dimensions", "\"ad_id\""), mentions: "dimensions"),
        Case(name: "unknown dimension", change: set("dimensions", "[\"ad_id\",\"weather\"]"), mentions: "dimensions"),
        Case(name: "parent id dimension at ad level", change: set("dimensions", "[\"ad_id\",\"campaign_id\",\"stat_time_day\"]"), mentions: "campaign_id"),
        Case(name: "adgroup id dimension at ad level", change: set("dimensions", "[\"adgroup_id\",\"stat_time_day\"]"), mentions: "adgroup_id"),
        Case(name: "two time dimensions", change: set("dimensions", "[\"ad_id\",\"stat_time_day\",\"stat_time_hour\"]"), mentions: "dimensions"),
        Case(name: "audience dimension in BASIC", change: set("dimensions", "[\"ad_id\",\"age\"]"), mentions: "age"),
        Case(name: "unknown metric", change: set("metrics", "[\"spend\",\"happiness\"]"), mentions: "happiness"),
        Case(name: "malformed metrics", change: set("metrics", "spend"), mentions: "metrics"),
        Case(name: "missing start_date", change: set("start_date", nil), mentions: "start_date"),
        Case(name: "missing end_date", change: set("end_date", nil), mentions: "end_date"),
        Case(name: "malformed start_date", change: set("start_date", "2026/01/01"), mentions: "start_date"),
        Case(name: "impossible end_date", change: set("end_date", "2026-02-30"), mentions: "end_date"),
        Case(name: "end before start", change: { p in var p = p; p["start_date"] = "2026-01-10"; p["end_date"] = "2026-01-09"; return p }, mentions: "end_date"),
        Case(name: "31 days daily", change: { p in var p = p; p["start_date"] = "2025-12-01"; p["end_date"] = "2025-12-31"; return p }, mentions: "30 days"),
        Case(name: "2 days hourly", change: { p in var p = p; p["dimensions"] = "[\"ad_id\",\"stat_time_hour\"]"; p["start_date"] = "2026-01-01"; p["end_date"] = "2026-01-02"; return p }, mentions: "1 day"),
        Case(name: "366 days without time", change: { p in var p = p; p["dimensions"] = "[\"ad_id\"]"; p["start_date"] = "2025-01-01"; p["end_date"] = "2026-01-01"; return p }, mentions: "365 days"),
        Case(name: "page_size 0", change: set("page_size", "0"), mentions: "page_size"),
        Case(name: "page_size 1001", change: set("page_size", "1001"), mentions: "page_size"),
        Case(name: "page 0", change: set("page", "0"), mentions: "page"),
        Case(name: "filtering not a list", change: set("filtering", "{\"ad_status\":\"STATUS_ALL\"}"), mentions: "filtering"),
        Case(name: "filter_value not a string", change: set("filtering", "[{\"field_name\":\"ad_status\",\"filter_type\":\"IN\",\"filter_value\":[\"STATUS_ALL\"]}]"), mentions: "filter_value"),
        Case(name: "unknown filter field", change: set("filtering", "[{\"field_name\":\"mood\",\"filter_type\":\"IN\",\"filter_value\":\"[]\"}]"), mentions: "mood"),
        Case(name: "too many ad ids", change: set("filtering", "[{\"field_name\":\"ad_ids\",\"filter_type\":\"IN\",\"filter_value\":\"[" + Array(repeating: "\\\"1\\\"", count: 101).joined(separator: ",") + "]\"}]"), mentions: "ad_ids"),
        Case(name: "bad status value", change: set("filtering", "[{\"field_name\":\"ad_status\",\"filter_type\":\"IN\",\"filter_value\":\"[\\\"ALL\\\"]\"}]"), mentions: "ad_status"),
        Case(name: "attribute above its level", change: { p in var p = p; p["data_level"] = "AUCTION_CAMPAIGN"; p["dimensions"] = "[\"campaign_id\",\"stat_time_day\"]"; p["metrics"] = "[\"ad_name\"]"; return p }, mentions: "ad_name"),
        Case(name: "lifetime with time dimension", change: set("query_lifetime", "true"), mentions: "query_lifetime"),
        Case(name: "query_lifetime not a bool", change: set("query_lifetime", "maybe"), mentions: "query_lifetime"),
        Case(name: "audience with lifetime", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"gender\"]"; p["query_lifetime"] = "true"; return p }, mentions: "query_lifetime"),
        Case(name: "audience with hour", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"stat_time_hour\",\"gender\"]"; p["start_date"] = "2026-01-01"; p["end_date"] = "2026-01-01"; return p }, mentions: "stat_time_hour"),
        Case(name: "non-audience metric in AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"gender\"]"; p["metrics"] = "[\"reach\"]"; return p }, mentions: "reach"),
        Case(name: "unauthorized advertiser", change: set("advertiser_id", "UNAUTHORIZED"), code: 40001, mentions: "No permission to operate advertiser"),
        Case(name: "unknown advertiser", change: set("advertiser_id", "7123456789012345678"), code: 40001, mentions: "No permission to operate advertiser"),
    ]

    @Test(arguments: cases)
    func invalidRequestsAreRejected(_ c: Case) async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            var params = c.change(Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"]))
            if params["advertiser_id"] == "UNAUTHORIZED" { params["advertiser_id"] = sim.world.unauthorizedAdvertiserIDs[0] }
            let r = try await Harness.get(url, "report/integrated/get", params)
            #expect(r.status == 200)
            #expect(r.code == c.code, "\(r.text)")
            #expect(r.message?.contains(c.mentions) == true, "\(r.text)")
            #expect(r.data?.isEmpty == true)
        }
    }
}
