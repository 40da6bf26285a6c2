/// Why a level's sum may differ from the account total, where the tool can know it.
public enum ReconciliationCause: String, Sendable, Codable, CaseIterable {
    /// Rows of deleted campaigns, ad groups or ads are left out because `include_deleted` is off; their spend still
    /// counts in the account total (found by asking TikTok for the deleted objects' rows of those days).
    case deletedExcluded = "deleted_excluded"
    /// Only restated metrics (conversions) differ: TikTok attributed more to the day after it was loaded; inside the
    /// lookback window the next runs re-read it.
    case restatement
    /// The account's day was not over when its rows were loaded; the next run re-reads it.
    case dayInProgress = "day_in_progress"

    /// What the cause means for the user, and what to do about it.
    public var advice: String {
        switch self {
        case .deletedExcluded:
            "deleted objects' rows are not imported (include_deleted is off); set include_deleted: true to import them"
        case .restatement:
            "TikTok attributed more conversions to the day after it was loaded; days inside lookback_days are re-read by the next runs, older ones by a larger lookback_days or a backfill (--start-date/--end-date)"
        case .dayInProgress:
            "the day was not over when its rows were loaded; the next run re-reads it"
        }
    }
}

/// One local day on which a report level's sum of a metric differs from the account total beyond the tolerance
/// (money: one cent; counts: exact).
public struct ReconciliationFinding: Sendable, Codable, Equatable {
    public var advertiserID: String
    public var date: LocalDate
    /// `campaign`, `adgroup` or `ad`.
    public var level: String
    /// `spend`, `impressions`, `clicks` or `conversion`.
    public var metric: String
    /// Exact decimal texts: the level's sum, the account total, and the first minus the second.
    public var levelSum: String
    public var accountTotal: String
    public var difference: String
    /// nil: no cause the tool knows.
    public var cause: ReconciliationCause?

    public init(advertiserID: String, date: LocalDate, level: String, metric: String, levelSum: String, accountTotal: String,
                difference: String, cause: ReconciliationCause?) {
        self.advertiserID = advertiserID
        self.date = date
        self.level = level
        self.metric = metric
        self.levelSum = levelSum
        self.accountTotal = accountTotal
        self.difference = difference
        self.cause = cause
    }

    enum CodingKeys: String, CodingKey {
        case advertiserID = "advertiser_id", date, level, metric, levelSum = "level_sum", accountTotal = "account_total"
        case difference, cause
    }
}

/// What a reconciliation found: how much it compared, the differences, and the requests it needed.
public struct ReconciliationOutcome: Sendable, Codable, Equatable {
    /// Advertiser-days compared, summed over levels.
    public var checkedDays: Int
    /// Differences beyond the tolerance, by advertiser, day, level and metric.
    public var differences: [ReconciliationFinding]
    /// API requests made for the check (account totals, deleted objects' rows).
    public var requests: Int
    /// Metrics that could not be compared, e.g. `ad_insights: conversion (not among the selected fields)`.
    public var notCompared: [String]

    public init(checkedDays: Int = 0, differences: [ReconciliationFinding] = [], requests: Int = 0, notCompared: [String] = []) {
        self.checkedDays = checkedDays
        self.differences = differences
        self.requests = requests
        self.notCompared = notCompared
    }

    /// Differences the tool has no cause for: with `reconcile: fail`, these fail the run.
    public var unexplained: [ReconciliationFinding] { differences.filter { $0.cause == nil } }

    enum CodingKeys: String, CodingKey {
        case checkedDays = "checked_days", differences, requests, notCompared = "not_compared"
    }
}

/// Whether a sync reconciles its report levels with the account totals, and what a difference without a cause does.
public enum ReconciliationMode: String, Sendable, Codable, CaseIterable {
    case off
    /// Report differences (summary, log, `_tiktok_ads_reconciliation`); the run's outcome does not change.
    case warn
    /// As `warn`, and a difference with no known cause fails the run (exit 1).
    case fail
}
