/// Report data levels.
enum DataLevel: String, CaseIterable, Comparable {
    case advertiser = "AUCTION_ADVERTISER"
    case campaign = "AUCTION_CAMPAIGN"
    case adGroup = "AUCTION_ADGROUP"
    case ad = "AUCTION_AD"

    var depth: Int {
        switch self {
        case .advertiser: return 0
        case .campaign: return 1
        case .adGroup: return 2
        case .ad: return 3
        }
    }

    var idDimension: String {
        switch self {
        case .advertiser: return "advertiser_id"
        case .campaign: return "campaign_id"
        case .adGroup: return "adgroup_id"
        case .ad: return "ad_id"
        }
    }

    static func < (a: DataLevel, b: DataLevel) -> Bool { a.depth < b.depth }
}

/// Attribute metrics: entity properties reported as strings.
enum Attribute: String {
    case campaignID = "campaign_id", campaignName = "campaign_name", campaignBudget = "campaign_budget"
    case campaignDedicateType = "campaign_dedicate_type", splitTest = "split_test"
    case appPromotionType = "app_promotion_type", objectiveType = "objective_type"
    case adGroupID = "adgroup_id", adGroupName = "adgroup_name", placementType = "placement_type"
    case promotionType = "promotion_type", budget = "budget", bid = "bid", bidStrategy = "bid_strategy"
    case billingEvent = "billing_event", smartTarget = "smart_target"
    case dpaTargetAudienceType = "dpa_target_audience_type", mobileAppID = "mobile_app_id", ttAppID = "tt_app_id"
    case ttAppName = "tt_app_name", adName = "ad_name", adText = "ad_text", callToAction = "call_to_action"
    case imageMode = "image_mode", isSmartCreative = "is_smart_creative", optStatus = "opt_status"
    case currency = "currency", rfCampaignType = "rf_campaign_type"

    /// The shallowest data level at which the attribute exists.
    var minimumLevel: DataLevel {
        switch self {
        case .currency: return .advertiser
        case .campaignID, .campaignName, .campaignBudget, .campaignDedicateType, .splitTest, .appPromotionType,
            .objectiveType, .optStatus, .rfCampaignType:
            return .campaign
        case .adGroupID, .adGroupName, .placementType, .promotionType, .budget, .bid, .bidStrategy, .billingEvent,
            .smartTarget, .dpaTargetAudienceType, .mobileAppID, .ttAppID, .ttAppName:
            return .adGroup
        case .adName, .adText, .callToAction, .imageMode, .isSmartCreative:
            return .ad
        }
    }
}

/// How a metric is computed and formatted from a row's quantity sums.
enum MetricFormula {
    /// An integer count, e.g. "5830".
    case count(Quantity)
    /// Money with two decimals, e.g. "20.00".
    case money(Quantity)
    /// money / count × scale, with `decimals` digits ("0.00" when the count is 0).
    case costPer(Quantity, Quantity, scale: Int64, decimals: Int)
    /// numerator / denominator × 100 with two decimals (a percentage string).
    case percent(Quantity, Quantity)
    /// numerator / denominator × scale with `decimals` digits.
    case ratio(Quantity, Quantity, scale: Int64, decimals: Int)
    /// milliseconds / count, as seconds with two decimals.
    case seconds(Quantity, Quantity)
    case attribute(Attribute)
    /// Secondary-goal metrics: "-" for ads without a secondary goal.
    case secondaryCount, secondaryCost, secondaryRate
    /// Advertiser-level spend split.
    case cashSpend, voucherSpend
}

/// One entry of the metric catalog.
struct MetricDefinition {
    let name: String
    let formula: MetricFormula
    /// Accepted in AUDIENCE reports.
    let audience: Bool

    var quantities: [Quantity] {
        switch formula {
        case .count(let q), .money(let q): return [q]
        case .costPer(let a, let b, _, _), .percent(let a, let b), .ratio(let a, let b, _, _), .seconds(let a, let b):
            return [a, b]
        case .attribute: return []
        case .secondaryCount: return [.secondaryGoalResult]
        case .secondaryCost: return [.secondaryGoalResult, .spend]
        case .secondaryRate: return [.secondaryGoalResult, .clicks]
        case .cashSpend, .voucherSpend: return [.spend, .voucherSpend]
        }
    }
}

