import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Hourly report rows keep their local hour and carry the account's timezone beside it, in every destination.
struct HourlyTimezoneTests {
    static let objects = ["ad_insights_hourly", "advertiser_insights_hourly"]

    /// Each granted advertiser's zone as the simulator's advertiser info reports it.
    static func zones(of simulator: TikTokSimulator) -> [String: String] {
        Dictionary(simulator.world.advertisers.filter(\.isGranted).map { ($0.id, $0.timezone) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every row's (advertiser, timezone): each advertiser's own zone, never NULL, and at least two zones, so a
    /// zone taken from the wrong advertiser would show.
    static func expectZones(_ rows: [[String?]], table: String, simulator: TikTokSimulator) {
        let zones = zones(of: simulator)
        #expect(rows.count > 100, "\(table) has only \(rows.count) rows")
        for row in rows {
            #expect(row[1] != nil && row[1] == zones[row[0] ?? ""], "\(table): advertiser \(row[0] ?? "NULL") has timezone \(row[1] ?? "NULL"), not \(zones[row[0] ?? ""] ?? "?")")
        }
        #expect(Set(rows.compactMap { $0[1] }).count >= 2, "\(table): the simulator's advertisers span several zones")
    }

    @Test func anHourlySyncIntoSQLiteStoresTheAdvertisersZoneInEveryHourlyRow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: Self.objects, startDaysAgo: 2)
        _ = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        for table in Self.objects.map({ "tiktok_ads_\($0)" }) {
            Self.expectZones(try await SyncHarness.query(database, "SELECT advertiser_id, timezone FROM \(table)"), table: table, simulator: simulator)
        }
        // The hour stays the local hour TikTok reported: a whole local day of hours, 00:00 to 23:00.
        let hours = try await SyncHarness.query(database, "SELECT DISTINCT substr(stat_time_hour, 12, 5) FROM tiktok_ads_ad_insights_hourly")
        #expect(Set(hours.compactMap { $0[0] }).isSuperset(of: ["00:00", "23:00"]))
        let description = try #require(Catalog.object(named: "ad_insights_hourly")?.field(named: "timezone")?.description)
        #expect(description.contains("IANA"))
    }

    @Test(PostgresHarness.enabled) func anHourlySyncIntoPostgreSQLStoresTheAdvertisersZoneInEveryHourlyRow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let name = PostgresHarness.uniqueSchema("tz")
        let settings = try SyncHarness.settings(objects: Self.objects, startDaysAgo: 2)
        let run = try await simulator.withRunningServer { url in
            try await PostgresHarness.sync(baseURL: url, simulator: simulator, schema: name, settings: settings)
        }
        #expect(run.status == .succeeded)
        for table in Self.objects.map({ "tiktok_ads_\($0)" }) {
            Self.expectZones(try await PostgresHarness.query("SELECT advertiser_id, timezone FROM \(name).\(table)"), table: table, simulator: simulator)
        }
        let types = try await PostgresHarness.columnTypes(name)
        #expect(types["tiktok_ads_ad_insights_hourly"]?["timezone"] == "text")
        #expect(types["tiktok_ads_ad_insights_hourly"]?["stat_time_hour"] == "timestamp without time zone")
        try await PostgresHarness.dropSchema(name)
    }
}
