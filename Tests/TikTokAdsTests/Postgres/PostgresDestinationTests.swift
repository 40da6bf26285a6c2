import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokAds

/// The PostgreSQL destination's storage primitives against the real server: upserts, exact values, the checkpoint in
/// the page's transaction, schema drift, cleanup, the advisory lock.
@Suite(PostgresHarness.enabled)
struct PostgresDestinationTests {
    let schema = TableSchema(name: "tiktok_ads_ad_insights", fields: [
        Field("ad_id", .string, "Ad id"), Field("advertiser_id", .string, ""), Field("stat_time_day", .date, ""),
        Field("spend", .decimal, ""), Field("impressions", .integer, ""), Field("ctr", .float, ""),
    ], key: ["ad_id", "stat_time_day", "advertiser_id"], timeField: "stat_time_day")

    func row(_ ad: String, _ day: String, spend: String, impressions: Int64, ctr: Double = 1.5) -> [Value] {
        [.string(ad), .string("7000000000000000001"), .date(day), .decimal(spend), .integer(impressions), .float(ctr)]
    }

    func withDestination(_ body: (PostgresDestination, String) async throws -> Void) async throws {
        try await PostgresHarness.withDestination(body)
    }

    @Test func upsertsOnTheUniqueKeyAndKeepsIdsAndDecimalsExact() async throws {
        try await withDestination { destination, name in
            try await destination.prepare([schema])
            try await destination.loadPage(RowBatch(schema: schema, rows: [row("1714125042508817123", "2024-01-01", spend: "1.00", impressions: 10)]))
            try await destination.loadPage(RowBatch(schema: schema, rows: [
                row("1714125042508817123", "2024-01-01", spend: "2.50", impressions: 20, ctr: 0.1),
                row("1714125042508817124", "2024-01-01", spend: "12345678901234567890.123456789", impressions: 9_000_000_000_000_000_000, ctr: 1e-7),
            ]))
            #expect(try await PostgresHarness.dump(name)[schema.name] == [
                "(1714125042508817123,7000000000000000001,2024-01-01,2.50,20,0.1)",
                "(1714125042508817124,7000000000000000001,2024-01-01,12345678901234567890.123456789,9000000000000000000,0.0000001)",
            ])
            // Read back as the values that were written.
            let rows = try await destination.rows(of: schema)
            #expect(rows.contains(row("1714125042508817123", "2024-01-01", spend: "2.50", impressions: 20, ctr: 0.1)))
        }
    }

    /// Pages of concurrent streams commit on several connections, each with its checkpoint; the first writes take the
    /// lock once between them (this destination never took it explicitly).
    @Test func concurrentPagesCommitOnSeveralConnectionsWithTheirCheckpoints() async throws {
        try await withDestination { destination, _ in
            try await destination.prepareWithBookkeeping([schema])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for stream in 0..<12 {
                    group.addTask {
                        let rows = (0..<50).map { row("\(stream)-\($0)", "2024-01-0\(1 + stream % 9)", spend: "\(stream).\($0)", impressions: Int64($0)) }
                        let key = StreamKey(advertiserID: "7000000000000000001", object: "stream\(stream)")
                        let checkpoint = StreamCheckpoint(key: key, state: StreamState(bookmark: LocalDate("2024-01-09"), syncedAt: Date()))
                        try await destination.loadPage(RowBatch(schema: schema, rows: rows), checkpoint: checkpoint)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await destination.rows(of: schema).count == 600)
            #expect(try await destination.loadState().count == 12)
        }
    }

    @Test func rowsSharingAKeyInOnePageKeepTheLastAndTextKeepsEveryCharacter() async throws {
        let names = TableSchema(name: "tiktok_ads_campaigns", fields: [
            Field("campaign_id", .string, ""), Field("campaign_name", .string, ""), Field("extra", .json, ""), Field("active", .boolean, ""),
            Field("create_time", .datetime, ""),
        ], key: ["campaign_id"])
        let awkward = "tab\there, line\nbreak, cr\r, back\\slash \\N, quote ' \" , unicode 🚀 é"
        try await withDestination { destination, name in
            try await destination.prepare([names])
            try await destination.loadPage(RowBatch(schema: names, rows: [
                [.string("1"), .string("first"), .json("[1]"), .boolean(false), .datetime("2026-01-02 03:04:05")],
                [.string("1"), .string(awkward), .json(#"{"b":[1,2],"a":"x\ty"}"#), .boolean(true), .datetime("2026-01-02 03:04:05")],
                [.string("2"), .string("nul\u{0}inside"), .json(#"["\u0000"]"#), .null, .null],
            ]))
            let rows = try await destination.rows(of: names).sorted { ($0[0].text ?? "") < ($1[0].text ?? "") }
            #expect(rows.count == 2)
            #expect(rows[0][1] == .string(awkward))
            #expect(rows[0][3] == .boolean(true))
            #expect(rows[0][4] == .datetime("2026-01-02 03:04:05"))
            // PostgreSQL text cannot hold NUL: U+FFFD stands in for it.
            #expect(rows[1][1] == .string("nul\u{FFFD}inside"))
            #expect(try await PostgresHarness.query("SELECT extra->>'a' FROM \(name).tiktok_ads_campaigns WHERE campaign_id = '1'") == [["x\ty"]])
        }
    }

    @Test func stateCommitsWithTheRowsAndRollsBackWithThem() async throws {
        try await withDestination { destination, _ in
            try await destination.prepareWithBookkeeping([schema])
            let key = StreamKey(advertiserID: "7000000000000000001", object: "ad_insights")
            let checkpoint = StreamCheckpoint(key: key, state: StreamState(bookmark: LocalDate("2024-01-31"), syncedAt: Date(timeIntervalSince1970: 1_700_000_000.25)))
            // A row without its key fails the whole transaction: neither rows nor state land.
            let bad = RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1), [.null, .null, .null, .null, .null, .null]])
            await #expect(throws: SyncError.self) { try await destination.loadPage(bad, checkpoint: checkpoint) }
            #expect(try await destination.rows(of: schema).isEmpty)
            #expect(try await destination.loadState().isEmpty)
            try await destination.loadPage(RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1)]), checkpoint: checkpoint)
            let state = try await destination.loadState()[key]
            #expect(state?.bookmark == LocalDate("2024-01-31"))
            #expect(state?.syncedAt == Date(timeIntervalSince1970: 1_700_000_000.25))
        }
    }

    @Test func createsTypedTablesWithTheKeyAndADateIndex() async throws {
        let hourly = TableSchema(name: "tiktok_ads_ad_insights_hourly", fields: [
            Field("ad_id", .string, ""), Field("advertiser_id", .string, ""), Field("stat_time_hour", .datetime, ""), Field("flag", .boolean, ""),
            Field("raw", .json, ""), Field("modify_time", .datetime, ""),
        ], key: ["ad_id", "stat_time_hour", "advertiser_id"], timeField: "stat_time_hour")
        try await withDestination { destination, name in
            try await destination.prepare([schema, hourly])
            let types = try await PostgresHarness.columnTypes(name)
            #expect(types[schema.name] == ["ad_id": "text", "advertiser_id": "text", "stat_time_day": "date", "spend": "numeric",
                                           "impressions": "bigint", "ctr": "numeric"])
            #expect(types[hourly.name]?["stat_time_hour"] == "timestamp without time zone")
            #expect(types[hourly.name]?["modify_time"] == "timestamp with time zone")
            #expect(types[hourly.name]?["raw"] == "jsonb")
            #expect(types[hourly.name]?["flag"] == "boolean")
            let key = try await PostgresHarness.query("""
                SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey::int2[], a.attnum))
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = '\(name).\(schema.name)'::regclass AND i.indisprimary
                """)
            #expect(key == [["ad_id,stat_time_day,advertiser_id"]])
            let indexed = try await PostgresHarness.query("SELECT indexdef FROM pg_indexes WHERE schemaname = '\(name)' AND tablename = '\(schema.name)'")
            #expect(indexed.contains { ($0.first ?? nil)?.hasSuffix("(stat_time_day)") == true })
        }
    }

    @Test func aNewlySelectedFieldAddsAColumnAndKeepsRows() async throws {
        try await withDestination { destination, name in
            try await destination.prepare([schema])
            try await destination.loadPage(RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1)]))
            var wider = schema
            wider.fields.append(Field("clicks", .integer, ""))
            try await destination.prepare([wider])
            try await destination.loadPage(RowBatch(schema: wider, rows: [row("2", "2024-01-02", spend: "2", impressions: 2) + [.integer(7)]]))
            #expect(try await PostgresHarness.dump(name)[schema.name] == [
                "(1,7000000000000000001,2024-01-01,1,1,1.5,)",
                "(2,7000000000000000001,2024-01-02,2,2,1.5,7)",
            ])
        }
    }

    @Test func aColumnOfAnotherTypeFailsPrepareNamingTheColumnAndTheFix() async throws {
        try await withDestination { destination, name in
            try await PostgresHarness.query("CREATE SCHEMA \(name)")
            try await PostgresHarness.query("""
                CREATE TABLE \(name).tiktok_ads_ad_insights (ad_id text NOT NULL, advertiser_id text NOT NULL, stat_time_day date NOT NULL,
                spend integer, impressions bigint, ctr double precision, PRIMARY KEY (ad_id, stat_time_day, advertiser_id))
                """)
            let error = await #expect(throws: SyncError.self) { try await destination.prepare([schema]) }
            #expect(error?.kind == .badInput)
            let message = error?.message ?? ""
            #expect(message.contains("column spend is integer; tiktok-ads writes numeric"), "\(message)")
            #expect(message.contains("ALTER TABLE \"\(name)\".\"tiktok_ads_ad_insights\" DROP COLUMN \"spend\""), "\(message)")
            // ctr as double precision holds a rate exactly: accepted. Nothing was written.
            #expect(!message.contains("ctr"))
            #expect(try await PostgresHarness.tables(name, dataOnly: false) == ["tiktok_ads_ad_insights"])
        }
    }

    @Test func cleanupDeletesExactlyTheRowsBeforeTheCutoffAndResetForgetsState() async throws {
        try await withDestination { destination, _ in
            try await destination.prepareWithBookkeeping([schema])
            try await destination.loadPage(RowBatch(schema: schema, rows: (1...9).map { row("1", "2024-01-0\($0)", spend: "1", impressions: 1) }))
            #expect(try await destination.deleteRows(of: schema, before: LocalDate("2024-01-05")!) == 4)  // a valid literal
            #expect(try await destination.rows(of: schema).map { $0[2] }.contains(.date("2024-01-05")))
            #expect(try await destination.rows(of: schema).count == 5)
            for object in ["ads", "campaigns"] {
                let key = StreamKey(advertiserID: "7000000000000000001", object: object)
                try await destination.commitBookkeeping(StateStore.batch([StreamCheckpoint(key: key, state: StreamState(bookmark: nil, syncedAt: Date()))]))
            }
            #expect(try await destination.resetState(advertiserID: nil, object: "ads") == 1)
            #expect(try await destination.loadState().keys.map(\.object) == ["campaigns"])
        }
    }

    @Test func recordsRunsWithPerObjectCounts() async throws {
        try await withDestination { destination, _ in
            let run = RunRecord(startedAt: Date(timeIntervalSince1970: 1_700_000_000), endedAt: Date(timeIntervalSince1970: 1_700_000_100),
                                status: .partial, objects: ["ads": ObjectStatistics(rows: 5, requests: 2, retries: 1, errors: 0)],
                                skippedAdvertisers: ["9": "no permission"], errors: [])
            try await destination.recordRun(run)
            let runs = try await destination.recentRuns(limit: 5)
            #expect(runs.count == 1)
            #expect(runs.first?.status == .partial)
            #expect(runs.first?.startedAt == run.startedAt)
            #expect(runs.first?.objects["ads"] == ObjectStatistics(rows: 5, requests: 2, retries: 1, errors: 0))
            #expect(runs.first?.skippedAdvertisers == ["9": "no permission"])
        }
    }

    /// A source that yields some pages of a slice and then fails never moves the bookmark past committed rows.
    @Test func aBookmarkNeverPassesCommittedRowsWhenASourceFailsMidSlice() async throws {
        let name = PostgresHarness.uniqueSchema()
        let observation = try await BookmarkContract.observe { try PostgresHarness.destination(schema: name) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
        try await PostgresHarness.dropSchema(name)
    }

    /// A snapshot stream replaces its advertiser's earlier rows only once the whole new snapshot is committed.
    @Test func aSnapshotReplacesTheLastOneOnlyWhenComplete() async throws {
        let name = PostgresHarness.uniqueSchema()
        let observation = try await SnapshotContract.observe { try PostgresHarness.destination(schema: name) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
        try await PostgresHarness.dropSchema(name)
    }

    /// Rows per advertiser and the local days a date and an hour column cover, counted by the destination (one GROUP BY
    /// query: dates, timestamps and timestamptz cast to text), agree with reading every row; a missing table or column is nil.
    @Test func rowCountsAreCountedByOneQuery() async throws {
        let name = PostgresHarness.uniqueSchema()
        let destination = try PostgresHarness.destination(schema: name)
        #expect((destination as any Destination) is any SQLQuerying, "counted by a query (aSQLDestinationCountsRowsWithOneQuery), not by reading every row")
        let (counted, read) = try await RowCountContract.observe(destination)
        await destination.close()
        #expect(counted == RowCountContract.expected)
        #expect(read == RowCountContract.expected)
        try await PostgresHarness.dropSchema(name)
    }

    /// The reconciliation table's results per advertiser, summed by one query, equal reading every row (a timestamptz
    /// printed without its offset, as the rows read it).
    @Test func reconciliationResultsAreSummedByOneQuery() async throws {
        let name = PostgresHarness.uniqueSchema()
        let destination = try PostgresHarness.destination(schema: name)
        let (summed, read, empty) = try await ReconciliationResultsContract.observe(destination)
        await destination.close()
        try await PostgresHarness.dropSchema(name)
        #expect(empty.isEmpty, "no table, no results")
        #expect(summed == read, "the same results, to the character, as reading every row")
        #expect(ReconciliationResultsContract.summaries(summed) == ReconciliationResultsContract.expected)
    }

    /// The advisory lock is keyed on the schema: a second holder of the same schema is refused, naming the first; another
    /// schema is free; closing releases it.
    @Test func theAdvisoryLockKeepsASecondWriterOffTheSchema() async throws {
        let name = PostgresHarness.uniqueSchema()
        let first = try PostgresHarness.destination(schema: name)
        // Refused once the lock is still held after its wait (short here; a sync waits 5 s for a killed holder's lock to go).
        let second = try PostgresHarness.destination(schema: name, lockWait: .milliseconds(200))
        let other = try PostgresHarness.destination(schema: PostgresHarness.uniqueSchema())
        try await first.lockSchema()
        let error = await #expect(throws: SyncError.self) { try await second.lockSchema() }
        #expect(error?.kind == .destination)
        #expect(error?.message.contains("a sync already holds its lock (PostgreSQL session") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("tiktok-ads, from 127.0.0.1") == true, "\(error?.message ?? "")")
        // A write takes the lock first, so it is refused too, and writes nothing.
        await #expect(throws: SyncError.self) { try await second.prepare([schema]) }
        #expect(try await PostgresHarness.tables(name, dataOnly: false).isEmpty)
        try await other.lockSchema()
        await first.close()
        try await second.lockSchema()
        await second.close()
        await other.close()
    }

    /// `discover --format postgres` prints the DDL a sync runs: it runs as it is and gives the tables a sync creates.
    @Test func theDiscoverDDLRunsAndMatchesWhatASyncCreates() async throws {
        let name = PostgresHarness.uniqueSchema()
        let ddl = try await ToolBinary.capture(["discover", "--format", "postgres"])
        #expect(ddl.code == 0)
        #expect(ddl.out.contains("CREATE TABLE \"tiktok_ads\".\"tiktok_ads_ad_insights_hourly\""))
        let session = try PostgresHarness.destination(schema: name)
        for statement in ddl.out.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            _ = try await session.select(statement.replacingOccurrences(of: "\"tiktok_ads\"", with: "\"\(name)\""))
        }
        await session.close()
        let created = try await PostgresHarness.columnTypes(name)
        try await withDestination { destination, other in
            try await destination.prepare(try Catalog.objects.map { try $0.schema() })
            #expect(try await PostgresHarness.columnTypes(other) == created)
        }
        try await PostgresHarness.dropSchema(name)
    }
}
