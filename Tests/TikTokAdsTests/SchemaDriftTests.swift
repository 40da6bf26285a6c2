import Destinations
import Foundation
import GRDB
import Logging
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// Existing SQLite tables that are not laid out as tiktok-ads writes them (another tool's, an older layout): refused
/// before anything is written, naming the table, the column, what was found and expected, and the fix; or, for a
/// missing or a foreign column, handled as the README's "Tables and state that are not the tool's" says.
@Suite struct SQLiteSchemaDriftTests {
    static let insights = try! Catalog.object(named: "ad_insights")!.schema(selecting: ["spend", "impressions"])  // known names
    static let campaigns = try! Catalog.object(named: "campaigns")!.schema(selecting: ["advertiser_id", "campaign_name", "budget"])  // known names

    /// A database file made by someone else: `sql` run as is.
    static func database(_ sql: String) throws -> String {
        let path = SyncHarness.temporaryDatabase()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
        try queue.close()
        return path
    }

    /// Everything in the file: every object's definition and every table's rows, sorted.
    static func snapshot(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            var lines = try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY name").map { "\($0)" }
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { "\(table): \($0)" }
                lines += rows.sorted()
            }
            return lines
        }
    }

    static func sampleRow(_ schema: TableSchema) -> [Value] {
        schema.fields.map { field -> Value in
            switch field.type {
            case .string: .string("1")
            case .integer: .integer(1)
            case .decimal: .decimal("1.5")
            case .float: .float(0.5)
            case .boolean: .boolean(true)
            case .date: .date("2026-03-01")
            case .datetime: .datetime("2026-03-01 00:00:00")
            case .json: .json("[]")
            }
        }
    }

    /// `prepareWithBookkeeping` refuses with a bad-input error; the file is as it was. Returns the message.
    static func expectRefusal(_ path: String, _ schemas: [TableSchema], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let before = try snapshot(path)
        let destination = try SQLiteDestination(path: path)
        let error = await #expect(throws: SyncError.self, sourceLocation: sourceLocation) { try await destination.prepareWithBookkeeping(schemas) }
        // The write path checks too: a page for a refused table is refused, and nothing lands.
        let page = await #expect(throws: SyncError.self, sourceLocation: sourceLocation) {
            try await destination.loadPage(RowBatch(schema: schemas[0], rows: [sampleRow(schemas[0])]), checkpoint: StreamCheckpoint(
                key: StreamKey(advertiserID: "7000000000000000001", object: "ad_insights"), state: StreamState(bookmark: nil, syncedAt: Date())))
        }
        await destination.close()
        #expect(error?.kind == .badInput, sourceLocation: sourceLocation)
        #expect(page?.kind == .badInput, sourceLocation: sourceLocation)
        #expect(try snapshot(path) == before, "the refused database changed", sourceLocation: sourceLocation)
        return error?.message ?? ""
    }

    @Test func aColumnOfAnotherTypeIsRefusedAndTheFileIsUnchanged() async throws {
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id TEXT NOT NULL, advertiser_id TEXT NOT NULL, stat_time_day TEXT NOT NULL,
                spend TEXT, impressions TEXT, PRIMARY KEY (ad_id, stat_time_day, advertiser_id));
            INSERT INTO tiktok_ads_ad_insights VALUES ('1', '7000000000000000001', '2026-03-01', '12.50', '0100');
            """)
        let message = try await Self.expectRefusal(path, [Self.insights])
        #expect(message.contains("sqlite:\(path)"), "\(message)")
        #expect(message.contains("table tiktok_ads_ad_insights:"), "\(message)")
        #expect(message.contains("column spend is TEXT; tiktok-ads writes REAL"), "\(message)")
        #expect(message.contains("column impressions is TEXT; tiktok-ads writes INTEGER"), "\(message)")
        #expect(message.contains(#"RENAME TO "tiktok_ads_ad_insights_old""#) && message.contains("--sqlite"), "\(message)")
        #expect(message.contains(#"DROP COLUMN "spend""#) && message.contains("--fields"), "\(message)")
        #expect(!message.contains("stat_time_day"), "only the columns at fault are named: \(message)")
    }

    @Test func typesAreComparedByTheirSQLiteAffinity() async throws {
        // VARCHAR, BIGINT and DOUBLE store text, integers and reals as TEXT, INTEGER and REAL do.
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id VARCHAR(32) NOT NULL, advertiser_id VARCHAR(32) NOT NULL, stat_time_day TEXT NOT NULL,
                spend DOUBLE, impressions BIGINT, PRIMARY KEY (ad_id, stat_time_day, advertiser_id));
            """)
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([Self.insights])
        try await destination.loadPage(RowBatch(schema: Self.insights, rows: [Self.sampleRow(Self.insights)]))
        #expect(try await destination.dump(table: "tiktok_ads_ad_insights") == ["'1'|'1'|'2026-03-01'|'1.5'|'1'"])
        await destination.close()

        // DATE has NUMERIC affinity, which turns text that looks like a number into one: refused, and named alone.
        let numeric = try Self.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id VARCHAR(32) NOT NULL, advertiser_id VARCHAR(32) NOT NULL, stat_time_day DATE NOT NULL,
                spend DOUBLE, impressions BIGINT, PRIMARY KEY (ad_id, stat_time_day, advertiser_id));
            """)
        let message = try await Self.expectRefusal(numeric, [Self.insights])
        #expect(message.contains("column stat_time_day is DATE; tiktok-ads writes TEXT"), "\(message)")
        #expect(!message.contains("VARCHAR") && !message.contains("BIGINT") && !message.contains("DOUBLE"), "\(message)")
    }

    @Test func aTableWithoutTheUniqueKeyIsRefusedAndTheFileIsUnchanged() async throws {
        let columns = Self.campaigns.fields.map { "\($0.name) TEXT" }.joined(separator: ", ")
        let noKey = try Self.database("""
            CREATE TABLE tiktok_ads_campaigns (\(columns.replacingOccurrences(of: "budget TEXT", with: "budget REAL")));
            INSERT INTO tiktok_ads_campaigns (campaign_id, advertiser_id, campaign_name, budget) VALUES ('1', '7', 'a', 1.5), ('1', '7', 'b', 2.5);
            """)
        let message = try await Self.expectRefusal(noKey, [Self.campaigns])
        #expect(message.contains("table tiktok_ads_campaigns:"), "\(message)")
        #expect(message.contains("no primary key or unique index is on exactly (campaign_id)") && message.contains("(it has none)"), "\(message)")

        // Another key (a rowid id and a unique pair): named as found.
        let otherKey = try Self.database("""
            CREATE TABLE tiktok_ads_campaigns (id INTEGER PRIMARY KEY, \(columns.replacingOccurrences(of: "budget TEXT", with: "budget REAL")));
            CREATE UNIQUE INDEX pair ON tiktok_ads_campaigns (advertiser_id, campaign_id);
            INSERT INTO tiktok_ads_campaigns (campaign_id, advertiser_id, campaign_name, budget) VALUES ('1', '7', 'a', 1.5);
            """)
        let other = try await Self.expectRefusal(otherKey, [Self.campaigns])
        #expect(other.contains("(it has: (id), (advertiser_id, campaign_id))"), "\(other)")

        // A missing key column cannot be added to the rows already there.
        let missingKey = try Self.database("""
            CREATE TABLE tiktok_ads_campaigns (advertiser_id TEXT, campaign_name TEXT, budget REAL);
            INSERT INTO tiktok_ads_campaigns VALUES ('7', 'a', 1.5);
            """)
        let missing = try await Self.expectRefusal(missingKey, [Self.campaigns])
        #expect(missing.contains("key column campaign_id is missing"), "\(missing)")
    }

    @Test func aUniqueIndexOnTheKeyServesAsTheKey() async throws {
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_campaigns (campaign_id TEXT NOT NULL, advertiser_id TEXT, campaign_name TEXT, budget REAL);
            CREATE UNIQUE INDEX campaigns_key ON tiktok_ads_campaigns (campaign_id);
            INSERT INTO tiktok_ads_campaigns VALUES ('1', '7', 'old', 1.5);
            """)
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([Self.campaigns])
        try await destination.loadPage(RowBatch(schema: Self.campaigns, rows: [[.string("1"), .string("7"), .string("new"), .decimal("2.5")]]))
        #expect(try await destination.dump(table: "tiktok_ads_campaigns") == ["'1'|'7'|'new'|'2.5'"])
        await destination.close()
    }

    @Test func aForeignColumnIsLeftAloneAndNullInNewRows() async throws {
        let path = SyncHarness.temporaryDatabase()
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([Self.campaigns])
        try await destination.loadPage(RowBatch(schema: Self.campaigns, rows: [[.string("1"), .string("7"), .string("a"), .decimal("1.5")]]))
        await destination.close()
        // Someone adds a notes column of their own and writes into it.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE tiktok_ads_campaigns ADD COLUMN note TEXT")
            try db.execute(sql: "UPDATE tiktok_ads_campaigns SET note = 'mine'")
        }
        try queue.close()

        let again = try SQLiteDestination(path: path)
        try await again.prepare([Self.campaigns])
        try await again.loadPage(RowBatch(schema: Self.campaigns, rows: [
            [.string("1"), .string("7"), .string("renamed"), .decimal("1.5")], [.string("2"), .string("7"), .string("b"), .decimal("3")],
        ]))
        #expect(try await again.dump(table: "tiktok_ads_campaigns") == ["'1'|'7'|'renamed'|'1.5'|'mine'", "'2'|'7'|'b'|'3.0'|NULL"])
        await again.close()
    }

    @Test func aForeignColumnThatRequiresAValueIsRefused() async throws {
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_campaigns (campaign_id TEXT NOT NULL PRIMARY KEY, advertiser_id TEXT, campaign_name TEXT, budget REAL,
                owner TEXT NOT NULL, created TEXT NOT NULL DEFAULT 'now');
            INSERT INTO tiktok_ads_campaigns VALUES ('1', '7', 'a', 1.5, 'someone', 'then');
            """)
        let message = try await Self.expectRefusal(path, [Self.campaigns])
        #expect(message.contains("column owner is not a tiktok-ads column and requires a value"), "\(message)")
        #expect(!message.contains("created"), "a NOT NULL column with a default fills itself: \(message)")
    }

    @Test func aMissingColumnIsAddedAndExistingRowsKeepTheirValues() async throws {
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id TEXT NOT NULL, advertiser_id TEXT NOT NULL, stat_time_day TEXT NOT NULL,
                spend REAL, PRIMARY KEY (ad_id, stat_time_day, advertiser_id));
            INSERT INTO tiktok_ads_ad_insights VALUES ('1', '7', '2026-03-01', 12.5);
            """)
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([Self.insights])
        try await destination.loadPage(RowBatch(schema: Self.insights, rows: [[.string("2"), .string("7"), .date("2026-03-02"), .decimal("1"), .integer(10)]]))
        #expect(try await destination.dump(table: "tiktok_ads_ad_insights") == ["'1'|'7'|'2026-03-01'|'12.5'|NULL", "'2'|'7'|'2026-03-02'|'1.0'|'10'"])
        await destination.close()
    }

    @Test func cleanupRefusesToDeleteFromATableItDidNotLayOut() async throws {
        let path = try Self.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id TEXT, advertiser_id TEXT, stat_time_day TEXT, spend REAL, impressions INTEGER);
            INSERT INTO tiktok_ads_ad_insights VALUES ('1', '7', '2020-01-01', 1.5, 10);
            """)
        let before = try Self.snapshot(path)
        let destination = try SQLiteDestination(path: path)
        let settings = SyncSettings(objects: [ObjectSelection(object: Catalog.object(named: "ad_insights")!, fields: ["spend", "impressions"])],  // a known object
                                    startDate: LocalDate("2026-01-01")!)  // a valid literal
        let job = SyncJob(api: TikTokAPIConfiguration(baseURL: URL(string: "http://127.0.0.1:9/open_api/")!, accessToken: "unused"),  // a valid literal
                          settings: settings, destination: destination, retentionDays: ["ad_insights": 30], logger: Logger(label: "cleanup-test"))
        let error = await #expect(throws: SyncError.self) { try await job.applyRetention(today: LocalDate("2026-03-15")!) }  // a valid literal
        await destination.close()
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("no primary key or unique index is on exactly (ad_id, stat_time_day, advertiser_id)") == true, "\(String(describing: error))")
        #expect(try Self.snapshot(path) == before, "cleanup deleted from a table that is not ours")
    }

    @Test func aViewOrAnotherToolsBookkeepingTableIsRefused() async throws {
        let view = try Self.database("""
            CREATE TABLE source (x TEXT);
            CREATE VIEW tiktok_ads_campaigns AS SELECT x AS campaign_id FROM source;
            """)
        let message = try await Self.expectRefusal(view, [Self.campaigns])
        #expect(message.contains("table tiktok_ads_campaigns:\n  - it is a view, not a table"), "\(message)")

        let state = try Self.database("""
            CREATE TABLE _tiktok_ads_state (id INTEGER PRIMARY KEY, payload TEXT);
            INSERT INTO _tiktok_ads_state (payload) VALUES ('{"cursor": 5}');
            CREATE TABLE _tiktok_ads_runs (run_id TEXT, started_at TEXT, ended_at TEXT, status INTEGER, rows INTEGER, requests INTEGER,
                objects TEXT, skipped_advertisers TEXT, errors TEXT);
            """)
        let both = try await Self.expectRefusal(state, [Self.campaigns])
        #expect(both.contains("tables it would use are not laid out as tiktok-ads writes them"), "\(both)")
        #expect(both.contains("table _tiktok_ads_state:\n  - key column advertiser_id is missing"), "\(both)")
        #expect(both.contains("key column object is missing"), "\(both)")
        #expect(both.contains("table _tiktok_ads_runs:\n  - column status is INTEGER; tiktok-ads writes TEXT"), "\(both)")
        #expect(both.contains("no primary key or unique index is on exactly (run_id)"), "\(both)")
    }
}

/// A state tiktok-ads did not write (a bookmark that is no date, or later than tomorrow in the account's timezone):
/// refused with the stream, what was found and the fix, and nothing written, not even the run history.
@Suite struct SQLiteStateDriftTests {
    static let stream = "7000000000000000001"

    /// A database holding our tables and one state row written by hand.
    static func database(bookmark: String, advertiserID: String = stream) async throws -> String {
        let path = SyncHarness.temporaryDatabase()
        let destination = try SQLiteDestination(path: path)
        try await destination.prepareWithBookkeeping([try Catalog.object(named: "ad_insights")!.schema()])  // a known object
        await destination.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO _tiktok_ads_state VALUES (?, 'ad_insights', ?, '2026-03-01 00:00:00.000000')",
                           arguments: [advertiserID, bookmark])
        }
        try queue.close()
        return path
    }

    @Test func anUnreadableBookmarkIsRefusedByStateShowAndBySync() async throws {
        let path = try await Self.database(bookmark: "garbage; DROP TABLE x")
        let before = try SQLiteSchemaDriftTests.snapshot(path)
        let destination = try SQLiteDestination(path: path)
        let error = await #expect(throws: SyncError.self) { _ = try await destination.loadState() }
        await destination.close()
        let message = error?.message ?? ""
        #expect(error?.kind == .badInput)
        #expect(message.contains("stream ad_insights@\(Self.stream): bookmark 'garbage; DROP TABLE x' is not a date (YYYY-MM-DD)"), "\(message)")
        #expect(message.contains("tiktok-ads state reset --object ad_insights --advertiser-id \(Self.stream)"), "\(message)")

        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let settings = try SyncHarness.settings(objects: ["ad_insights", "campaigns"], advertiserIDs: simulator.world.grantedAdvertiserIDs)
        let failed = await #expect(throws: SyncError.self) {
            _ = try await simulator.withRunningServer { url in
                try await SyncHarness.sync(baseURL: url, simulator: simulator, database: path, settings: settings)
            }
        }
        #expect(failed?.kind == .badInput)
        #expect(failed?.message.contains("bookmark 'garbage; DROP TABLE x'") == true)
        #expect(try SQLiteSchemaDriftTests.snapshot(path) == before, "a new table, column, state or run was written")
    }

    @Test func aBookmarkInTheFutureIsRefusedBySync() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let advertiser = try #require(simulator.world.grantedAdvertiserIDs.first)
        let path = try await Self.database(bookmark: "2027-01-01", advertiserID: advertiser)
        let before = try SQLiteSchemaDriftTests.snapshot(path)
        let settings = try SyncHarness.settings(objects: ["ad_insights"], advertiserIDs: simulator.world.grantedAdvertiserIDs)
        let failed = await #expect(throws: SyncError.self) {
            _ = try await simulator.withRunningServer { url in
                try await SyncHarness.sync(baseURL: url, simulator: simulator, database: path, settings: settings)
            }
        }
        let message = failed?.message ?? ""
        #expect(failed?.kind == .badInput)
        #expect(message.contains("stream ad_insights@\(advertiser): bookmark 2027-01-01 is after 2026-03-1"), "\(message)")  // now is 2026-03-15
        #expect(message.contains("the day after today in the account's timezone"), "\(message)")
        #expect(message.contains("tiktok-ads state reset --object ad_insights --advertiser-id \(advertiser)"), "\(message)")
        #expect(try SQLiteSchemaDriftTests.snapshot(path) == before, "something was written")
    }

    @Test func bookmarksUpToTomorrowInTheAccountsTimezoneAreAccepted() throws {
        let today = LocalDate("2026-03-15")!  // a valid literal
        func state(_ bookmark: String) -> [StreamKey: StreamState] {
            [StreamKey(advertiserID: "1", object: "ad_insights"): StreamState(bookmark: LocalDate(bookmark), syncedAt: Date()),
             StreamKey(advertiserID: "2", object: "ad_insights"): StreamState(bookmark: LocalDate("2099-01-01"), syncedAt: Date())]
        }
        // Advertiser 2 is not in this run: its bookmark is not judged.
        let known: (String) -> (date: LocalDate, timeZone: String)? = { $0 == "1" ? (today, "Pacific/Kiritimati") : nil }
        try StateStore.checkBookmarks(state("2026-03-16"), in: "test", today: known)
        let error = #expect(throws: SyncError.self) { try StateStore.checkBookmarks(state("2026-03-17"), in: "test", today: known) }
        #expect(error?.message.contains("stream ad_insights@1: bookmark 2026-03-17 is after 2026-03-16, the day after today in the account's timezone (Pacific/Kiritimati)") == true,
                "\(String(describing: error))")
        #expect(error?.message.contains("ad_insights@2") == false)
    }
}

/// The shipped binary against a database it must not write into: exit 2, the message on standard error, the file unchanged.
@Suite struct SchemaDriftCommandTests {
    @Test func syncRefusesADriftedDatabaseWithExitTwoAndLeavesTheFileUnchanged() async throws {
        let path = try SQLiteSchemaDriftTests.database("""
            CREATE TABLE tiktok_ads_ad_insights (ad_id TEXT NOT NULL, advertiser_id TEXT NOT NULL, stat_time_day TEXT NOT NULL,
                spend TEXT, impressions TEXT, PRIMARY KEY (ad_id, stat_time_day, advertiser_id));
            INSERT INTO tiktok_ads_ad_insights VALUES ('1', '7000000000000000001', '2026-03-01', '12.50', '0100');
            """)
        let before = try SQLiteSchemaDriftTests.snapshot(path)
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(["sync", "--api-base-url", url.absoluteString, "--sqlite", path, "--objects", "campaigns,ad_insights",
                                          "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ",")],
                                         environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(result.code == 2, "\(result.out)\n\(result.err)")
        #expect(result.err.contains("error: tiktok-ads stopped before writing anything to sqlite:\(path)"), "\(result.err)")
        #expect(result.err.contains("column spend is TEXT; tiktok-ads writes REAL"), "\(result.err)")
        #expect(result.err.contains("column impressions is TEXT; tiktok-ads writes INTEGER"), "\(result.err)")
        #expect(result.err.contains("--sqlite"), "\(result.err)")
        #expect(try SQLiteSchemaDriftTests.snapshot(path) == before, "the refused database changed")
    }

    @Test func anUnreadableBookmarkStopsSyncAndStateShowWithExitTwoUntilItIsReset() async throws {
        let stream = SQLiteStateDriftTests.stream
        let path = try await SQLiteStateDriftTests.database(bookmark: "garbage")
        let before = try SQLiteSchemaDriftTests.snapshot(path)
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let sync = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(["sync", "--api-base-url", url.absoluteString, "--sqlite", path, "--objects", "ad_insights",
                                          "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ",")],
                                         environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(sync.code == 2, "\(sync.out)\n\(sync.err)")
        #expect(sync.err.contains("stream ad_insights@\(stream): bookmark 'garbage' is not a date"), "\(sync.err)")
        #expect(sync.err.contains("tiktok-ads state reset --object ad_insights --advertiser-id \(stream)"), "\(sync.err)")
        #expect(try SQLiteSchemaDriftTests.snapshot(path) == before, "the refused database changed")

        let show = try await ToolBinary.capture(["state", "show", "--sqlite", path])
        #expect(show.code == 2, "\(show.out)\n\(show.err)")
        #expect(show.err.contains("bookmark 'garbage' is not a date"), "\(show.err)")

        // The fix the message names works.
        let reset = try await ToolBinary.capture(["state", "reset", "--sqlite", path, "--object", "ad_insights", "--advertiser-id", stream])
        #expect(reset.code == 0, "\(reset.err)")
        let after = try await ToolBinary.capture(["state", "show", "--sqlite", path])
        #expect(after.code == 0, "\(after.err)")
        #expect(!after.out.contains("garbage"))
    }
}
