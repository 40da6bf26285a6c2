import Foundation
import SyncKit
import TikTokAds

extension StatusReport {
    /// One advertiser's daily spend, impressions and clicks over the last `StatusReport.dailyWindow` local days.
    public struct AdvertiserDaily: Sendable, Encodable {
        public var advertiserID: String
        /// The account's timezone the days are local to (UTC when the advertiser table was not synced).
        public var timeZone: String
        /// The daily report the numbers are summed from: the highest level synced for this advertiser; absent when none
        /// is (every day then has no data).
        public var object: String?
        /// One entry per local day, oldest first, the last one today.
        public var days: [Day]
    }

    /// One local day of an advertiser.
    public struct Day: Sendable, Encodable {
        public var date: String
        /// Whether the destination holds any row of the day (when false, the metrics are absent, not zero).
        public var hasData: Bool
        public var spend: Decimal?
        public var impressions: Int?
        public var clicks: Int?
        /// The day's check against the account totals (`_tiktok_ads_reconciliation`): "matches", "explained" (every
        /// difference has a known cause), "differs" (a difference with no known cause); absent when not checked.
        public var reconciliation: String?
    }

    /// Local days each advertiser's series covers.
    public static let dailyWindow = 30

    /// The daily reports a series is summed from, the account level first (any one level sums to the account's day).
    static let dailySources = ["advertiser_insights", "campaign_insights", "adgroup_insights", "ad_insights"]

    /// Reads each advertiser's last 30 local days from the destination: per daily report table, the sums of every
    /// advertiser reading it in one call (`dailySums`: one GROUP BY query in a database, where a read per advertiser
    /// scanned the whole date range each time), and `_tiktok_ads_reconciliation` in one ranged read when `reconciled`.
    static func dailySeries(state: [StreamKey: StreamState], zones: [String: TimeZone], now: Date, reconciled: Bool,
                            in destination: any Destination) async throws -> [AdvertiserDaily] {
        let advertisers = Set(state.keys.map(\.advertiserID)).sorted()
        let utc = TimeZone(identifier: "UTC")!  // UTC always exists
        let today = Dictionary(uniqueKeysWithValues: advertisers.map { ($0, LocalDate(now, in: zones[$0] ?? utc)) })
        let source = Dictionary(uniqueKeysWithValues: advertisers.compactMap { advertiser in
            dailySources.first { state[StreamKey(advertiserID: advertiser, object: $0)] != nil }.map { (advertiser, $0) }
        })
        guard let latest = today.values.max(), let earliest = today.values.min()?.adding(days: -(dailyWindow - 1)) else { return [] }
        var sums: [String: [String: [LocalDate: [Decimal?]]]] = [:]
        for object in Set(source.values).sorted() {
            // A metric the table lacks (left out of its fields) has no sums: it counts as 0, as it did when rows were read.
            guard let table = Catalog.object(named: object)?.table else { continue }
            sums[object] = try await destination.dailySums(of: table, by: "advertiser_id", day: "stat_time_day", metrics: ["spend", "impressions", "clicks"],
                                                           from: earliest, through: latest)
        }
        let checks = reconciled ? try await reconciliationByDay(from: earliest, through: latest, in: destination) : [:]
        return advertisers.map { advertiser in
            let first = today[advertiser, default: latest].adding(days: -(dailyWindow - 1))
            let totals = source[advertiser].flatMap { sums[$0]?[advertiser] } ?? [:]
            let days = (0..<dailyWindow).map { offset -> Day in
                let date = first.adding(days: offset)
                let total = totals[date]
                return Day(date: date.description, hasData: total != nil, spend: total.map { $0[0] ?? 0 },
                           impressions: total.map { $0[1].map(Self.whole) ?? 0 }, clicks: total.map { $0[2].map(Self.whole) ?? 0 },
                           reconciliation: checks[advertiser]?[date.description])
            }
            return AdvertiserDaily(advertiserID: advertiser, timeZone: (zones[advertiser] ?? utc).identifier, object: source[advertiser], days: days)
        }
    }

    /// A count summed as a decimal, as a whole number.
    static func whole(_ value: Decimal) -> Int { NSDecimalNumber(decimal: value).intValue }

    /// Each checked day's verdict over every level and metric compared: "differs" beats "explained" beats "matches".
    /// Per advertiser, in one ranged read of every advertiser's comparisons.
    static func reconciliationByDay(from: LocalDate, through: LocalDate, in destination: any Destination) async throws -> [String: [String: String]] {
        let schema = ReconciliationTable.schema
        var verdicts: [String: [String: String]] = [:]
        for row in try await destination.rows(of: schema, in: RowRange(matching: [], from: from, through: through)) where row.count == schema.fields.count {
            guard let advertiser = row[0].text, let day = row[1].text?.prefix(10), let metric = row[3].text else { continue }
            let difference = row[6].text.flatMap { Decimal(string: $0) } ?? 0
            let verdict = !ReconciliationTable.isBeyondTolerance(difference, metric: metric) ? "matches"
                : row[7].isNull ? "differs" : "explained"
            let rank = ["matches": 0, "explained": 1, "differs": 2]
            if rank[verdict, default: 0] >= rank[verdicts[advertiser]?[String(day)] ?? "matches", default: 0] {
                verdicts[advertiser, default: [:]][String(day)] = verdict
            }
        }
        return verdicts
    }
}
