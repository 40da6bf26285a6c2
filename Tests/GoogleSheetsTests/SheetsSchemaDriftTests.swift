import Destinations
import Foundation
import SyncKit
import Testing
import TestSupport
import TikTokAds
import TikTokSimulator

/// Tabs that are not laid out as tiktok-ads writes them, and a state it did not write, against the Sheets fake:
/// refused before any write with the tab, the column and the fix; a foreign column is left alone and a missing one
/// is inserted where catalog order puts it. (Cells have no type in a sheet: there is no column type to compare.)
@Suite struct SheetsSchemaDriftTests {
    static let spreadsheet = GoogleSheetsDestinationTests.spreadsheet
    static let tab = "tiktok_ads_campaigns"
    /// campaign_id, advertiser_id, campaign_name, budget (catalog order).
    static let campaigns = try! Catalog.object(named: "campaigns")!.schema(selecting: ["advertiser_id", "campaign_name", "budget"])  // known names

    static func text(_ cells: [String]) -> [SheetsFakeCell?] { cells.map { .string($0) } }

    /// A fake whose campaigns tab holds `rows` (the first is the header), run through `body`.
    static func withTab<T: Sendable>(_ rows: [[SheetsFakeCell?]], _ body: @Sendable (GoogleSheetsFake, URL) async throws -> T) async throws -> T {
        let fake = GoogleSheetsFake()
        fake.createSpreadsheet(id: spreadsheet, title: "Ads", tabs: ["Sheet1", tab])
        if !rows.isEmpty { fake.setValues(rows, tab: tab, in: spreadsheet) }
        return try await fake.withRunningServer { url in try await body(fake, url) }
    }

