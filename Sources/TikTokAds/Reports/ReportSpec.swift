import SyncKit

/// The report levels TikTok offers for auction ads.
public enum DataLevel: String, Sendable, Hashable, CaseIterable {
    case advertiser = "AUCTION_ADVERTISER"
    case campaign = "AUCTION_CAMPAIGN"
    case adGroup = "AUCTION_ADGROUP"
    case ad = "AUCTION_AD"

    /// The id dimension of the level.
    public var idDimension: String {
        switch self {
        case .advertiser: "advertiser_id"
        case .campaign: "campaign_id"
        case .adGroup: "adgroup_id"
        case .ad: "ad_id"
        }
    }

    /// The report `filtering` field that, set to STATUS_ALL, brings rows of deleted objects.
    public var statusFilterField: String? {
        switch self {
        case .advertiser: nil
        case .campaign: "campaign_status"
        case .adGroup: "adgroup_status"
        case .ad: "ad_status"
        }
    }
}

/// Daily or hourly rows.
public enum Granularity: String, Sendable, Hashable {
    case day = "stat_time_day"
    case hour = "stat_time_hour"

    /// The most days one request may span (inclusive), as the API allows.
    public var maxDaysPerRequest: Int {
        switch self {
        case .day: 30
        case .hour: 1
        }
    }
}

/// What one report object asks `report/integrated/get/` for.
public struct ReportSpec: Sendable, Hashable {
    /// `BASIC` or `AUDIENCE`.
    public var reportType: String
    public var level: DataLevel
    /// Daily or hourly rows; nil for a lifetime report (`query_lifetime=true`: one row per entity, no time dimension).
    public var granularity: Granularity?
    /// Audience dimensions such as `country_code`, `age`, `gender`, `platform`.
    public var breakdowns: [String]

    public init(reportType: String = "BASIC", level: DataLevel, granularity: Granularity?, breakdowns: [String] = []) {
        self.reportType = reportType
        self.level = level
        self.granularity = granularity
        self.breakdowns = breakdowns
    }

    /// A lifetime report: BASIC, `query_lifetime=true`, no time or audience dimension (TikTok refuses either with
    /// 40002), totals since the entity began; read whole on every run.
    public static func lifetime(level: DataLevel) -> ReportSpec {
        ReportSpec(level: level, granularity: nil)
    }

    public var isLifetime: Bool { granularity == nil }

    /// The `dimensions` parameter.
    public var dimensions: [String] { [level.idDimension] + (granularity.map { [$0.rawValue] } ?? []) + breakdowns }
}
