import Destinations
import Foundation
import Logging
import SyncKit
import Testing
import TestSupport
import TikTokAds
import TikTokSimulator

/// The Google Sheets destination against the Sheets fake (issue 5).
@Suite struct GoogleSheetsDestinationTests {
    static let spreadsheet = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"

    static let campaigns = TableSchema(name: "tiktok_ads_campaigns", fields: [
        Field("advertiser_id", .string, "Advertiser"), Field("campaign_id", .string, "Campaign"),
        Field("campaign_name", .string, "Name"), Field("budget", .decimal, "Budget"),
    ], key: ["advertiser_id", "campaign_id"])

    static let daily = TableSchema(name: "tiktok_ads_ad_report_daily", fields: [
        Field("advertiser_id", .string, "Advertiser"), Field("ad_id", .string, "Ad"), Field("stat_date", .date, "Day"),
        Field("impressions", .integer, "Impressions"), Field("ctr", .float, "CTR"),
    ], key: ["advertiser_id", "ad_id", "stat_date"], timeField: "stat_date")

    static func campaignRows(_ range: Range<Int>, name: (Int) -> String = { "Campaign \($0)" }) -> [[Value]] {
        range.map { i in [.string("7000000000000000001"), .string("1800000000000000\(String(format: "%03d", i))"), .string(name(i)), .decimal("\(i).50")] }
    }

    static func dailyRows(days: Range<Int>) -> [[Value]] {
        days.map { d in
            let date = LocalDate(year: 2024, month: 5, day: 1)!.adding(days: d)
            return [.string("7000000000000000001"), .string("1799999999999999999"), .date(date.description), .integer(Int64(100 + d)), .float(0.25)]
        }
    }

    static var quiet: Logger {
        var logger = Logger(label: "sheets-test")
        logger.logLevel = .critical
        return logger
    }

