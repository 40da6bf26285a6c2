import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// The lifetime reports, a higher-level breakdown and the creative assets synced from the simulator into the Sheets
/// fake through the same code as every other object: a tab each with the catalog's header and a row per record, and a
/// re-run that leaves the spreadsheet unchanged.
@Suite struct GoogleSheetsNewObjectsTests {
    static let objects = ["advertiser_insights_lifetime", "campaign_insights_lifetime", "campaign_insights_by_platform",
                          "creative_assets_videos", "creative_assets_images"]

    @Test func theNewObjectsLandInTabsAndARerunLeavesThemUnchanged() async throws {
        var draft = SimulatorOptions()
        draft.seed = 11
        draft.advertisers = 2
        draft.now = Date(timeIntervalSince1970: 1_773_576_000)
        let simulatorOptions = draft
        let simulator = TikTokSimulator(options: simulatorOptions)
        let catalog = try Catalog.resolve(Self.objects)
        let settings = SyncSettings(objects: catalog.map { ObjectSelection(object: $0) }, startDate: LocalDate(year: 2026, month: 3, day: 10)!)  // a valid date
        let (first, second, headers, granted) = try await GoogleSheetsDestinationTests.withFake { fake, sheetsURL in
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
                let firstRun = try await run()
                #expect(firstRun.status == .succeeded, "\(firstRun.errors)")
                let first = catalog.map { fake.values(of: $0.table, in: GoogleSheetsDestinationTests.spreadsheet) }
                let secondRun = try await run()
                #expect(secondRun.status == .succeeded, "\(secondRun.errors)")
                let second = catalog.map { fake.values(of: $0.table, in: GoogleSheetsDestinationTests.spreadsheet) }
                return (first, second, first.map { tab in (tab.first ?? []).map { $0?.description ?? "" } },
                        simulator.world.grantedAdvertiserIDs.count)
            }
        }
        #expect(first == second, "a re-run changed the spreadsheet")
        for (index, object) in catalog.enumerated() {
            // A header of the object's default columns in catalog order, then rows.
            #expect(headers[index] == (try object.schema().columnNames).map { "\"\($0)\"" }, "\(object.table)")
            #expect(first[index].count > 1, "\(object.table) has no rows")
        }
        // The advertiser lifetime tab holds a header and one row per advertiser.
        #expect(first[0].count == 1 + granted)
    }
}