/// Every metric name the simulator accepts (a superset of Appendix A of tiktok-api.md).
enum MetricCatalog {
    static let all: [MetricDefinition] = {
        var m: [MetricDefinition] = []
        func add(_ name: String, _ f: MetricFormula, audience: Bool = false) {
            m.append(MetricDefinition(name: name, formula: f, audience: audience))
        }
        // Core
        add("spend", .money(.spend), audience: true)
        add("impressions", .count(.impressions), audience: true)
        add("gross_impressions", .count(.grossImpressions), audience: true)
        add("clicks", .count(.clicks), audience: true)
        add("ctr", .percent(.clicks, .impressions), audience: true)
        add("cpc", .costPer(.spend, .clicks, scale: 1, decimals: 2), audience: true)
        add("cpm", .costPer(.spend, .impressions, scale: 1000, decimals: 2), audience: true)
        add("reach", .count(.reach))
        add("frequency", .ratio(.impressions, .reach, scale: 1, decimals: 2))
        add("cost_per_1000_reached", .costPer(.spend, .reach, scale: 1000, decimals: 2))
        add("conversion", .count(.conversion), audience: true)
        add("cost_per_conversion", .costPer(.spend, .conversion, scale: 1, decimals: 2), audience: true)
        add("conversion_rate", .percent(.conversion, .clicks), audience: true)
        add("conversion_rate_v2", .percent(.conversion, .impressions), audience: true)
        add("real_time_conversion", .count(.realTimeConversion), audience: true)
        add("real_time_cost_per_conversion", .costPer(.spend, .realTimeConversion, scale: 1, decimals: 2), audience: true)
        add("real_time_conversion_rate", .percent(.realTimeConversion, .clicks), audience: true)
        add("real_time_conversion_rate_v2", .percent(.realTimeConversion, .impressions), audience: true)
        add("result", .count(.result), audience: true)
        add("cost_per_result", .costPer(.spend, .result, scale: 1, decimals: 3), audience: true)
        add("result_rate", .percent(.result, .impressions), audience: true)
        add("real_time_result", .count(.realTimeResult), audience: true)
        add("real_time_cost_per_result", .costPer(.spend, .realTimeResult, scale: 1, decimals: 3), audience: true)
        add("real_time_result_rate", .percent(.realTimeResult, .impressions), audience: true)
        add("secondary_goal_result", .secondaryCount)
        add("cost_per_secondary_goal_result", .secondaryCost)
        add("secondary_goal_result_rate", .secondaryRate)
        add("cash_spend", .cashSpend)
        add("voucher_spend", .voucherSpend)
        // Video
        add("video_play_actions", .count(.videoPlayActions), audience: true)
        add("video_watched_2s", .count(.videoWatched2s), audience: true)
        add("video_watched_6s", .count(.videoWatched6s), audience: true)
        add("average_video_play", .seconds(.videoPlayTimeMs, .videoPlayActions), audience: true)
        add("average_video_play_per_user", .seconds(.videoPlayTimeMs, .reach))
        add("video_views_p25", .count(.videoP25), audience: true)
        add("video_views_p50", .count(.videoP50), audience: true)
        add("video_views_p75", .count(.videoP75), audience: true)
        add("video_views_p100", .count(.videoP100), audience: true)
        add("engaged_view", .count(.engagedView))
        add("engaged_view_15s", .count(.engagedView15s))
        // Engagement
        add("likes", .count(.likes), audience: true)
        add("comments", .count(.comments), audience: true)
        add("shares", .count(.shares), audience: true)
        add("follows", .count(.follows), audience: true)
        add("profile_visits", .count(.profileVisits), audience: true)
        add("profile_visits_rate", .percent(.profileVisits, .impressions), audience: true)
        add("clicks_on_music_disc", .count(.clicksOnMusicDisc), audience: true)
        // App and web events
        add("app_install", .count(.appInstall))
        add("cost_per_app_install", .costPer(.spend, .appInstall, scale: 1, decimals: 2))
        add("real_time_app_install", .count(.realTimeAppInstall))
        add("real_time_app_install_cost", .costPer(.spend, .realTimeAppInstall, scale: 1, decimals: 2))
        add("registration", .count(.registration))
        add("cost_per_registration", .costPer(.spend, .registration, scale: 1, decimals: 2))
        add("registration_rate", .percent(.registration, .clicks))
        add("purchase", .count(.purchase))
        add("cost_per_purchase", .costPer(.spend, .purchase, scale: 1, decimals: 2))
        add("purchase_rate", .percent(.purchase, .clicks))
        add("complete_payment", .count(.completePayment))
        add("total_complete_payment_rate", .percent(.completePayment, .clicks))
        add("value_per_complete_payment", .costPer(.purchaseValue, .completePayment, scale: 1, decimals: 2))
        add("total_purchase_value", .money(.purchaseValue))
        add("sales_lead", .count(.salesLead))
        add("cost_per_sales_lead", .costPer(.spend, .salesLead, scale: 1, decimals: 2))
        add("sales_lead_rate", .percent(.salesLead, .clicks))
        add("cost_per_total_sales_lead", .costPer(.spend, .salesLead, scale: 1, decimals: 2))
        add("total_app_event_add_to_cart", .count(.addToCart))
        add("cost_per_total_app_event_add_to_cart", .costPer(.spend, .addToCart, scale: 1, decimals: 2))
        add("total_pageview", .count(.pageview))
        add("onsite_shopping", .count(.onsiteShopping))
        add("total_onsite_shopping_value", .money(.onsiteShoppingValue))
        add("cta_conversion", .count(.ctaConversion))
        add("vta_conversion", .count(.vtaConversion))
        add("cta_purchase", .count(.ctaPurchase))
        add("vta_purchase", .count(.vtaPurchase))
        add("total_landing_page_view", .count(.landingPageView), audience: true)
        // Attributes. TikTok accepts them in AUDIENCE reports too (at the levels where they apply), with the
        // same per-entity values as in BASIC rows; peers (singer's audience streams, Airbyte's province
        // stream) request them there.
        for a in [Attribute.campaignID, .campaignName, .campaignBudget, .campaignDedicateType, .splitTest,
                  .appPromotionType, .objectiveType, .rfCampaignType, .adGroupID, .adGroupName, .placementType,
                  .promotionType, .budget, .bid, .bidStrategy, .billingEvent, .smartTarget, .dpaTargetAudienceType,
                  .mobileAppID, .ttAppID, .ttAppName, .adName, .adText, .callToAction, .imageMode, .isSmartCreative,
                  .optStatus, .currency]
        {
            add(a.rawValue, .attribute(a), audience: true)
        }
        return m
    }()

    static let byName: [String: MetricDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