    static func destination(_ base: URL, maxRequestBytes: Int = 2_000_000, maxCells: Int = 10_000_000, attempts: Int = 6,
                            writesPerMinute: Int = 55, clock: VirtualClock = VirtualClock()) throws -> GoogleSheetsDestination {
        let configuration = try GoogleSheetsConfiguration(
            spreadsheet: "https://docs.google.com/spreadsheets/d/\(spreadsheet)/edit#gid=0", apiBaseURL: base.absoluteString,
            maxRequestBytes: maxRequestBytes, writeRequestsPerMinute: writesPerMinute, maxCells: maxCells,
            retryPolicy: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), rateLimitDelay: .milliseconds(1)))
        return GoogleSheetsDestination(configuration: configuration, auth: StaticToken(), logger: quiet, clock: clock)
    }

    /// One run: prepare, the batches in one load, committed with the stream's checkpoint.
    static func run(_ destination: GoogleSheetsDestination, _ schema: TableSchema, _ batches: [[[Value]]], bookmark: LocalDate? = nil) async throws {
        try await destination.prepareWithBookkeeping([schema])
        _ = try await destination.loadState()
        let load = await destination.begin()
        for batch in batches { try await load.write(RowBatch(schema: schema, rows: batch)) }
        let checkpoint = StreamCheckpoint(key: StreamKey(advertiserID: "7000000000000000001", object: schema.name),
                                          state: StreamState(bookmark: bookmark, syncedAt: Date(timeIntervalSince1970: 1_700_000_000)))
        try await load.commit(checkpoints: [StateStore.batch([checkpoint])])
    }

    static func withFake<T: Sendable>(options: GoogleSheetsFakeOptions = GoogleSheetsFakeOptions(),
                                      _ body: @Sendable (GoogleSheetsFake, URL) async throws -> T) async throws -> T {
        let fake = GoogleSheetsFake(options: options)
        fake.createSpreadsheet(id: spreadsheet, title: "Ads", tabs: ["Sheet1"])
        return try await fake.withRunningServer { url in try await body(fake, url) }
    }

    @Test func spreadsheetIDFromURLOrID() throws {
        #expect(GoogleSheetsConfiguration.spreadsheetID(from: "https://docs.google.com/spreadsheets/d/\(Self.spreadsheet)/edit#gid=0") == Self.spreadsheet)
        #expect(GoogleSheetsConfiguration.spreadsheetID(from: Self.spreadsheet) == Self.spreadsheet)
        #expect(GoogleSheetsConfiguration.spreadsheetID(from: "https://example.com/x") == nil)
    }

    @Test func createsTabsWithFrozenHeaderAndHiddenBookkeeping() async throws {
        try await Self.withFake { fake, url in
            let destination = try Self.destination(url)
            try await Self.run(destination, Self.campaigns, [Self.campaignRows(0..<3)])
            let tab = try #require(fake.properties(of: "tiktok_ads_campaigns", in: Self.spreadsheet))
            #expect(tab.frozenRowCount == 1)
            #expect(!tab.hidden)
            #expect(fake.properties(of: "_tiktok_ads_state", in: Self.spreadsheet)?.hidden == true)
            #expect(fake.properties(of: "_tiktok_ads_runs", in: Self.spreadsheet)?.hidden == true)
            let values = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            #expect(values.first == Self.campaigns.columnNames.map { .string($0) })
            #expect(values.count == 4)
            #expect(values[1][3] == .number(0.5))
            let state = try await destination.loadState()
            #expect(state[StreamKey(advertiserID: "7000000000000000001", object: "tiktok_ads_campaigns")]?.syncedAt == Date(timeIntervalSince1970: 1_700_000_000))
        }
    }

    @Test func reRunLeavesSheetUnchanged() async throws {
        try await Self.withFake { fake, url in
            try await Self.run(try Self.destination(url), Self.campaigns, [Self.campaignRows(0..<5), Self.campaignRows(5..<9)])
            let first = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            let cells = fake.totalCells(in: Self.spreadsheet)
            try await Self.run(try Self.destination(url), Self.campaigns, [Self.campaignRows(0..<5), Self.campaignRows(5..<9)])
            #expect(fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet) == first)
            #expect(fake.totalCells(in: Self.spreadsheet) == cells)
            // A changed name updates its row in place; a new key is appended.
            try await Self.run(try Self.destination(url), Self.campaigns, [Self.campaignRows(3..<4, name: { "Renamed \($0)" }) + Self.campaignRows(9..<10)])
            let after = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            #expect(after.count == 11)
            #expect(after[4][2] == .string("Renamed 3"))
        }
    }

    @Test func crashBetweenWritesThenReRunMatchesUninterruptedRun() async throws {
        let batches = [Self.campaignRows(0..<150), Self.campaignRows(150..<300)]
        let expected = try await Self.withFake { fake, url in
            try await Self.run(try Self.destination(url, maxRequestBytes: 10_000), Self.campaigns, batches)
            return fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
        }
        try await Self.withFake { fake, url in
            // Requests 1-2 write headers; the second data request (4th) fails for good: the first landed, the rest and the state did not.
            fake.addFault(SheetsFakeFault(status: 400, scope: .operation("values.batchUpdate"), trigger: .requests([4])))
            let crashed = try Self.destination(url, maxRequestBytes: 10_000)
            await #expect(throws: SyncError.self) { try await Self.run(crashed, Self.campaigns, batches) }
            let partial = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            #expect(partial.count > 1 && partial.count < expected.count)
            #expect(try await Self.destination(url).loadState().isEmpty)
            fake.removeAllFaults()
            try await Self.run(try Self.destination(url, maxRequestBytes: 10_000), Self.campaigns, batches)
            let values = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            #expect(values == expected)
            let ids = values.dropFirst().map { $0[1] }
            #expect(Set(ids).count == ids.count)
        }
    }

    @Test func formulaLookingNamesStayTextAndBigIDsStayExact() async throws {
        try await Self.withFake { fake, url in
            let names = ["=1+1", "+SUM(A1)", "-2", "@me", "=HYPERLINK(\"http://x\")"]
            let rows: [[Value]] = names.enumerated().map { i, name in
                [.string("7000000000000000001"), .string("18000000000000009\(i)9"), .string(name), .decimal("1.00")]
            }
            try await Self.run(try Self.destination(url), Self.campaigns, [rows])
            let values = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            for (i, name) in names.enumerated() {
                #expect(values[i + 1][2] == .string(name))
                #expect(values[i + 1][1] == .string("18000000000000009\(i)9"))
                #expect(values[i + 1][0] == .string("7000000000000000001"))
            }
            #expect(!fake.requestLog.contains { $0.operation == "values.batchUpdate" && $0.status != 200 })
        }
    }

    @Test func longTextIsTruncatedWithMarker() async throws {
        try await Self.withFake { fake, url in
            let long = String(repeating: "y", count: 60_000)
            try await Self.run(try Self.destination(url), Self.campaigns, [[[.string("1"), .string("2"), .string(long), .null]]])
            guard case .string(let stored)? = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)[1][2] else {
                Issue.record("no text stored")
                return
            }
            #expect(stored.count <= 50_000)
            #expect(stored.hasSuffix(GoogleSheetsConfiguration.truncationMarker))
        }
    }

    @Test func cellLimitFailsClearlyBeforeAnyWrite() async throws {
        try await Self.withFake { fake, url in
            let destination = try Self.destination(url, maxCells: 30_000)
            try await destination.prepareWithBookkeeping([Self.campaigns])
            fake.clearRequestLog()
            let error = await #expect(throws: SyncError.self) {
                let load = await destination.begin()
                try await load.write(RowBatch(schema: Self.campaigns, rows: Self.campaignRows(0..<999)))
                try await load.commit()
            }
            let message = error?.message ?? ""
            #expect(message.contains("retention window") && message.contains("--fields") && message.contains("BigQuery"))
            #expect(fake.writeRequestCount == 0)
        }
    }

    @Test func rateLimitedRequestsAreRetried() async throws {
        try await Self.withFake { fake, url in
            fake.addFault(.rateLimit(.requests([1, 2]), scope: .writes))
            fake.addFault(SheetsFakeFault(status: 503, scope: .reads, trigger: .requests([2])))
            let clock = VirtualClock()
            let destination = try Self.destination(url, clock: clock)
            try await Self.run(destination, Self.campaigns, [Self.campaignRows(0..<3)])
            #expect(fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet).count == 4)
            #expect(fake.requestLog.filter { $0.status == 429 }.count == 2)
            #expect(await destination.requestCounts.retries == 3)
            // The backoff waited on the destination's clock (its pacing never had to wait in so few requests).
            #expect(clock.sleeps.count == 3)
            #expect(clock.sleeps.allSatisfy { $0 > .zero && $0 <= .milliseconds(2) }, "\(clock.sleeps)")
        }
    }

    @Test func pacingStaysWithinPerMinuteBudget() async throws {
        let clock = VirtualClock()
        var options = GoogleSheetsFakeOptions()
        options.useClock(clock)
        options.writeRequestsPerMinutePerUser = 6
        options.readRequestsPerMinutePerUser = 6
        try await Self.withFake(options: options) { fake, url in
            // Small requests force many writes; the fake counts its per-minute quota on the same virtual clock.
            let destination = try Self.destination(url, maxRequestBytes: 10_000, attempts: 1, writesPerMinute: 6, clock: clock)
            let configuration = destination.configuration
            #expect(configuration.writeRequestsPerMinute == 6)
            try await Self.run(destination, Self.campaigns, [Self.campaignRows(0..<800)])
            let writes = fake.writeRequestCount
            #expect(writes > 6)
            // The fake would answer 429 to a 7th write inside any minute (and attempts: 1 would fail the run).
            #expect(!fake.requestLog.contains { $0.status == 429 })
            #expect(clock.now.offset >= .seconds(60 * ((writes - 1) / 6)))
            #expect(fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet).count == 801)
        }
    }

    @Test func newFieldAddsColumnAndKeepsUserColumns() async throws {
        try await Self.withFake { fake, url in
            try await Self.run(try Self.destination(url), Self.campaigns, [Self.campaignRows(0..<2)])
            // The user adds a column of notes after ours.
            fake.setValues([[.string("notes")], [.string("mine")], [.string("also mine")]], tab: "tiktok_ads_campaigns",
                           in: Self.spreadsheet, column: 4)
            var wider = Self.campaigns
            wider.fields.append(Field("status", .string, "Status"))
            let rows = Self.campaignRows(0..<3).map { $0 + [.string("ENABLE")] }
            try await Self.run(try Self.destination(url), wider, [rows])
            let values = fake.values(of: "tiktok_ads_campaigns", in: Self.spreadsheet)
            #expect(values[0] == (Self.campaigns.columnNames + ["notes", "status"]).map { .string($0) })
            #expect(values[1][4] == .string("mine"))
            #expect(values[2][4] == .string("also mine"))
            #expect(values[1][5] == .string("ENABLE"))
            #expect(values[3][5] == .string("ENABLE"))
            #expect(values.count == 4)
        }
    }

    @Test func cleanupRemovesExactlyTheOldRows() async throws {
        try await Self.withFake { fake, url in
            let destination = try Self.destination(url)
            // Days out of order across batches so the old rows are not one block.
            try await Self.run(destination, Self.daily, [Self.dailyRows(days: 5..<10), Self.dailyRows(days: 0..<5)])
            fake.clearRequestLog()
            let deleted = try await destination.deleteRows(of: Self.daily, before: LocalDate(year: 2024, month: 5, day: 4)!)
            #expect(deleted == 3)
            #expect(fake.requestLog.filter(\.isWrite).count == 1)
            let dates = fake.values(of: "tiktok_ads_ad_report_daily", in: Self.spreadsheet).dropFirst().map { $0[2] }
            #expect(Set(dates) == Set((3..<10).map { SheetsFakeCell.string(LocalDate(year: 2024, month: 5, day: 1)!.adding(days: $0).description) }))
            #expect(dates.count == 7)
        }
    }

    @Test func runHistoryAndStateReset() async throws {
        try await Self.withFake { _, url in
            let destination = try Self.destination(url)
            try await Self.run(destination, Self.daily, [Self.dailyRows(days: 0..<2)], bookmark: LocalDate(year: 2024, month: 5, day: 2))
            var run = RunRecord(id: "run-1", startedAt: Date(timeIntervalSince1970: 1_700_000_000), objects: ["x": ObjectStatistics(rows: 2, requests: 1)])
            try await destination.recordRun(run)
            run.status = .succeeded
            run.endedAt = Date(timeIntervalSince1970: 1_700_000_100)
            try await destination.recordRun(run)
            try await destination.recordRun(RunRecord(id: "run-2", startedAt: Date(timeIntervalSince1970: 1_700_001_000)))
            let runs = try await Self.destination(url).recentRuns(limit: 10)
            #expect(runs.map(\.id) == ["run-2", "run-1"])
            #expect(runs[1].status == .succeeded && runs[1].totalRows == 2)
            let fresh = try Self.destination(url)
            #expect(try await fresh.loadState().values.first?.bookmark == LocalDate(year: 2024, month: 5, day: 2))
            #expect(try await fresh.resetState(advertiserID: nil, object: nil) == 1)
            #expect(try await Self.destination(url).loadState().isEmpty)
        }
    }
}

