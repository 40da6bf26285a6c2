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

    // Metric lists of singer tap-tiktok-ads 1.2.1 (streams.py AUDIENCE_FIELDS / AD_AUDIENCE_FIELDS, the
    // latter with its duplicate promotion_type) and of Airbyte source-tiktok-marketing 4.7.0's
    // ads_audience_reports_by_province_daily stream (report_metrics + the audience base metrics).
    static let singerAudienceFields = [
        "campaign_name", "spend", "cpc", "cpm", "impressions", "clicks", "ctr", "conversion", "cost_per_conversion",
        "conversion_rate", "real_time_conversion", "real_time_cost_per_conversion", "real_time_conversion_rate",
        "result", "cost_per_result", "result_rate", "real_time_result", "real_time_cost_per_result",
        "real_time_result_rate", "gross_impressions", "conversion_rate_v2", "real_time_conversion_rate_v2",
        "rf_campaign_type", "objective_type", "split_test", "campaign_budget", "campaign_dedicate_type",
    ]
    static let singerAdAudienceFields = [
        "ad_name", "ad_text", "adgroup_id", "adgroup_name", "campaign_id", "billing_event", "dpa_target_audience_type",
        "is_smart_creative", "mobile_app_id", "promotion_type", "tt_app_id", "tt_app_name", "opt_status", "budget",
        "smart_target", "bid_strategy", "bid", "call_to_action", "promotion_type",
    ]
    static let airbyteProvinceMetrics = [
        "campaign_name", "campaign_id", "adgroup_name", "placement_type", "tt_app_id", "tt_app_name", "mobile_app_id",
        "promotion_type", "dpa_target_audience_type", "conversion", "cost_per_conversion", "conversion_rate",
        "real_time_conversion", "real_time_cost_per_conversion", "real_time_conversion_rate", "result",
        "cost_per_result", "result_rate", "real_time_result", "real_time_cost_per_result", "real_time_result_rate",
        "adgroup_id", "ad_name", "ad_text", "spend", "cpc", "cpm", "impressions", "clicks", "ctr",
    ]
    static let airbyteHourlyMetrics = [
        "spend", "cpc", "cpm", "impressions", "clicks", "ctr", "reach", "cost_per_1000_reached", "frequency",
        "video_play_actions", "video_watched_2s", "video_watched_6s", "average_video_play",
        "average_video_play_per_user", "video_views_p25", "video_views_p50", "video_views_p75", "video_views_p100",
        "profile_visits", "likes", "comments", "shares", "follows", "clicks_on_music_disc", "real_time_app_install",
        "real_time_app_install_cost", "app_install", "campaign_name", "campaign_id", "adgroup_name", "adgroup_id",
        "ad_name", "ad_text", "placement_type", "promotion_type", "conversion", "result",
    ]

    /// A request real peers send and TikTok answers: it must succeed, with rows.
    struct Accepted: Sendable, CustomStringConvertible {
        var name: String
        var level: String
        var dimensions: [String]
        var metrics: [String]
        var type = "AUDIENCE"
        var start = "2026-01-01"
        var end = "2026-01-15"
        var extra: [String: String] = [:]
        var description: String { name }
    }

    static let accepted: [Accepted] = [
        // 1. Attribute metrics in AUDIENCE reports (singer's audience streams).
        Accepted(name: "singer ad_insights_by_age_and_gender", level: "AUCTION_AD",
                 dimensions: ["ad_id", "age", "gender", "stat_time_day"],
                 metrics: singerAudienceFields + singerAdAudienceFields,
                 extra: ["service_type": "AUCTION", "query_lifetime": "false"]),
        Accepted(name: "singer ad_insights_by_country", level: "AUCTION_AD",
                 dimensions: ["ad_id", "country_code", "stat_time_day"],
                 metrics: singerAudienceFields + singerAdAudienceFields, extra: ["query_lifetime": "false"]),
        Accepted(name: "singer ad_insights_by_platform", level: "AUCTION_AD",
                 dimensions: ["ad_id", "platform", "stat_time_day"],
                 metrics: singerAudienceFields + singerAdAudienceFields, extra: ["query_lifetime": "false"]),
        Accepted(name: "campaign attributes in AUDIENCE at campaign level", level: "AUCTION_CAMPAIGN",
                 dimensions: ["campaign_id", "stat_time_day", "gender"],
                 metrics: ["campaign_name", "campaign_id", "objective_type", "rf_campaign_type", "spend", "impressions"]),
        Accepted(name: "every ad-level attribute in AUDIENCE", level: "AUCTION_AD", dimensions: ["ad_id", "age"],
                 metrics: ["campaign_id", "campaign_name", "campaign_budget", "campaign_dedicate_type", "split_test",
                           "app_promotion_type", "objective_type", "rf_campaign_type", "adgroup_id", "adgroup_name",
                           "placement_type", "promotion_type", "budget", "bid", "bid_strategy", "billing_event",
                           "smart_target", "dpa_target_audience_type", "mobile_app_id", "tt_app_id", "tt_app_name",
                           "ad_name", "ad_text", "call_to_action", "image_mode", "is_smart_creative", "opt_status",
                           "currency", "impressions"]),
        // 2. province_id as an AUDIENCE dimension.
        Accepted(name: "singer campaign_insights_by_province", level: "AUCTION_CAMPAIGN",
                 dimensions: ["campaign_id", "province_id", "stat_time_day"], metrics: singerAudienceFields,
                 extra: ["service_type": "AUCTION", "lifetime": "false"]),
        Accepted(name: "airbyte ads_audience_reports_by_province_daily", level: "AUCTION_AD",
                 dimensions: ["ad_id", "stat_time_day", "province_id"], metrics: airbyteProvinceMetrics,
                 extra: ["service_type": "AUCTION"]),
        // 3. stat_time_hour × country_code in BASIC (Airbyte's hourly by-country streams).
        Accepted(name: "airbyte ads_reports_hourly_by_country", level: "AUCTION_AD",
                 dimensions: ["ad_id", "stat_time_hour", "country_code"], metrics: airbyteHourlyMetrics, type: "BASIC",
                 start: "2026-01-10", end: "2026-01-10", extra: ["service_type": "AUCTION"]),
        Accepted(name: "airbyte ad_groups_reports_hourly_by_country", level: "AUCTION_ADGROUP",
                 dimensions: ["adgroup_id", "stat_time_hour", "country_code"], metrics: ["spend", "impressions", "clicks"],
                 type: "BASIC", start: "2026-01-15", end: "2026-01-15"),
        // 4. Deprecated lifetime=true on AUDIENCE with a date range (Airbyte's audience lifetime stream).
        Accepted(name: "airbyte advertisers_audience_reports_lifetime, today-365 ... today", level: "AUCTION_ADVERTISER",
                 dimensions: ["advertiser_id", "gender", "age"], metrics: ["spend", "cpc", "cpm", "impressions", "clicks", "ctr"],
                 start: "2025-01-15", end: "2026-01-15", extra: ["service_type": "AUCTION", "lifetime": "true"]),
        Accepted(name: "airbyte advertisers_audience_reports_lifetime, recent start", level: "AUCTION_ADVERTISER",
                 dimensions: ["advertiser_id", "gender", "age"], metrics: ["spend", "cpc", "cpm", "impressions", "clicks", "ctr"],
                 extra: ["lifetime": "true"]),
        Accepted(name: "deprecated lifetime=true with query_lifetime=false on AUDIENCE", level: "AUCTION_AD",
                 dimensions: ["ad_id", "province_id"], metrics: ["spend", "impressions", "ad_name"],
                 extra: ["lifetime": "true", "query_lifetime": "false"]),
    ]

    @Test(arguments: accepted)
    func peerReportRequestsSucceed(_ c: Accepted) async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let params = Harness.report(
                advertiser: adv, level: c.level, dimensions: c.dimensions, metrics: c.metrics, start: c.start, end: c.end,
                type: c.type, extra: c.extra)
            let r = try await Harness.get(url, "report/integrated/get", params)
            #expect(r.code == 0, "\(r.text.prefix(400))")
            #expect(r.message == "OK")
            #expect(!r.list.isEmpty)
            for row in r.list {
                let dims = try #require(row["dimensions"] as? [String: Any])
                #expect(Set(dims.keys) == Set(c.dimensions))
                let metrics = try #require(row["metrics"] as? [String: Any])
                #expect(Set(metrics.keys) == Set(c.metrics))
                #expect(Int(row.metricString("impressions") ?? "") ?? 0 > 0)
            }
        }
    }

    /// Attribute metrics in AUDIENCE rows carry the same values as in BASIC rows of the same entity.
    @Test(arguments: [7, 42] as [UInt64])
    func audienceAttributesMatchBasic(seed: UInt64) async throws {
        let attributes = [
            "campaign_name", "rf_campaign_type", "objective_type", "split_test", "campaign_budget", "campaign_dedicate_type",
            "ad_name", "ad_text", "adgroup_id", "adgroup_name", "campaign_id", "billing_event", "dpa_target_audience_type",
            "is_smart_creative", "mobile_app_id", "promotion_type", "tt_app_id", "tt_app_name", "opt_status", "budget",
            "smart_target", "bid_strategy", "bid", "call_to_action", "placement_type", "image_mode",
        ]
        try await Harness.withSimulator(Harness.options(seed: seed)) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            func attributesByAd(_ type: String, _ dims: [String]) async throws -> [String: [String: String]] {
                let rows = try await Harness.allRows(
                    url,
                    Harness.report(advertiser: adv, dimensions: dims, metrics: attributes + ["impressions"],
                                   start: "2026-01-01", end: "2026-01-14", type: type, statusAll: true))
                var out: [String: [String: String]] = [:]
                for row in rows {
                    let id = try #require(row.dim("ad_id"))
                    let values = Dictionary(uniqueKeysWithValues: attributes.map { ($0, row.metricString($0) ?? "<missing>") })
                    if let seen = out[id] { #expect(seen == values, "ad \(id): attributes differ between rows") }
                    out[id] = values
                }
                return out
            }
            let basic = try await attributesByAd("BASIC", ["ad_id", "stat_time_day"])
            #expect(!basic.isEmpty)
            #expect(basic.values.allSatisfy { $0["rf_campaign_type"] == "STANDARD" && $0["campaign_name"] != "-" })
            for dims in [["ad_id", "stat_time_day", "gender"], ["ad_id", "stat_time_day", "province_id"]] {
                let audience = try await attributesByAd("AUDIENCE", dims)
                #expect(!audience.isEmpty)
                for (id, values) in audience { #expect(basic[id] == values, "\(dims) ad \(id)") }
            }
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
        Case(name: "end_date more than 365 days after start_date without time", change: { p in var p = p; p["dimensions"] = "[\"ad_id\"]"; p["start_date"] = "2025-01-01"; p["end_date"] = "2026-01-02"; return p }, mentions: "365 days"),
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
        Case(name: "unknown metric in AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"gender\"]"; p["metrics"] = "[\"campaign_name\",\"happiness\"]"; return p }, mentions: "happiness"),
        Case(name: "unknown attribute-like metric in AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"province_id\"]"; p["metrics"] = "[\"campaign_nickname\"]"; return p }, mentions: "campaign_nickname"),
        Case(name: "attribute above its level in AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["data_level"] = "AUCTION_CAMPAIGN"; p["dimensions"] = "[\"campaign_id\",\"province_id\"]"; p["metrics"] = "[\"adgroup_name\"]"; return p }, mentions: "adgroup_name"),
        Case(name: "query_lifetime with province_id", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"province_id\"]"; p["query_lifetime"] = "true"; return p }, mentions: "query_lifetime"),
        Case(name: "query_lifetime and lifetime on AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"age\"]"; p["query_lifetime"] = "true"; p["lifetime"] = "true"; return p }, mentions: "query_lifetime"),
        Case(name: "deprecated lifetime on AUDIENCE without dates", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"age\"]"; p["lifetime"] = "true"; p["start_date"] = nil; p["end_date"] = nil; return p }, mentions: "start_date"),
        Case(name: "deprecated lifetime on AUDIENCE over 365 days", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"advertiser_id\",\"gender\",\"age\"]"; p["data_level"] = "AUCTION_ADVERTISER"; p["lifetime"] = "true"; p["start_date"] = "2025-01-15"; p["end_date"] = "2026-01-16"; return p }, mentions: "365 days"),
        Case(name: "province_id in BASIC", change: set("dimensions", "[\"ad_id\",\"stat_time_day\",\"province_id\"]"), mentions: "province_id"),
        Case(name: "province_id with country_code", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"country_code\",\"province_id\"]"; return p }, mentions: "dimensions"),
        Case(name: "hour with country in AUDIENCE", change: { p in var p = p; p["report_type"] = "AUDIENCE"; p["dimensions"] = "[\"ad_id\",\"stat_time_hour\",\"country_code\"]"; p["start_date"] = "2026-01-01"; p["end_date"] = "2026-01-01"; return p }, mentions: "stat_time_hour"),
        Case(name: "query_lifetime with country_code in BASIC", change: { p in var p = p; p["dimensions"] = "[\"ad_id\",\"country_code\"]"; p["query_lifetime"] = "true"; return p }, mentions: "country_code"),
        Case(name: "2 days hourly by country", change: { p in var p = p; p["dimensions"] = "[\"ad_id\",\"stat_time_hour\",\"country_code\"]"; p["start_date"] = "2026-01-01"; p["end_date"] = "2026-01-02"; return p }, mentions: "1 day"),
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
