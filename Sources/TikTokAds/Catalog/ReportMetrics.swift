import SyncKit

/// Metrics of `report/integrated/get/`, with their types. TikTok sends each as a string; money is in
/// the account currency, rates (ctr, *_rate) are percentages.
enum ReportMetrics {
    /// Metrics that AUDIENCE reports (age, gender, country, platform breakdowns) support.
    static let audienceSupported: Set<String> = [
        "spend", "cpc", "cpm", "impressions", "gross_impressions", "clicks", "ctr", "conversion", "cost_per_conversion",
        "conversion_rate", "real_time_conversion", "real_time_cost_per_conversion", "real_time_conversion_rate",
        "result", "cost_per_result", "result_rate", "real_time_result", "real_time_cost_per_result", "real_time_result_rate",
        "video_play_actions", "video_watched_2s", "video_watched_6s", "average_video_play", "average_video_play_per_user",
        "video_views_p25", "video_views_p50", "video_views_p75", "video_views_p100",
        "likes", "comments", "shares", "follows", "profile_visits", "profile_visits_rate", "clicks_on_music_disc",
    ]

    /// Every metric the catalog offers; `isDefault` ones are imported unless the user chooses.
    static let all: [CatalogField] = [
        CatalogField("spend", .decimal, "Total cost"),
        CatalogField("impressions", .integer, "Impressions"),
        CatalogField("clicks", .integer, "Clicks (destination)"),
        CatalogField("ctr", .float, "Click-through rate, percent"),
        CatalogField("cpc", .decimal, "Cost per click"),
        CatalogField("cpm", .decimal, "Cost per 1,000 impressions"),
        CatalogField("reach", .integer, "Unique users reached"),
        CatalogField("frequency", .float, "Average impressions per user reached"),
        CatalogField("cost_per_1000_reached", .decimal, "Cost per 1,000 users reached", isDefault: false),
        CatalogField("gross_impressions", .integer, "Impressions including invalid ones", isDefault: false),
        CatalogField("conversion", .integer, "Conversions (attributed; restated for days after the event)"),
        CatalogField("cost_per_conversion", .decimal, "Cost per conversion"),
        CatalogField("conversion_rate", .float, "Conversion rate, percent"),
        CatalogField("conversion_rate_v2", .float, "Conversion rate by impressions, percent", isDefault: false),
        CatalogField("real_time_conversion", .integer, "Conversions at the time of the event", isDefault: false),
        CatalogField("real_time_cost_per_conversion", .decimal, "Cost per real-time conversion", isDefault: false),
        CatalogField("real_time_conversion_rate", .float, "Real-time conversion rate, percent", isDefault: false),
        CatalogField("result", .integer, "Results for the optimisation goal"),
        CatalogField("cost_per_result", .decimal, "Cost per result"),
        CatalogField("result_rate", .float, "Result rate, percent"),
        CatalogField("real_time_result", .integer, "Results at the time of the event", isDefault: false),
        CatalogField("real_time_cost_per_result", .decimal, "Cost per real-time result", isDefault: false),
        CatalogField("real_time_result_rate", .float, "Real-time result rate, percent", isDefault: false),
        CatalogField("secondary_goal_result", .integer, "Results for the secondary goal (NULL without one)", isDefault: false),
        CatalogField("cost_per_secondary_goal_result", .decimal, "Cost per secondary-goal result", isDefault: false),
        CatalogField("secondary_goal_result_rate", .float, "Secondary-goal result rate, percent", isDefault: false),
        CatalogField("video_play_actions", .integer, "Video plays"),
        CatalogField("video_watched_2s", .integer, "Plays of at least 2 seconds"),
        CatalogField("video_watched_6s", .integer, "Plays of at least 6 seconds"),
        CatalogField("video_views_p25", .integer, "Plays to 25%"),
        CatalogField("video_views_p50", .integer, "Plays to 50%"),
        CatalogField("video_views_p75", .integer, "Plays to 75%"),
        CatalogField("video_views_p100", .integer, "Plays to 100% (completions)"),
        CatalogField("average_video_play", .float, "Average play time per play, seconds", isDefault: false),
        CatalogField("average_video_play_per_user", .float, "Average play time per user, seconds", isDefault: false),
        CatalogField("likes", .integer, "Likes"),
        CatalogField("comments", .integer, "Comments"),
        CatalogField("shares", .integer, "Shares"),
        CatalogField("follows", .integer, "Follows"),
        CatalogField("profile_visits", .integer, "Profile visits"),
        CatalogField("profile_visits_rate", .float, "Profile visits per impression, percent", isDefault: false),
        CatalogField("clicks_on_music_disc", .integer, "Clicks on the music disc", isDefault: false),
        CatalogField("app_install", .integer, "App installs", isDefault: false),
        CatalogField("cost_per_app_install", .decimal, "Cost per app install", isDefault: false),
        CatalogField("registration", .integer, "Registrations", isDefault: false),
        CatalogField("cost_per_registration", .decimal, "Cost per registration", isDefault: false),
        CatalogField("purchase", .integer, "Purchases (app)", isDefault: false),
        CatalogField("cost_per_purchase", .decimal, "Cost per purchase", isDefault: false),
        CatalogField("complete_payment", .integer, "Completed payments (web)", isDefault: false),
        CatalogField("total_purchase_value", .decimal, "Value of purchases", isDefault: false),
        CatalogField("sales_lead", .integer, "Leads", isDefault: false),
        CatalogField("cost_per_sales_lead", .decimal, "Cost per lead", isDefault: false),
    ]

    /// Attribute metrics that name the parents of a row, per level.
    static func attributes(for level: DataLevel) -> [CatalogField] {
        switch level {
        case .advertiser:
            return []
        case .campaign:
            return [CatalogField("campaign_name", .string, "Campaign name")]
        case .adGroup:
            return [
                CatalogField("campaign_id", .string, "Campaign ID"),
                CatalogField("campaign_name", .string, "Campaign name"),
                CatalogField("adgroup_name", .string, "Ad group name"),
            ]
        case .ad:
            return [
                CatalogField("campaign_id", .string, "Campaign ID"),
                CatalogField("campaign_name", .string, "Campaign name"),
                CatalogField("adgroup_id", .string, "Ad group ID"),
                CatalogField("adgroup_name", .string, "Ad group name"),
                CatalogField("ad_name", .string, "Ad name"),
                CatalogField("ad_text", .string, "Ad text", isDefault: false),
                CatalogField("placement_type", .string, "Placement type, e.g. Automatic Placement", isDefault: false),
                CatalogField("promotion_type", .string, "Promotion type, e.g. Website", isDefault: false),
            ]
        }
    }
}