struct StaticToken: GoogleAccessTokenProvider {
    func accessToken() async throws -> String? { "test-token" }
}

/// Real syncs from the TikTok simulator into the Sheets fake.
@Suite struct GoogleSheetsSyncTests {
    @Test func aSyncLandsEveryObjectAndARerunLeavesTheSpreadsheetUnchanged() async throws {
        var draft = SimulatorOptions()
        draft.seed = 11
        draft.advertisers = 2
        draft.now = Date(timeIntervalSince1970: 1_773_576_000)
        let simulatorOptions = draft
        let simulator = TikTokSimulator(options: simulatorOptions)
        let objects = try Catalog.resolve(["advertiser", "campaigns", "ads", "ad_insights"]).map { ObjectSelection(object: $0) }
        let settings = SyncSettings(objects: objects, startDate: LocalDate(year: 2026, month: 3, day: 5)!)  // a valid date
        let (first, second, campaigns, world) = try await GoogleSheetsDestinationTests.withFake { fake, sheetsURL in
            try await simulator.withRunningServer { url in
                let api = TikTokAPIConfiguration(baseURL: url, accessToken: simulatorOptions.accessToken,
                                                 appID: simulatorOptions.appId, appSecret: simulatorOptions.secret)
                func run() async throws -> RunRecord {
                    let destination = try GoogleSheetsDestinationTests.destination(sheetsURL)
                    let job = SyncJob(api: api, settings: settings, destination: destination, logger: GoogleSheetsDestinationTests.quiet,
                                      now: { simulatorOptions.now! })  // set above
                    let record = try await job.run()
                    await destination.close()
                    return record
                }
                let status = try await run().status
                #expect(status == .succeeded)
                let first = ["tiktok_ads_advertiser", "tiktok_ads_campaigns", "tiktok_ads_ads", "tiktok_ads_ad_insights"]
                    .map { fake.values(of: $0, in: GoogleSheetsDestinationTests.spreadsheet) }
                let rerunStatus = try await run().status
                #expect(rerunStatus == .succeeded)
                let second = ["tiktok_ads_advertiser", "tiktok_ads_campaigns", "tiktok_ads_ads", "tiktok_ads_ad_insights"]
                    .map { fake.values(of: $0, in: GoogleSheetsDestinationTests.spreadsheet) }
                let campaigns = fake.values(of: "tiktok_ads_campaigns", in: GoogleSheetsDestinationTests.spreadsheet)
                let world = Set(simulator.world.grantedAdvertiserIDs.flatMap { simulator.world.campaignIDs(advertiserID: $0) })
                // Every advertiser's rows are there (concurrent streams of one table must not overwrite each other).
                #expect(first[0].count == 1 + simulator.world.grantedAdvertiserIDs.count)
                return (first.map { "\($0)" }, second.map { "\($0)" }, "\(campaigns)", world)
            }
        }
        #expect(first == second, "a re-run changed the spreadsheet: \(zip(first, second).first { $0 != $1 }.map { "\($0.0.prefix(300)) ... vs ... \($0.1.prefix(300))" } ?? "")")
        #expect(first.joined().count > 1000)
        // Every campaign id in the sheet is one of the simulator's 19-digit ids, exactly.
        for id in world where campaigns.contains(id) { #expect(id.count == 19) }
        #expect(world.contains { campaigns.contains($0) })
    }
}

extension GoogleSheetsDestinationTests {
    /// A source that yields some pages of a slice and then fails never moves the bookmark past committed rows.
    @Test func aBookmarkNeverPassesCommittedRowsWhenASourceFailsMidSlice() async throws {
        try await Self.withFake { _, url in
            let observation = try await BookmarkContract.observe { try Self.destination(url) }
            #expect(observation.violations.isEmpty, "\(observation.violations)")
        }
    }

