import Destinations
import SyncKit
import Testing
import TikTokAds

/// The statements and table resources, checked without an emulator.
struct BigQuerySQLTests {
    @Test(arguments: [(FieldType.string, "STRING"), (.integer, "INT64"), (.decimal, "NUMERIC"), (.float, "FLOAT64"),
                      (.boolean, "BOOL"), (.date, "DATE"), (.datetime, "DATETIME"), (.json, "JSON")])
    func columnTypes(_ type: FieldType, _ expected: String) {
        #expect(BigQuerySQL.type(of: type) == expected)
    }

    @Test func reportTablesArePartitionedByDayAndClusteredByAdvertiserAndLevelID() throws {
        let ads = try #require(Catalog.object(named: "ad_insights_by_country")).schema()
        #expect(BigQuerySQL.clustering(ads) == ["advertiser_id", "ad_id"])
        let resource = BigQuerySQL.tableResource(ads, project: "p", dataset: "d")
        #expect(resource.timePartitioning?.type == "DAY")
        #expect(resource.timePartitioning?.field == "stat_time_day")
        let advertiser = try #require(Catalog.object(named: "advertiser_insights")).schema()
        #expect(BigQuerySQL.clustering(advertiser) == ["advertiser_id"])
        let campaigns = try #require(Catalog.object(named: "campaigns")).schema()
        #expect(BigQuerySQL.tableResource(campaigns, project: "p", dataset: "d").timePartitioning == nil)
    }

    @Test func mergeDeduplicatesStagingRowsListsColumnsAndIsLimitedToTheLoadedRange() throws {
        let schema = try #require(Catalog.object(named: "ad_insights")).schema(selecting: ["spend"])
        let sql = BigQuerySQL.merge(schema, target: "`p.d.t`", staging: "`p.d.s`")
        #expect(sql.contains("QUALIFY ROW_NUMBER() OVER (PARTITION BY `ad_id`, `stat_time_day`, `advertiser_id` ORDER BY `_tiktok_ads_seq` DESC) = 1"))
        #expect(sql.contains("T.`stat_time_day` BETWEEN @range_start AND @range_end"))
        #expect(sql.contains("INSERT (`ad_id`, `advertiser_id`, `stat_time_day`, `spend`) VALUES (S.`ad_id`, S.`advertiser_id`, S.`stat_time_day`, S.`spend`)"))
        #expect(!sql.contains("INSERT ROW"))
        #expect(BigQuerySQL.deleteBefore(schema, target: "`p.d.t`") == "DELETE FROM `p.d.t` WHERE `stat_time_day` < @cutoff")
    }

    @Test func emulatorHostIsAFullURLAndSkipsAuthentication() {
        let configuration = BigQueryConfiguration(project: "p", dataset: "d", environment: ["BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9050/"])
        #expect(configuration.isEmulator)
        #expect(configuration.apiBaseURL == "http://127.0.0.1:9050")
        let google = BigQueryConfiguration(project: "p", dataset: "d", environment: [:])
        #expect(!google.isEmulator)
        #expect(google.apiBaseURL == "https://bigquery.googleapis.com")
    }
}
