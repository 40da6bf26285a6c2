import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Full syncs against the simulator into SQLite: each test would fail if its behaviour broke.
@Suite(.serialized)
struct SyncEndToEndTests {
    @Test func everyObjectLandsWithTypedColumnsAndKeys() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: Catalog.objects.map(\.name), startDaysAgo: 3))
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        let granted = simulator.world.grantedAdvertiserIDs
        for object in Catalog.objects {
            let schema = try object.schema()
            let columns = try await SyncHarness.query(database, "SELECT name, type, pk FROM pragma_table_info('\(object.table)') ORDER BY cid")
            #expect(columns.map { $0[0] } == schema.columnNames.map { Optional($0) }, "\(object.table)")
            for (field, column) in zip(schema.fields, columns) {
                let expected = ["string": "TEXT", "date": "TEXT", "datetime": "TEXT", "json": "TEXT", "integer": "INTEGER",
                                "boolean": "INTEGER", "decimal": "REAL", "float": "REAL"][field.type.rawValue]
                #expect(column[1] == expected, "\(object.table).\(field.name)")
                #expect((column[2] != "0") == schema.key.contains(field.name), "\(object.table).\(field.name) key")
            }
            if object.isTimeSeries { #expect(object.key.contains("advertiser_id")) }
        }
        let advertisers = try await SyncHarness.query(database, "SELECT advertiser_id, currency, timezone FROM tiktok_ads_advertiser ORDER BY advertiser_id")
        #expect(advertisers.map { $0[0]! } == granted.sorted())
        for name in ["tiktok_ads_campaigns", "tiktok_ads_ad_groups", "tiktok_ads_ads", "tiktok_ads_audiences", "tiktok_ads_ad_insights",
                     "tiktok_ads_ad_insights_hourly", "tiktok_ads_advertiser_insights", "tiktok_ads_ad_insights_by_country",
                     "tiktok_ads_ad_insights_by_age_gender", "tiktok_ads_ad_insights_by_platform"] {
            let count = try await SyncHarness.query(database, "SELECT COUNT(*) FROM \(name)")
            #expect(Int(count[0][0] ?? "0")! > 0, "\(name) is empty")
        }
        // Values keep their types: 19-digit ids as exact text, counts as integers, money as reals.
        let sample = try await SyncHarness.query(database, """
            SELECT typeof(ad_id), length(ad_id), typeof(impressions), typeof(spend), typeof(stat_time_day), typeof(ctr)
            FROM tiktok_ads_ad_insights LIMIT 1
            """)
        #expect(sample[0] == ["text", "19", "integer", "real", "text", "real"])
        // Every report row's ad exists and its advertiser is the one whose report returned it.
        let orphans = try await SyncHarness.query(database, """
            SELECT COUNT(*) FROM tiktok_ads_ad_insights i LEFT JOIN tiktok_ads_ads a USING (ad_id)
            WHERE a.ad_id IS NULL OR a.advertiser_id <> i.advertiser_id
            """)
        #expect(orphans[0][0] == "0")
    }

    @Test func fieldSelectionKeepsTheKeysAndOnlyTheChosenFields() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: ["campaigns", "ad_insights"],
                                                fields: ["campaigns": ["campaign_name", "budget"], "ad_insights": ["spend", "clicks"]])
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        #expect(record.status == .succeeded)
        let campaignColumns = try await SyncHarness.query(database, "SELECT name FROM pragma_table_info('tiktok_ads_campaigns')").map { $0[0]! }
        #expect(campaignColumns == ["campaign_id", "campaign_name", "budget"])
        let insightColumns = try await SyncHarness.query(database, "SELECT name FROM pragma_table_info('tiktok_ads_ad_insights')").map { $0[0]! }
        #expect(insightColumns == ["ad_id", "advertiser_id", "stat_time_day", "spend", "clicks"])
        // The API was asked for exactly those fields and metrics.
        let campaignRequest = try #require(simulator.requestLog.entries.first { $0.endpoint == "campaign/get" })
        #expect(campaignRequest.query["fields"] == #"["campaign_id","campaign_name","budget"]"#)
        let reportRequest = try #require(simulator.requestLog.entries.first { $0.endpoint == "report/integrated/get" })
        #expect(reportRequest.query["metrics"] == #"["spend","clicks"]"#)
        // Selecting a new field later adds its column and keeps the rows.
        let before = try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_campaigns")[0][0]
        let wider = try SyncHarness.settings(objects: ["campaigns"], fields: ["campaigns": ["campaign_name", "budget", "objective_type"]])
        _ = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: wider)
        }
        let after = try await SyncHarness.query(database, "SELECT COUNT(*), COUNT(objective_type) FROM tiktok_ads_campaigns")[0]
        #expect(after[0] == before)
        #expect(after[1] == before)
    }

    @Test func includeDeletedBringsDeletedEntitiesAndTheirReportRows() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 3))
        let objects = ["campaigns", "ads", "ad_insights"]
        let plain = SyncHarness.temporaryDatabase()
        let withDeleted = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: plain,
                                           settings: try SyncHarness.settings(objects: objects, startDaysAgo: 120))
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: withDeleted,
                                           settings: try SyncHarness.settings(objects: objects, includeDeleted: true, startDaysAgo: 120))
        }
        let deletedPlain = try await SyncHarness.query(plain, "SELECT COUNT(*) FROM tiktok_ads_ads WHERE secondary_status LIKE '%DELETE%'")
        #expect(deletedPlain[0][0] == "0")
        let deleted = try await SyncHarness.query(withDeleted, "SELECT COUNT(*) FROM tiktok_ads_ads WHERE secondary_status LIKE '%DELETE%'")
        #expect(Int(deleted[0][0]!)! > 0)
        let campaignsPlain = Int(try await SyncHarness.query(plain, "SELECT COUNT(*) FROM tiktok_ads_campaigns")[0][0]!)!
        let campaignsAll = Int(try await SyncHarness.query(withDeleted, "SELECT COUNT(*) FROM tiktok_ads_campaigns")[0][0]!)!
        #expect(campaignsAll >= campaignsPlain)
        let rowsOfDeletedAds = try await SyncHarness.query(withDeleted, """
            SELECT COUNT(*) FROM tiktok_ads_ad_insights WHERE ad_id IN (SELECT ad_id FROM tiktok_ads_ads WHERE secondary_status LIKE '%DELETE%')
            """)
        #expect(Int(rowsOfDeletedAds[0][0]!)! > 0)
        let plainCount = Int(try await SyncHarness.query(plain, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")[0][0]!)!
        let fullCount = Int(try await SyncHarness.query(withDeleted, "SELECT COUNT(*) FROM tiktok_ads_ad_insights")[0][0]!)!
        #expect(fullCount == plainCount + Int(rowsOfDeletedAds[0][0]!)!)
    }

    @Test func aSecondSyncOverTheSameWindowLeavesTheContentIdentical() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: Catalog.defaultObjectNames + ["ad_insights_hourly"], startDaysAgo: 10)
        let (first, second) = try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            let first = try await SyncHarness.dump(database)
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            return (first, try await SyncHarness.dump(database))
        }
        #expect(first.values.reduce(0) { $0 + $1.count } > 100)
        #expect(SyncHarness.differences(first, second).isEmpty)
    }

    @Test func restatedMetricsInsideTheLookbackAreUpdatedAndOlderDaysAreNotRequestedAgain() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: ["ad_insights"], fields: ["ad_insights": ["conversion", "spend"]],
                                                startDaysAgo: 25, lookbackDays: 5)
        let later = SyncHarness.now.addingTimeInterval(2 * 86_400)
        let (before, after, secondRequests) = try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            let before = try await SyncHarness.query(database, "SELECT advertiser_id, ad_id, stat_time_day, conversion FROM tiktok_ads_ad_insights")
            simulator.requestLog.reset()
            simulator.setNow(later)
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings, at: later)
            let after = try await SyncHarness.query(database, "SELECT advertiser_id, ad_id, stat_time_day, conversion FROM tiktok_ads_ad_insights")
            return (before, after, simulator.requestLog.entries.filter { $0.endpoint == "report/integrated/get" })
        }
        // The second run asked only for bookmark - lookback .. today of each advertiser.
        for advertiser in simulator.world.advertisers where advertiser.isGranted {
            let zone = try #require(TimeZone(identifier: advertiser.timezone))
            let bookmark = LocalDate(SyncHarness.now, in: zone)
            let requests = secondRequests.filter { $0.advertiserID == advertiser.id }
            #expect(requests.count == 1)
            #expect(requests.first?.query["start_date"] == bookmark.adding(days: -5).description)
            #expect(requests.first?.query["end_date"] == LocalDate(later, in: zone).description)
        }
        let old = Dictionary(uniqueKeysWithValues: before.map { ("\($0[0]!)|\($0[1]!)|\($0[2]!)", $0[3]) })
        let new = Dictionary(uniqueKeysWithValues: after.map { ("\($0[0]!)|\($0[1]!)|\($0[2]!)", $0[3]) })
        let changed = old.filter { key, value in new[key] != nil && new[key]! != value }
        #expect(!changed.isEmpty, "restated conversions were not updated")
        #expect(new.count > old.count, "the new days were not added")
    }

    @Test func anAdvertiserWithoutPermissionIsSkippedAndTheOthersComplete() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let denied = try #require(simulator.world.unauthorizedAdvertiserIDs.first)
        let ids = simulator.world.grantedAdvertiserIDs + [denied]
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: ["advertiser", "campaigns", "ad_insights"], advertiserIDs: ids))
        }
        #expect(record.status == .partial)
        #expect(record.status.exitCode == 3)
        #expect(Array(record.skippedAdvertisers.keys) == [denied])
        let synced = try await SyncHarness.query(database, "SELECT DISTINCT advertiser_id FROM tiktok_ads_campaigns ORDER BY 1").map { $0[0]! }
        #expect(synced == simulator.world.grantedAdvertiserIDs.sorted())
        let runs = try await SyncHarness.query(database, "SELECT status, skipped_advertisers FROM _tiktok_ads_runs")
        #expect(runs.first?[0] == "partial")
        #expect(runs.first?[1]?.contains(denied) == true)
    }

    @Test func aBackfillMakesTheFewestRequestsThePageAndWindowLimitsAllow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let today = LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let backfill = DateWindow(start: today.adding(days: -80), end: today.adding(days: -1))
        var draft = try SyncHarness.settings(objects: ["ad_insights"], backfill: backfill)
        draft.pageSize = 9
        let settings = draft
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        #expect(record.status == .succeeded)
        // Lower bound: each 30-day window of each advertiser needs ceil(rows / page size) pages, and at least one.
        var expected = 0
        for advertiser in simulator.world.grantedAdvertiserIDs {
            for window in backfill.chunked(maxDays: 30) {
                let rows = try await SyncHarness.query(database, """
                    SELECT COUNT(*) FROM tiktok_ads_ad_insights WHERE advertiser_id = '\(advertiser)'
                    AND stat_time_day BETWEEN '\(window.start)' AND '\(window.end)'
                    """)
                expected += max(1, (Int(rows[0][0]!)! + 8) / 9)
            }
        }
        #expect(simulator.requestLog.count(endpoint: "report/integrated/get") == expected)
        #expect(record.objects["ad_insights"]?.requests == expected)
        #expect(expected > 2 * 3, "the workload should need several pages per window")
    }

    @Test func retentionDeletesOnlyRowsBeforeTheCutoff() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: ["advertiser_insights", "campaigns"], startDaysAgo: 20),
                                       retention: ["advertiser_insights": 10])
        }
        #expect(record.status == .succeeded)
        let cutoff = LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!).adding(days: -10)  // UTC always exists
        let rows = try await SyncHarness.query(database, "SELECT MIN(stat_time_day), COUNT(*) FROM tiktok_ads_advertiser_insights")
        #expect(rows[0][0]! >= cutoff.description)
        #expect(Int(rows[0][1]!)! > 0)
    }
}
