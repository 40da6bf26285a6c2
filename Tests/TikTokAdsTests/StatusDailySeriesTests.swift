import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
@testable import TikTokAdsApp
import TikTokSimulator

/// The status page's daily series, read from a synced SQLite file: each day's figures are the sums of the table's rows
/// of that advertiser and day, and a metric the table lacks (left out of its fields) counts as 0 without hiding the
/// others.
struct StatusDailySeriesTests {
    @Test func aMetricLeftOutOfTheFieldsCountsAsZeroAndTheOthersStay() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: database) }
        let settings = try SyncHarness.settings(objects: ["campaign_insights"], fields: ["campaign_insights": ["spend", "impressions"]])
        _ = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        let destination = try SQLiteDestination(path: database)
        let columns = try await destination.inspectTables(["tiktok_ads_campaign_insights"])["tiktok_ads_campaign_insights"]?.columns.map(\.name) ?? []
        #expect(columns.contains("impressions") && !columns.contains("clicks"), "\(columns)")
        let state = try await StateStore.load(from: destination)
        let series = try await StatusReport.dailySeries(state: state, zones: [:], now: SyncHarness.now, reconciled: false, in: destination)
        let expected = try await destination.select("""
            SELECT advertiser_id, stat_time_day, SUM(impressions) FROM tiktok_ads_campaign_insights GROUP BY 1, 2
            """)
        await destination.close()
        var withData = 0
        for advertiser in series {
            #expect(advertiser.object == "campaign_insights")
            for day in advertiser.days where day.hasData {
                withData += 1
                #expect(day.clicks == 0)
                let row = expected.first { $0[0] == advertiser.advertiserID && $0[1]?.prefix(10) == Substring(day.date) }
                #expect(day.impressions.map(String.init) == row?[2], "\(advertiser.advertiserID) \(day.date)")
            }
        }
        #expect(withData > 0)
    }
}
