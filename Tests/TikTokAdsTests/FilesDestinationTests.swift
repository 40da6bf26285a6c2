import Destinations
import Foundation
import Logging
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// The files destination (CSV and JSON Lines) in process, against the simulator: read back by Python's csv and json
/// modules and compared with a SQLite sync of the same data.
@Suite(.serialized)
struct FilesDestinationTests {
    static let allObjects = Catalog.objects.map(\.name)

    @Test(arguments: FileFormat.allCases)
    func everyObjectLandsAsInSQLiteWithItsTypes(format: FileFormat) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let settings = try SyncHarness.settings(objects: Self.allObjects, startDaysAgo: 3)
        let database = SyncHarness.temporaryDatabase()
        let directory = FilesHarness.temporaryDirectory()
        let (sqlite, files) = try await simulator.withRunningServer { url in
            (try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings),
             try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: format, settings: settings))
        }
        #expect(sqlite.status == .succeeded && files.status == .succeeded, "\(files.errors)")
        #expect(sqlite.totalRows == files.totalRows)

        let reading = try await FilesHarness.readWithPython(directory, format: format)
        #expect(reading.problems.isEmpty, "\(reading.problems.prefix(5))")
        #expect(reading.leftovers.isEmpty)
        let expected = try await FilesHarness.canonicalRows(sqlite: database)
        var tables = reading.tables
        tables[StateStore.schema.name] = reading.state
        let actual = FilesHarness.canonicalRows(tables, columns: expected.columns)
        #expect(Set(actual.keys) == Set(expected.rows.keys))
        for table in expected.rows.keys.sorted() {
            #expect(actual[table]?.count == expected.rows[table]?.count, "\(table)")
            let missing = Set(expected.rows[table] ?? []).subtracting(actual[table] ?? [])
            #expect(missing.isEmpty, "\(table): \(missing.count) rows differ, e.g. \(missing.first ?? "")")
        }
        #expect(reading.tables.filter { !$0.value.isEmpty }.count == Catalog.objects.count, "every object has rows")

        // The layout: one file per advertiser-day for reports (hourly too), one per advertiser for entities.
        let granted = simulator.world.grantedAdvertiserIDs
        let paths = try FilesHarness.snapshot(directory).keys
        for advertiser in granted {
            #expect(paths.contains("tiktok_ads_campaigns/\(advertiser).\(format.rawValue)"))
            #expect(paths.contains("tiktok_ads_ad_insights_hourly/\(advertiser)/2026-03-14.\(format.rawValue)"))
            #expect(paths.contains("tiktok_ads_ad_insights/\(advertiser)/2026-03-13.\(format.rawValue)"))
        }
        #expect(paths.contains("_tiktok_ads_state.json") && paths.contains(".tiktok-ads"))

        // JSON Lines values keep their types: ids and money as strings, counts as integers, rates as numbers.
        if format == .jsonl {
            for (table, columns) in reading.types {
                for (column, seen) in columns {
                    let types = Set(seen).subtracting(["NoneType"])
                    let allowed: Set<String> = switch FilesHarness.type(of: column, in: table) {
                    case .string, .date, .datetime, .decimal: ["str"]
                    case .integer: ["int"]
                    case .float: ["float"]
                    case .boolean: ["bool"]
                    case .json: ["dict", "list"]
                    }
                    #expect(types.isSubset(of: allowed), "\(table).\(column) holds \(types.sorted()), not \(allowed.sorted())")
                }
            }
            let sample = try #require(reading.tables["tiktok_ads_ad_insights"]?.first)
            #expect(sample["ad_id"] is String && sample["spend"] is String && sample["impressions"] is NSNumber)
        }
    }

    @Test(arguments: FileFormat.allCases)
    func aRerunLeavesEveryFileByteIdentical(format: FileFormat) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        var draft = try SyncHarness.settings(objects: ["campaigns", "ads", "audiences", "ad_insights", "ad_insights_hourly"], startDaysAgo: 5)
        draft.pageSize = 9  // pages that split days, so partitions are merged from several pages
        let settings = draft
        let directory = FilesHarness.temporaryDirectory()
        let (first, second) = try await simulator.withRunningServer { url in
            let first = try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: format, settings: settings)
            let before = try FilesHarness.snapshot(directory)
            _ = try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: format, settings: settings)
            return (before, first.status)
        }
        #expect(second == .succeeded)
        let after = try FilesHarness.snapshot(directory)
        #expect(first.count > 25)
        #expect(first == after, "changed: \(Set(first.keys).symmetricDifference(after.keys).union(first.keys.filter { first[$0] != after[$0] }).sorted().prefix(5))")
        // Two runs are in the run history, one line each.
        let runs = try String(contentsOfFile: directory + "/_tiktok_ads_runs.jsonl", encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 2)
    }

    @Test(arguments: FileFormat.allCases)
    func underEveryKindOfFaultTheFilesAreThoseOfACleanRun(format: FileFormat) async throws {
        var draft = try SyncHarness.settings(objects: ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country"],
                                             startDaysAgo: 12)
        draft.pageSize = 7
        draft.audiencePageSize = 3
        let settings = draft
        let clean = FilesHarness.temporaryDirectory()
        let cleanSimulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let cleanRecord = try await cleanSimulator.withRunningServer { url in
            try await FilesHarness.sync(baseURL: url, simulator: cleanSimulator, directory: clean, format: format, settings: settings)
        }
        #expect(cleanRecord.status == .succeeded)

        let options = SyncHarness.everyFaultOptions()
        let faulty = TikTokSimulator(options: options)
        let directory = FilesHarness.temporaryDirectory()
        let record = try await faulty.withRunningServer { url in
            try await FilesHarness.sync(baseURL: url, simulator: faulty, directory: directory, format: format, settings: settings,
                                        retryPolicy: SyncHarness.faultRetries(), timeout: SyncHarness.faultTimeout)
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(Set(faulty.requestLog.entries.compactMap(\.fault)) == Set(FaultKind.recoverable), "every fault kind should have happened")
        let expected = try FilesHarness.snapshot(clean), actual = try FilesHarness.snapshot(directory)
        #expect(expected.count > 50)
        #expect(expected == actual, "differ: \(Set(expected.keys).union(actual.keys).filter { expected[$0] != actual[$0] }.sorted().prefix(5))")
    }

    @Test func theBookmarkNeverMovesPastCommittedRows() async throws {
        let directory = FilesHarness.temporaryDirectory()
        let observation = try await BookmarkContract.observe { try FilesDestination(directory: directory, format: .jsonl) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    @Test(arguments: FileFormat.allCases)
    func aSnapshotReplacesTheLastOneOnlyWhenComplete(format: FileFormat) async throws {
        let directory = FilesHarness.temporaryDirectory()
        let observation = try await SnapshotContract.observe { try FilesDestination(directory: directory, format: format) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    /// Rows per advertiser and the local days a date and an hour column cover (the default: every row read and counted);
    /// a missing table or column is nil.
    @Test(arguments: FileFormat.allCases)
    func rowCountsAreCountedFromTheFiles(format: FileFormat) async throws {
        let destination = try FilesDestination(directory: FilesHarness.temporaryDirectory(), format: format)
        let (counted, read) = try await RowCountContract.observe(destination)
        #expect(counted == RowCountContract.expected)
        #expect(read == RowCountContract.expected)
    }

    /// The reconciliation table's results per advertiser, read from its file.
    @Test(arguments: FileFormat.allCases)
    func reconciliationResultsAreReadFromTheFiles(format: FileFormat) async throws {
        let destination = try FilesDestination(directory: FilesHarness.temporaryDirectory(), format: format)
        let (summed, read, empty) = try await ReconciliationResultsContract.observe(destination)
        #expect(empty.isEmpty, "no table, no results")
        #expect(summed == read, "the same results, to the character, as reading every row")
        #expect(ReconciliationResultsContract.summaries(summed) == ReconciliationResultsContract.expected)
    }

    @Test func retentionAndCleanupRemoveThePartitionsBeforeTheWindow() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let settings = try SyncHarness.settings(objects: ["campaigns", "ad_insights", "ad_insights_hourly"], startDaysAgo: 10)
        let directory = FilesHarness.temporaryDirectory()
        let record = try await simulator.withRunningServer { url in
            try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: .csv, settings: settings,
                                        retention: ["ad_insights": 4])
        }
        #expect(record.status == .succeeded)
        let days = { (table: String) in
            Set(try FilesHarness.snapshot(directory).keys.filter { $0.hasPrefix(table + "/") }.map { ($0 as NSString).lastPathComponent })
        }
        // Today is 2026-03-15 (UTC): four days of retention keep 2026-03-11 and later.
        #expect(try days("tiktok_ads_ad_insights").min() == "2026-03-11.csv")
        #expect(try days("tiktok_ads_ad_insights_hourly").min() ?? "" < "2026-03-11.csv", "a table without retention keeps its days")
        let destination = try FilesDestination(directory: directory, format: .csv)
        let schema = try Catalog.resolve(["ad_insights_hourly"])[0].schema()
        let before = try await destination.rows(of: schema).count
        let deleted = try await RetentionCleanup.apply([(schema, 2)], in: destination, today: LocalDate(year: 2026, month: 3, day: 15)!, logger: .init(label: "t"))
        #expect(try days("tiktok_ads_ad_insights_hourly").min() == "2026-03-13.csv")
        #expect(deleted[schema.name] == before - (try await destination.rows(of: schema).count))
        #expect((deleted[schema.name] ?? 0) > 0)
    }

    @Test func stateResetForgetsOnlyTheStreamsNamed() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        _ = try await simulator.withRunningServer { url in
            try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: .jsonl,
                                        settings: try SyncHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 2))
        }
        let destination = try FilesDestination(directory: directory, format: .jsonl)
        let advertiser = simulator.world.grantedAdvertiserIDs[0]
        #expect(try await destination.loadState().count == 4)
        #expect(try await destination.resetState(advertiserID: advertiser, object: "ad_insights") == 1)
        let left = try await destination.loadState()
        #expect(left.count == 3 && left[StreamKey(advertiserID: advertiser, object: "ad_insights")] == nil)
    }

    /// A new field adds a column: the partitions written from then on have it in their header, older ones keep theirs,
    /// and both are read back (here and by Python).
    @Test func aNewFieldChangesTheHeaderOfThePartitionsWrittenFromThenOn() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        let narrow = try SyncHarness.settings(objects: ["campaigns", "ad_insights"], fields: ["campaigns": ["campaign_name"], "ad_insights": ["spend"]], startDaysAgo: 6)
        let wide = try SyncHarness.settings(objects: ["campaigns", "ad_insights"], fields: ["campaigns": ["campaign_name", "budget"], "ad_insights": ["spend", "clicks"]],
                                            startDaysAgo: 6, lookbackDays: 1,
                                            backfill: DateWindow(start: LocalDate(year: 2026, month: 3, day: 13)!, end: LocalDate(year: 2026, month: 3, day: 15)!))
        let advertiser = simulator.world.grantedAdvertiserIDs[0]
        try await simulator.withRunningServer { url in
            _ = try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: .csv, settings: narrow)
            _ = try await FilesHarness.sync(baseURL: url, simulator: simulator, directory: directory, format: .csv, settings: wide)
        }
        func header(_ path: String) throws -> String {
            String(try String(contentsOfFile: directory + "/" + path, encoding: .utf8).prefix { $0 != "\r\n" })
        }
        #expect(try header("tiktok_ads_ad_insights/\(advertiser)/2026-03-10.csv") == "ad_id,advertiser_id,stat_time_day,spend")
        #expect(try header("tiktok_ads_ad_insights/\(advertiser)/2026-03-14.csv") == "ad_id,advertiser_id,stat_time_day,spend,clicks")
        #expect(try header("tiktok_ads_campaigns/\(advertiser).csv") == "campaign_id,campaign_name,budget")
        let destination = try FilesDestination(directory: directory, format: .csv)
        let found = try await destination.inspectTables(["tiktok_ads_ad_insights"])["tiktok_ads_ad_insights"]
        #expect(found?.columns.map(\.name) == ["ad_id", "advertiser_id", "stat_time_day", "spend"], "only the columns every partition has")
        let schema = try Catalog.resolve(["ad_insights"])[0].schema(selecting: ["spend", "clicks"])
        let rows = try await destination.rows(of: schema)
        let clicks = try #require(schema.index(of: "clicks")), day = try #require(schema.index(of: "stat_time_day"))
        #expect(rows.contains { $0[day] == .date("2026-03-10") && $0[clicks] == .null })
        #expect(rows.contains { $0[day] == .date("2026-03-14") && $0[clicks] != .null })
        let reading = try await FilesHarness.readWithPython(directory, format: .csv)
        #expect(reading.problems.isEmpty && reading.tables["tiktok_ads_ad_insights"]?.count == rows.count)
    }
}