    /// `prepareWithBookkeeping` (and a load of one row) are refused with a bad-input error; no write request reached
    /// the spreadsheet and every tab holds what it held. Returns the message.
    static func expectRefusal(_ fake: GoogleSheetsFake, _ url: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let before = fake.sheets(in: spreadsheet).map { fake.values(of: $0.title, in: spreadsheet) }
        fake.clearRequestLog()
        let destination = try GoogleSheetsDestinationTests.destination(url)
        let error = await #expect(throws: SyncError.self, sourceLocation: sourceLocation) { try await destination.prepareWithBookkeeping([campaigns]) }
        let load = await #expect(throws: SyncError.self, sourceLocation: sourceLocation) {
            let load = await destination.begin()
            try await load.write(RowBatch(schema: campaigns, rows: [[.string("1"), .string("7"), .string("x"), .decimal("1")]]))
            try await load.commit()
        }
        #expect(error?.kind == .badInput, sourceLocation: sourceLocation)
        #expect(load?.kind == .badInput, sourceLocation: sourceLocation)
        #expect(fake.writeRequestCount == 0, "\(fake.requestLog.filter(\.isWrite))", sourceLocation: sourceLocation)
        #expect(fake.sheets(in: spreadsheet).map { fake.values(of: $0.title, in: spreadsheet) } == before, sourceLocation: sourceLocation)
        return error?.message ?? ""
    }

    @Test func anotherToolsHeaderIsRefused() async throws {
        try await Self.withTab([Self.text(["id", "name", "spend"]), Self.text(["1", "a", "3"])]) { fake, url in
            let message = try await Self.expectRefusal(fake, url)
            #expect(message.contains("tiktok-ads stopped before writing anything to spreadsheet \(Self.spreadsheet)"), "\(message)")
            #expect(message.contains("tab 'tiktok_ads_campaigns':\n  - key column campaign_id is missing"), "\(message)")
            #expect(message.contains("Keep that tab under another name") && message.contains("--spreadsheet"), "\(message)")
        }
    }

    @Test func aHeaderWithoutTheKeyColumnIsRefused() async throws {
        try await Self.withTab([Self.text(["advertiser_id", "campaign_name", "budget"]), Self.text(["7", "a", "3"])]) { fake, url in
            let message = try await Self.expectRefusal(fake, url)
            #expect(message.contains("key column campaign_id is missing"), "\(message)")
            #expect(!message.contains("advertiser_id is missing"))
        }
    }

    @Test func aReorderedHeaderIsRefused() async throws {
        // The header cells of campaign_name and campaign_id swapped (by hand, without their rows).
        try await Self.withTab([Self.text(["campaign_name", "advertiser_id", "campaign_id", "budget"]), Self.text(["1", "7", "a", "3"])]) { fake, url in
            let message = try await Self.expectRefusal(fake, url)
            #expect(message.contains("column advertiser_id comes after campaign_name; tiktok-ads keeps advertiser_id before campaign_name (catalog order)"),
                    "\(message)")
            #expect(message.contains("move whole columns"), "\(message)")
        }
    }

    @Test func aColumnThatIsThereTwiceIsRefused() async throws {
        try await Self.withTab([Self.text(["campaign_id", "advertiser_id", "campaign_name", "budget", "campaign_name"])]) { fake, url in
            let message = try await Self.expectRefusal(fake, url)
            #expect(message.contains("column campaign_name is there 2 times (column C, column E)"), "\(message)")
        }
    }

    @Test func aTabWithRowsButNoHeaderIsRefusedAndAnEmptyOneIsUsed() async throws {
        try await Self.withTab([[nil, nil], Self.text(["1", "a"])]) { fake, url in
            let message = try await Self.expectRefusal(fake, url)
            #expect(message.contains("key column campaign_id is missing"), "\(message)")
        }
        try await Self.withTab([]) { fake, url in
            try await GoogleSheetsDestinationTests.run(try GoogleSheetsDestinationTests.destination(url), Self.campaigns,
                                                       [[[.string("1"), .string("7"), .string("a"), .decimal("1.5")]]])
            #expect(fake.values(of: Self.tab, in: Self.spreadsheet) == [Self.text(Self.campaigns.columnNames), [.string("1"), .string("7"), .string("a"), .number(1.5)]])
        }
    }

    @Test func aForeignColumnBetweenOursIsLeftAlone() async throws {
        let header = Self.text(["campaign_id", "advertiser_id", "notes", "campaign_name", "budget"])
        try await Self.withTab([header, [.string("1"), .string("7"), .string("mine"), .string("old"), .number(2)]]) { fake, url in
            try await GoogleSheetsDestinationTests.run(try GoogleSheetsDestinationTests.destination(url), Self.campaigns, [[
                [.string("1"), .string("7"), .string("renamed"), .decimal("2")], [.string("2"), .string("7"), .string("b"), .decimal("3")],
            ]])
            #expect(fake.values(of: Self.tab, in: Self.spreadsheet) == [
                header, [.string("1"), .string("7"), .string("mine"), .string("renamed"), .number(2)],
                [.string("2"), .string("7"), nil, .string("b"), .number(3)],
            ])
        }
    }

    @Test func aMissingColumnIsInsertedWhereCatalogOrderPutsItAndRowsMoveWithTheirCells() async throws {
        // campaign_name is missing; the user keeps notes after ours.
        let rows: [[SheetsFakeCell?]] = [Self.text(["campaign_id", "advertiser_id", "budget", "notes"]),
                                         [.string("1"), .string("7"), .number(2), .string("mine")]]
        try await Self.withTab(rows) { fake, url in
            try await GoogleSheetsDestinationTests.run(try GoogleSheetsDestinationTests.destination(url), Self.campaigns, [[
                [.string("2"), .string("7"), .string("b"), .decimal("3")],
            ]])
            #expect(fake.values(of: Self.tab, in: Self.spreadsheet) == [
                Self.text(["campaign_id", "advertiser_id", "campaign_name", "budget", "notes"]),
                [.string("1"), .string("7"), nil, .number(2), .string("mine")],
                [.string("2"), .string("7"), .string("b"), .number(3)],
            ])
            // The next run finds the header in order.
            try await GoogleSheetsDestinationTests.run(try GoogleSheetsDestinationTests.destination(url), Self.campaigns, [[
                [.string("1"), .string("7"), .string("a"), .decimal("2")],
            ]])
            #expect(fake.values(of: Self.tab, in: Self.spreadsheet)[1] == [.string("1"), .string("7"), .string("a"), .number(2), .string("mine")])
        }
    }
}