    /// A snapshot stream replaces its advertiser's earlier rows only after the run's load is committed.
    @Test func aSnapshotReplacesTheLastOneOnlyWhenComplete() async throws {
        try await Self.withFake { _, url in
            let observation = try await SnapshotContract.observe { try Self.destination(url) }
            #expect(observation.violations.isEmpty, "\(observation.violations)")
        }
    }

    /// Rows per advertiser and the local days a date and an hour column cover (the default: the tab read and counted);
    /// a missing table or column is nil.
    @Test func rowCountsAreCountedFromTheTab() async throws {
        try await Self.withFake { _, url in
            let (counted, read) = try await RowCountContract.observe(try Self.destination(url))
            #expect(counted == RowCountContract.expected)
            #expect(read == RowCountContract.expected)
        }
    }

    /// The reconciliation table's results per advertiser, read from its tab.
    @Test func reconciliationResultsAreReadFromTheTab() async throws {
        try await Self.withFake { _, url in
            let (summed, read, empty) = try await ReconciliationResultsContract.observe(try Self.destination(url))
            #expect(empty.isEmpty, "no table, no results")
            #expect(summed == read, "the same results, to the character, as reading every row")
            #expect(ReconciliationResultsContract.summaries(summed) == ReconciliationResultsContract.expected)
        }
    }
}
