import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// The objects of issue 16 synced from the simulator into SQLite: lifetime reports at four levels, audience breakdowns
/// at the ad group, campaign and advertiser level, and the creative assets.
@Suite(.serialized)
struct ReportCoverageTests {
    static let levels: [(prefix: String, id: String)] = [
        ("ad", "ad_id"), ("adgroup", "adgroup_id"), ("campaign", "campaign_id"), ("advertiser", "advertiser_id"),
    ]
    static let breakdowns: [(suffix: String, columns: [String])] = [
        ("by_country", ["country_code"]), ("by_age_gender", ["age", "gender"]), ("by_platform", ["platform"]),
    ]
    static let lifetimeObjects = levels.map { "\($0.prefix)_insights_lifetime" }
    static let higherBreakdownObjects = levels.dropFirst().flatMap { level in breakdowns.map { "\(level.prefix)_insights_\($0.suffix)" } }
    static let creativeObjects = ["creative_assets_videos", "creative_assets_images"]
    static let newObjects = higherBreakdownObjects + lifetimeObjects + creativeObjects

    /// A world whose advertisers began 40 days before the harness's now, so a sync can read their whole life.
    static func shortHistoryOptions() -> SimulatorOptions {
        var options = SyncHarness.simulatorOptions()
        options.historyDays = 40
        return options
    }

    static func count(_ database: String, _ sql: String) async throws -> Int {
        Int(try await SyncHarness.query(database, sql)[0][0] ?? "") ?? -1
    }

