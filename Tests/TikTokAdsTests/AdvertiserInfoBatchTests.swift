import Foundation
import SyncKit
import Testing
import TestSupport
import TikTokAds
import TikTokSimulator

/// `advertiser/info` takes 100 advertisers a request, and every stream of a run waits for it: the batches are asked
/// for side by side, not one round trip after another.
@Suite(.timeLimit(.minutes(10)))
struct AdvertiserInfoBatchTests {
    @Test func theBatchesOfAdvertiserInfoAreReadSideBySide() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 250))
        let granted = simulator.world.grantedAdvertiserIDs
        let database = SyncHarness.temporaryDatabase()
        let allArrived = EngineOverlapTests.Signal()
        let arrived = Protected(0)
        let record = try await simulator.withRunningServer { url in
            // A proxy that answers no advertiser/info request before all three batches have arrived: read one after
            // another, the first would wait forever.
            try await HostileServer.with(answer: { request in
                if request.path.contains("advertiser/info") {
                    if arrived.withLock({ $0 += 1; return $0 }) == 3 { allArrived.fire() }
                    await allArrived.wait()
                }
                return await HostileAnswerTests.forward(request, query: request.query ?? "", to: url)
            }) { base, _ in
                try await SyncHarness.sync(baseURL: try #require(URL(string: base + "/open_api/")), simulator: simulator, database: database,
                                           settings: try SyncHarness.settings(objects: ["advertiser"], advertiserIDs: granted))
            }
        }
        #expect(record.status == .succeeded, "\(record.errors) \(record.skippedAdvertisers)")
        #expect(arrived.value == 3)
        let synced = try await SyncHarness.query(database, "SELECT COUNT(DISTINCT advertiser_id) FROM tiktok_ads_advertiser")
        #expect(synced == [["\(granted.count)"]])
    }
}