/// A state the tool did not write, in the hidden state tab: refused, and nothing written.
@Suite struct SheetsStateDriftTests {
    static let spreadsheet = GoogleSheetsDestinationTests.spreadsheet

    @Test func anUnreadableBookmarkIsRefused() async throws {
        try await GoogleSheetsDestinationTests.withFake { fake, url in
            try await GoogleSheetsDestinationTests.run(try GoogleSheetsDestinationTests.destination(url), GoogleSheetsDestinationTests.daily,
                                                       [GoogleSheetsDestinationTests.dailyRows(days: 0..<2)], bookmark: LocalDate(year: 2024, month: 5, day: 2))
            // Someone typed over the bookmark.
            fake.setValues([[.string("yesterday")]], tab: "_tiktok_ads_state", in: Self.spreadsheet, row: 1, column: 2)
            let error = await #expect(throws: SyncError.self) { _ = try await GoogleSheetsDestinationTests.destination(url).loadState() }
            #expect(error?.kind == .badInput)
            let message = error?.message ?? ""
            #expect(message.contains("stream tiktok_ads_ad_report_daily@7000000000000000001: bookmark 'yesterday' is not a date"), "\(message)")
            #expect(message.contains("tiktok-ads state reset --object tiktok_ads_ad_report_daily --advertiser-id 7000000000000000001"), "\(message)")
        }
    }

    @Test func aSyncOverAFutureBookmarkIsRefusedBeforeAnyWrite() async throws {
        var draft = SimulatorOptions()
        draft.seed = 11
        draft.advertisers = 1
        draft.now = Date(timeIntervalSince1970: 1_773_576_000)  // 2026-03-15 12:00 UTC
        let options = draft
        let simulator = TikTokSimulator(options: options)
        let advertiser = try #require(simulator.world.grantedAdvertiserIDs.first)
        let objects = try Catalog.resolve(["campaigns", "ad_insights"]).map { ObjectSelection(object: $0) }
        let settings = SyncSettings(objects: objects, startDate: LocalDate(year: 2026, month: 3, day: 10)!)  // a valid date
        try await GoogleSheetsDestinationTests.withFake { fake, sheetsURL in
            try await simulator.withRunningServer { url in
                let api = TikTokAPIConfiguration(baseURL: url, accessToken: options.accessToken, appID: options.appId, appSecret: options.secret)
                func job() throws -> (SyncJob, GoogleSheetsDestination) {
                    let destination = try GoogleSheetsDestinationTests.destination(sheetsURL)
                    return (SyncJob(api: api, settings: settings, destination: destination, logger: GoogleSheetsDestinationTests.quiet,
                                    now: { options.now! }), destination)  // set above
                }
                let (first, firstDestination) = try job()
                #expect(try await first.run().status == .succeeded)
                await firstDestination.close()
                // The bookmark of the report stream, moved a year ahead.
                let state = fake.values(of: "_tiktok_ads_state", in: Self.spreadsheet)
                let row = try #require(state.firstIndex { $0.count > 1 && $0[1] == .string("ad_insights") })
                fake.setValues([[.string("2027-03-15")]], tab: "_tiktok_ads_state", in: Self.spreadsheet, row: row, column: 2)
                let before = fake.sheets(in: Self.spreadsheet).map { fake.values(of: $0.title, in: Self.spreadsheet) }
                fake.clearRequestLog()

                let (second, secondDestination) = try job()
                let error = await #expect(throws: SyncError.self) { _ = try await second.run() }
                await secondDestination.close()
                #expect(error?.kind == .badInput)
                let message = error?.message ?? ""
                #expect(message.contains("stream ad_insights@\(advertiser): bookmark 2027-03-15 is after 2026-03-1"), "\(message)")
                #expect(message.contains("tiktok-ads state reset --object ad_insights --advertiser-id \(advertiser)"), "\(message)")
                #expect(fake.writeRequestCount == 0, "\(fake.requestLog.filter(\.isWrite))")
                #expect(fake.sheets(in: Self.spreadsheet).map { fake.values(of: $0.title, in: Self.spreadsheet) } == before)
            }
        }
    }
}
