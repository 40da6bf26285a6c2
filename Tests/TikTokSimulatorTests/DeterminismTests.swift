import Foundation
import Testing
import TikTokSimulator

@Suite struct DeterminismTests {
    static func fetch(_ options: SimulatorOptions) async throws -> [[UInt8]] {
        try await Harness.withSimulator(options) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[1]
            var out: [[UInt8]] = []
            out.append(try await Harness.get(url, "campaign/get", ["advertiser_id": adv]).bytes)
            out.append(try await Harness.get(url, "ad/get", ["advertiser_id": adv, "page_size": "50"]).bytes)
            out.append(try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"],
                               metrics: ["spend", "impressions", "clicks", "conversion", "ctr", "campaign_name"])).bytes)
            out.append(try await Harness.get(url, "advertiser/info", ["advertiser_ids": Harness.jsonText(sim.world.grantedAdvertiserIDs)]).bytes)
            return out
        }
    }

    @Test func sameSeedSameBytesOtherSeedOtherData() async throws {
        let a = try await Self.fetch(Harness.options(seed: 11))
        let b = try await Self.fetch(Harness.options(seed: 11))
        let c = try await Self.fetch(Harness.options(seed: 12))
        #expect(a == b)
        #expect(a[2] != c[2])
    }

    @Test(arguments: [1, 42, 999] as [UInt64])
    func idsAreNineteenDigitsUniqueAndDecodable(seed: UInt64) {
        var o = Harness.options(seed: seed)
        o.advertisers = 20
        o.campaignsPerAdvertiser = 5
        let sim = TikTokSimulator(options: o)
        let world = sim.world
        var seen = Set<String>()
        for adv in world.grantedAdvertiserIDs + world.unauthorizedAdvertiserIDs {
            #expect(adv.count == 19)
            #expect(world.advertiser(id: adv)?.id == adv)
            seen.insert(adv)
            for id in world.campaignIDs(advertiserID: adv) + world.adGroupIDs(advertiserID: adv) + world.adIDs(advertiserID: adv) {
                #expect(id.count == 19)
                #expect(seen.insert(id).inserted)
                #expect(world.entity(id: id)?.advertiserID == adv)
            }
        }
        #expect(world.entity(id: "1234567890123456789") == nil)
        #expect(world.advertisers.filter(\.isGranted).count == 20)
    }

    @Test func optionsDecodeFromSnakeCaseJSONWithDefaults() throws {
        let json = """
            {"seed": 5, "advertisers": 10, "now": "2026-01-02T03:04:05Z", "rate_limit": {"qps": 20},
             "latency": {"fixed_ms": 5}, "faults": [{"kind": "http503", "rate": 0.1, "endpoint": "report/integrated/get"}],
             "slow_response_seconds": 2}
            """
        let o = try JSONDecoder().decode(SimulatorOptions.self, from: Data(json.utf8))
        #expect(o.seed == 5)
        #expect(o.advertisers == 10)
        #expect(o.unauthorizedAdvertisers == 1)
        #expect(o.now == Date(timeIntervalSince1970: 1_767_323_045))
        #expect(o.rateLimit.qps == 20)
        #expect(o.rateLimit.qpmPenaltySeconds == 300)
        #expect(o.latency.fixedMs == 5)
        #expect(o.faults.first?.kind == .http503)
        #expect(o.slowResponseSeconds == 2)
        let again = try JSONDecoder().decode(SimulatorOptions.self, from: JSONEncoder().encode(o))
        #expect(again == o)
        #expect(SimulatorOptions() == (try JSONDecoder().decode(SimulatorOptions.self, from: Data("{}".utf8))))
    }

    @Test func largeWorldsAreGeneratedOnDemand() async throws {
        var o = Harness.options()
        o.advertisers = 1000
        o.campaignsPerAdvertiser = 10
        o.adGroupsPerCampaign = 10
        o.adsPerAdGroup = 10
        try await Harness.withSimulator(o) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[999]
            let r = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], start: "2025-12-16", end: "2026-01-14"))
            #expect(r.code == 0)
            #expect(r.list.count == 1000)
            #expect((r.pageInfo["total_number"] ?? 0) > 5000)
        }
    }
}
