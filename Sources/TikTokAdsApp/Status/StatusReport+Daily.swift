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

    /// Reads each advertiser's last 30 local days from the destination (ranged reads of the daily report table and of
    /// `_tiktok_ads_reconciliation` when `reconciled`).
    static func dailySeries(state: [StreamKey: StreamState], zones: [String: TimeZone], now: Date, reconciled: Bool,
                            in destination: any Destination) async throws -> [AdvertiserDaily] {
        let advertisers = Set(state.keys.map(\.advertiserID)).sorted()
        var series: [AdvertiserDaily] = []
        for advertiser in advertisers {
            let zone = zones[advertiser] ?? TimeZone(identifier: "UTC")!  // UTC always exists
            let today = LocalDate(now, in: zone)
            let first = today.adding(days: -(dailyWindow - 1))
            let range = RowRange(matching: [ColumnValue("advertiser_id", .string(advertiser))], from: first, through: today)
            let source = dailySources.first { state[StreamKey(advertiserID: advertiser, object: $0)] != nil }
            var totals: [String: (spend: Decimal, impressions: Int, clicks: Int)] = [:]
            if let source, let object = Catalog.object(named: source) {
                for row in try await destination.rows(of: metricsSchema(object.table), in: range) where row.count == 5 {
                    guard let day = row[1].text?.prefix(10) else { continue }
                    var total = totals[String(day)] ?? (0, 0, 0)
                    total.spend += row[2].text.flatMap { Decimal(string: $0) } ?? 0
                    total.impressions += row[3].text.flatMap { Int($0) } ?? 0
                    total.clicks += row[4].text.flatMap { Int($0) } ?? 0
                    totals[String(day)] = total
                }
            }
            let checks = reconciled ? try await reconciliationByDay(range, in: destination) : [:]
            let days = (0..<dailyWindow).map { offset -> Day in
                let date = first.adding(days: offset).description
                let total = totals[date]
                return Day(date: date, hasData: total != nil, spend: total?.spend, impressions: total?.impressions, clicks: total?.clicks,
                           reconciliation: checks[date])
            }
            series.append(AdvertiserDaily(advertiserID: advertiser, timeZone: zone.identifier, object: source, days: days))
        }
        return series
    }

    /// The columns of a daily report the series needs, for a ranged read.
    static func metricsSchema(_ table: String) -> TableSchema {
        TableSchema(name: table, fields: [
            Field("advertiser_id", .string, ""), Field("stat_time_day", .date, ""), Field("spend", .decimal, ""),
            Field("impressions", .integer, ""), Field("clicks", .integer, ""),
        ], key: ["advertiser_id", "stat_time_day"], timeField: "stat_time_day")
    }

    /// Each checked day's verdict over every level and metric compared: "differs" beats "explained" beats "matches".
    static func reconciliationByDay(_ range: RowRange, in destination: any Destination) async throws -> [String: String] {
        let schema = ReconciliationTable.schema
        var verdicts: [String: String] = [:]
        for row in try await destination.rows(of: schema, in: range) where row.count == schema.fields.count {
            guard let day = row[1].text?.prefix(10), let metric = row[3].text else { continue }
            let difference = row[6].text.flatMap { Decimal(string: $0) } ?? 0
            let verdict = !ReconciliationTable.isBeyondTolerance(difference, metric: metric) ? "matches"
                : row[7].isNull ? "differs" : "explained"
            let rank = ["matches": 0, "explained": 1, "differs": 2]
            if rank[verdict, default: 0] >= rank[verdicts[String(day)] ?? "matches", default: 0] { verdicts[String(day)] = verdict }
        }
        return verdicts
    }
}