    @Test func theNewObjectsAreInTheCatalogWithTheirKeysAndNotInTheDefaultSet() throws {
        for level in Self.levels {
            let lifetime = try #require(Catalog.object(named: "\(level.prefix)_insights_lifetime"))
            #expect(lifetime.key == (level.prefix == "advertiser" ? ["advertiser_id"] : [level.id, "advertiser_id"]))
            #expect(lifetime.timeField == nil, "a lifetime snapshot has no date column")
            #expect(lifetime.report?.isLifetime == true)
            #expect(lifetime.report?.dimensions == [level.id])
            for breakdown in Self.breakdowns {
                let object = try #require(Catalog.object(named: "\(level.prefix)_insights_\(breakdown.suffix)"))
                let id = level.prefix == "advertiser" ? [] : [level.id]
                #expect(object.key == id + ["stat_time_day"] + breakdown.columns + ["advertiser_id"])
                #expect(object.report?.reportType == "AUDIENCE")
                #expect(object.timeField == "stat_time_day")
            }
        }
        #expect(Catalog.object(named: "creative_assets_videos")?.key == ["video_id", "advertiser_id"])
        #expect(Catalog.object(named: "creative_assets_images")?.key == ["image_id", "advertiser_id"])
        // The default set is unchanged: none of the new objects is read unless named.
        #expect(Catalog.defaultObjectNames == ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country"])
        // The existing objects keep their names, order and keys (the new ones come after them).
        let names = Catalog.objects.map(\.name)
        #expect(Array(names.prefix(16)) == [
            "advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_hourly", "adgroup_insights",
            "adgroup_insights_hourly", "campaign_insights", "campaign_insights_hourly", "advertiser_insights",
            "advertiser_insights_hourly", "ad_insights_by_country", "ad_insights_by_age_gender", "ad_insights_by_platform",
        ])
        #expect(Set(names.dropFirst(16)) == Set(Self.newObjects))
        #expect(Catalog.object(named: "ad_insights")?.key == ["ad_id", "stat_time_day", "advertiser_id"])
    }

    @Test func eachNewObjectLandsWithTypedColumnsKeysAndRows() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: Self.newObjects, startDaysAgo: 5))
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        let sqliteType = ["string": "TEXT", "date": "TEXT", "datetime": "TEXT", "json": "TEXT", "integer": "INTEGER",
                          "boolean": "INTEGER", "decimal": "REAL", "float": "REAL"]
        for name in Self.newObjects {
            let object = try #require(Catalog.object(named: name))
            let schema = try object.schema()
            let columns = try await SyncHarness.query(database, "SELECT name, type, pk FROM pragma_table_info('\(object.table)') ORDER BY cid")
            #expect(columns.map { $0[0] } == schema.columnNames.map { Optional($0) }, "\(object.table)")
            for (field, column) in zip(schema.fields, columns) {
                #expect(column[1] == sqliteType[field.type.rawValue], "\(object.table).\(field.name)")
                #expect((column[2] != "0") == schema.key.contains(field.name), "\(object.table).\(field.name) key")
            }
            #expect(object.key.contains("advertiser_id"))
            // Rows for every granted advertiser, none with a NULL key column.
            let perAdvertiser = try await SyncHarness.query(database, "SELECT COUNT(DISTINCT advertiser_id) FROM \(object.table)")
            #expect(perAdvertiser[0][0] == String(simulator.world.grantedAdvertiserIDs.count), "\(object.table)")
            let nullKeys = try await Self.count(database, "SELECT COUNT(*) FROM \(object.table) WHERE "
                + object.key.map { "\($0) IS NULL" }.joined(separator: " OR "))
            #expect(nullKeys == 0, "\(object.table)")
        }
        // Typed values: ids as exact text, counts as integers, money as reals, durations as reals.
        let lifetime = try await SyncHarness.query(database, """
            SELECT typeof(ad_id), length(ad_id), typeof(impressions), typeof(spend) FROM tiktok_ads_ad_insights_lifetime LIMIT 1
            """)
        #expect(lifetime[0] == ["text", "19", "integer", "real"])
        let video = try await SyncHarness.query(database, """
            SELECT typeof(video_id), typeof(size), typeof(width), typeof(height), typeof(duration), typeof(create_time)
            FROM tiktok_ads_creative_assets_videos LIMIT 1
            """)
        #expect(video[0] == ["text", "integer", "integer", "integer", "real", "text"])
        // Breakdown values are TikTok's.
        let ages = try await SyncHarness.query(database, "SELECT DISTINCT age FROM tiktok_ads_campaign_insights_by_age_gender").compactMap { $0[0] }
        #expect(!ages.isEmpty && Set(ages).isSubset(of: ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]))
        // The lifetime streams keep no bookmark, only the time of the sync (the snapshot's date).
        let state = try await SyncHarness.query(database, """
            SELECT COUNT(*), COUNT(bookmark), MIN(synced_at) = MAX(synced_at) FROM _tiktok_ads_state WHERE object LIKE '%_lifetime'
            """)
        #expect(state[0] == [String(4 * simulator.world.grantedAdvertiserIDs.count), "0", "1"])
        // Each lifetime request asked for the lifetime and named no date or time dimension.
        let lifetimeRequests = simulator.requestLog.entries.filter { $0.query["query_lifetime"] == "true" }
        #expect(lifetimeRequests.count == 4 * simulator.world.grantedAdvertiserIDs.count)
        #expect(lifetimeRequests.allSatisfy { $0.query["start_date"] == nil && $0.query["dimensions"]?.contains("stat_time") == false })
    }

    @Test func lifetimeTotalsEqualTheSumOfTheDailyRowsOverEachEntitysLife() async throws {
        let simulator = TikTokSimulator(options: Self.shortHistoryOptions())
        let database = SyncHarness.temporaryDatabase()
        let daily = Self.levels.map { "\($0.prefix)_insights" }
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: daily + Self.lifetimeObjects, includeDeleted: true, startDaysAgo: 45))
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        // The daily rows reach back to each advertiser's first day: the whole life is synced.
        let firstDays = try await SyncHarness.query(database, "SELECT MIN(stat_time_day) FROM tiktok_ads_advertiser_insights GROUP BY advertiser_id")
        let earliest = LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!).adding(days: -44)  // UTC always exists
        #expect(firstDays.allSatisfy { LocalDate($0[0] ?? "").map { $0 > earliest } == true }, "\(firstDays)")
        for level in Self.levels {
            let keys = level.prefix == "advertiser" ? "advertiser_id" : "\(level.id), advertiser_id"
            let lifetimeRows = try await Self.count(database, "SELECT COUNT(*) FROM tiktok_ads_\(level.prefix)_insights_lifetime")
            let entities = try await Self.count(database, "SELECT COUNT(*) FROM (SELECT DISTINCT \(keys) FROM tiktok_ads_\(level.prefix)_insights)")
            #expect(lifetimeRows == entities, "\(level.prefix): one lifetime row per entity with daily rows")
            #expect(lifetimeRows > 0)
            let mismatches = try await SyncHarness.query(database, """
                SELECT l.\(level.id), l.impressions, d.impressions, l.spend, d.spend FROM tiktok_ads_\(level.prefix)_insights_lifetime l
                LEFT JOIN (SELECT \(keys), SUM(impressions) AS impressions, ROUND(SUM(spend) * 100) AS spend, SUM(clicks) AS clicks,
                                  SUM(conversion) AS conversion, SUM(video_play_actions) AS plays
                           FROM tiktok_ads_\(level.prefix)_insights GROUP BY \(keys)) d USING (\(keys))
                WHERE d.impressions IS NOT l.impressions OR d.spend IS NOT ROUND(l.spend * 100) OR d.clicks IS NOT l.clicks
                   OR IFNULL(d.conversion, 0) <> IFNULL(l.conversion, 0) OR IFNULL(d.plays, 0) <> IFNULL(l.video_play_actions, 0)
                """)
            #expect(mismatches.isEmpty, "\(level.prefix): \(mismatches.prefix(3))")
        }
    }

    /// A lifetime report is a snapshot: the next run replaces each advertiser's rows whole. Run once with deleted ads,
    /// then (an hour later) without them: the deleted ads' rows leave the table, the others stay, and every row
    /// carries the later run's synced_at.
    @Test func aLifetimeSnapshotIsReplacedWholeByTheNextRun() async throws {
        let earlier = SyncHarness.now
        let later = earlier.addingTimeInterval(3600)
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 4))
        let database = SyncHarness.temporaryDatabase()
        @Sendable func rows() async throws -> [String: String] {
            let found = try await SyncHarness.query(database, "SELECT ad_id, synced_at FROM tiktok_ads_ad_insights_lifetime")
            return Dictionary(found.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { first, _ in first })
        }
        let (first, second) = try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                           settings: try SyncHarness.settings(objects: ["ad_insights_lifetime"], includeDeleted: true), at: earlier)
            let first = try await rows()
            simulator.setNow(later)
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                           settings: try SyncHarness.settings(objects: ["ad_insights_lifetime"]), at: later)
            return (first, try await rows())
        }
        let deleted = Set(simulator.world.grantedAdvertiserIDs.flatMap { simulator.world.entities(.ad, advertiserID: $0) }
            .filter(\.isDeleted).map(\.id)).intersection(first.keys)
        #expect(!deleted.isEmpty, "the first run imported deleted ads")
        #expect(Set(second.keys).isDisjoint(with: deleted), "deleted ads' lifetime rows were removed")
        #expect(Set(second.keys) == Set(first.keys).subtracting(deleted), "the other ads' rows stayed")
        #expect(Set(first.values) == [UTCText.format(earlier)])
        #expect(Set(second.values) == [UTCText.format(later)])
    }

    @Test func higherLevelBreakdownsEqualTheSumsOfTheirAdsBreakdowns() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let adLevel = Self.breakdowns.map { "ad_insights_\($0.suffix)" }
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: adLevel + Self.higherBreakdownObjects, includeDeleted: true, startDaysAgo: 20))
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        for breakdown in Self.breakdowns {
            let columns = breakdown.columns.joined(separator: ", ")
            for level in Self.levels.dropFirst() {
                // The ad's parent id is an attribute column of the ad-level table; the advertiser level groups by advertiser.
                let parent = level.prefix == "advertiser" ? "advertiser_id" : "\(level.id), advertiser_id"
                let summed = """
                    SELECT \(parent), stat_time_day, \(columns), SUM(impressions) AS impressions, ROUND(SUM(spend) * 100) AS spend,
                           SUM(clicks) AS clicks, IFNULL(SUM(conversion), 0) AS conversion, IFNULL(SUM(likes), 0) AS likes
                    FROM tiktok_ads_ad_insights_\(breakdown.suffix) GROUP BY \(parent), stat_time_day, \(columns)
                    """
                let higher = """
                    SELECT \(parent), stat_time_day, \(columns), impressions, ROUND(spend * 100), clicks, IFNULL(conversion, 0), IFNULL(likes, 0)
                    FROM tiktok_ads_\(level.prefix)_insights_\(breakdown.suffix)
                    """
                let onlyInSums = try await Self.count(database, "SELECT COUNT(*) FROM (\(summed) EXCEPT \(higher))")
                let onlyHigher = try await Self.count(database, "SELECT COUNT(*) FROM (\(higher) EXCEPT \(summed))")
                let rows = try await Self.count(database, "SELECT COUNT(*) FROM tiktok_ads_\(level.prefix)_insights_\(breakdown.suffix)")
                #expect(rows > 0, "\(level.prefix) \(breakdown.suffix)")
                #expect(onlyInSums == 0 && onlyHigher == 0, "\(level.prefix) \(breakdown.suffix): \(onlyInSums) summed rows and \(onlyHigher) rows differ")
            }
        }
    }

    @Test(arguments: [false, true])
    func everyAssetAnAdNamesIsInTheAssetListings(includeDeleted: Bool) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 3))
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: ["ads"] + Self.creativeObjects, includeDeleted: includeDeleted))
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        let videoAds = try await Self.count(database, "SELECT COUNT(*) FROM tiktok_ads_ads WHERE video_id IS NOT NULL")
        let imageAds = try await Self.count(database, "SELECT COUNT(*) FROM tiktok_ads_ads, json_each(tiktok_ads_ads.image_ids)")
        #expect(videoAds > 0 && imageAds > 0, "the world has video ads and image ads")
        let missingVideos = try await Self.count(database, """
            SELECT COUNT(*) FROM tiktok_ads_ads a LEFT JOIN tiktok_ads_creative_assets_videos v
            ON v.video_id = a.video_id AND v.advertiser_id = a.advertiser_id WHERE a.video_id IS NOT NULL AND v.video_id IS NULL
            """)
        #expect(missingVideos == 0)
        let missingImages = try await Self.count(database, """
            SELECT COUNT(*) FROM tiktok_ads_ads a, json_each(a.image_ids) j LEFT JOIN tiktok_ads_creative_assets_images i
            ON i.image_id = j.value AND i.advertiser_id = a.advertiser_id WHERE i.image_id IS NULL
            """)
        #expect(missingImages == 0)
        // Assets are uploaded before their ads and carry the documented attributes.
        let late = try await Self.count(database, """
            SELECT COUNT(*) FROM tiktok_ads_ads a JOIN tiktok_ads_creative_assets_videos v USING (video_id, advertiser_id)
            WHERE v.create_time > a.create_time
            """)
        #expect(late == 0)
        let incomplete = try await Self.count(database, """
            SELECT COUNT(*) FROM tiktok_ads_creative_assets_videos WHERE file_name IS NULL OR format IS NULL OR size <= 0 OR width <= 0
            OR height <= 0 OR duration <= 0 OR video_cover_url IS NULL OR preview_url IS NULL OR length(signature) <> 32 OR modify_time IS NULL
            """)
        #expect(incomplete == 0)
        let incompleteImages = try await Self.count(database, """
            SELECT COUNT(*) FROM tiktok_ads_creative_assets_images WHERE file_name IS NULL OR format IS NULL OR size <= 0 OR width <= 0
            OR height <= 0 OR image_url IS NULL OR length(signature) <> 32 OR create_time IS NULL
            """)
        #expect(incompleteImages == 0)
        // Listed in pages of 100, as Airbyte asks.
        let assetRequests = simulator.requestLog.entries.filter { $0.endpoint.hasPrefix("file/") }
        #expect(assetRequests.count == 2 * simulator.world.grantedAdvertiserIDs.count)
        #expect(assetRequests.allSatisfy { $0.query["page_size"] == "100" })
    }

    @Test func aSecondRunLeavesTheNewTablesIdentical() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let settings = try SyncHarness.settings(objects: Self.newObjects, startDaysAgo: 10)
        let (first, second) = try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            let first = try await SyncHarness.dump(database)
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            return (first, try await SyncHarness.dump(database))
        }
        for name in Self.newObjects {
            let table = "tiktok_ads_\(name)"
            #expect((first[table]?.count ?? 0) > 0, "\(table) is empty")
        }
        #expect(SyncHarness.differences(first, second).isEmpty)
    }

    @Test func aBackfillOfTheNewReportObjectsMakesTheFewestRequestsThePageAndWindowLimitsAllow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let today = LocalDate(SyncHarness.now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let backfill = DateWindow(start: today.adding(days: -70), end: today.adding(days: -1))
        let objects = Self.higherBreakdownObjects + Self.lifetimeObjects
        var draft = try SyncHarness.settings(objects: objects, backfill: backfill)
        draft.pageSize = 97
        let settings = draft
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        // Lower bound: a breakdown stream needs ceil(rows / page size) pages for each 30-day window, and at least one; a
        // lifetime stream ceil(rows / page size) pages of its one listing, and at least one.
        var expected = 0
        for name in objects {
            var forObject = 0
            for advertiser in simulator.world.grantedAdvertiserIDs {
                if name.hasSuffix("_lifetime") {
                    let rows = try await Self.count(database, "SELECT COUNT(*) FROM tiktok_ads_\(name) WHERE advertiser_id = '\(advertiser)'")
                    forObject += max(1, (rows + 96) / 97)
                    continue
                }
                for window in backfill.chunked(maxDays: 30) {
                    let rows = try await Self.count(database, """
                        SELECT COUNT(*) FROM tiktok_ads_\(name) WHERE advertiser_id = '\(advertiser)'
                        AND stat_time_day BETWEEN '\(window.start)' AND '\(window.end)'
                        """)
                    forObject += max(1, (rows + 96) / 97)
                }
            }
            #expect(record.objects[name]?.requests == forObject, "\(name)")
            expected += forObject
        }
        #expect(simulator.requestLog.count(endpoint: "report/integrated/get") == expected)
        #expect(expected > objects.count * 2 * 3, "the workload should need several pages per window")
    }

    /// `sync --plan` predicts the new objects' requests and rows as it does the others': one listing per lifetime and
    /// creative stream, one window per 30 days for the breakdowns.
    @Test func aPlanPredictsTheRequestsAndRowsOfTheNewObjects() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "TIKTOK_APP_ID": simulator.options.appId,
                           "TIKTOK_APP_SECRET": simulator.options.secret]
        try await simulator.withRunningServer { url in
            let arguments = ["--api-base-url", url.absoluteString, "--sqlite", database, "--objects", Self.newObjects.joined(separator: ","),
                             "--now", SyncHarness.now.formatted(.iso8601), "--start-date", "2026-01-20", "--end-date", "2026-03-14"]
            let planned = try await ToolBinary.capture(["sync", "--plan", "--format", "json"] + arguments, environment: environment)
            #expect(planned.code == 0, "\(planned.err)")
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(planned.out.utf8)) as? [String: Any], "\(planned.out)")
            simulator.requestLog.reset()
            let synced = try await ToolBinary.capture(["sync", "--log-format", "json"] + arguments, environment: environment)
            #expect(synced.code == 0, "\(synced.err)")
            let summary = try #require(synced.out.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { $0["event"] as? String == "summary" })
            #expect(plan["requests"] as? Int == simulator.requestLog.totalCount)
            #expect(plan["rows"] as? Int == summary["rows"] as? Int)
            let entries = try #require(plan["entries"] as? [[String: Any]])
            let lifetime = try #require(entries.first { $0["object"] as? String == "ad_insights_lifetime" })
            #expect(lifetime["windows"] as? [String] == ["lifetime"])
            let breakdown = try #require(entries.first { $0["object"] as? String == "campaign_insights_by_country" })
            #expect((breakdown["windows"] as? [String])?.count == 2)
        }
    }
}
