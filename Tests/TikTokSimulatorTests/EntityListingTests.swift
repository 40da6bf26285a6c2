import Foundation
import Testing
import TikTokSimulator

@Suite struct EntityListingTests {
    static let big = Harness.options(seed: 7) {
        $0.campaignsPerAdvertiser = 30
        $0.adGroupsPerCampaign = 3
        $0.adsPerAdGroup = 3
    }

    static let endpoints: [(String, String, String)] = [
        ("campaign/get", "campaign_id", "CAMPAIGN_STATUS_ALL"),
        ("adgroup/get", "adgroup_id", "ADGROUP_STATUS_ALL"),
        ("ad/get", "ad_id", "AD_STATUS_ALL"),
    ]

    @Test(arguments: endpoints)
    func paginationAndOrdering(endpoint: String, idField: String, statusAll: String) async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let first = try await Harness.get(url, endpoint, ["advertiser_id": adv])
            #expect(first.code == 0)
            #expect(first.pageInfo["page"] == 1)
            #expect(first.pageInfo["page_size"] == 10)
            let total = try #require(first.pageInfo["total_number"])
            #expect(first.pageInfo["total_page"] == (total + 9) / 10)
            #expect(first.list.count == min(10, total))
            // All pages of 7 = the full list, sorted by id descending, no duplicates.
            var ids: [String] = []
            var page = 1
            while true {
                let r = try await Harness.get(url, endpoint, ["advertiser_id": adv, "page_size": "7", "page": String(page)])
                ids += r.list.compactMap { $0[idField] as? String }
                if page >= r.pageInfo["total_page"] ?? 0 { break }
                page += 1
            }
            #expect(ids.count == total)
            #expect(Set(ids).count == total)
            #expect(ids == ids.sorted { UInt64($0)! > UInt64($1)! })
            #expect(ids.allSatisfy { $0.count == 19 })
            let past = try await Harness.get(url, endpoint, ["advertiser_id": adv, "page_size": "7", "page": String(page + 3)])
            #expect(past.code == 0)
            #expect(past.list.isEmpty)
            #expect(past.pageInfo["total_number"] == total)
            #expect(past.pageInfo["page"] == page + 3)
            // Deleted entities appear only with the *_STATUS_ALL filter.
            let all = try await Harness.get(
                url, endpoint, ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"secondary_status\":\"\(statusAll)\"}"])
            let deleted = all.list.filter { ($0["secondary_status"] as? String)?.contains("DELETE") == true }
            #expect(!deleted.isEmpty, "seed 7 should have deleted \(endpoint) entities")
            #expect(all.pageInfo["total_number"] == total + deleted.count)
            let primaryAll = try await Harness.get(
                url, endpoint, ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"primary_status\":\"STATUS_ALL\"}"])
            #expect(primaryAll.pageInfo["total_number"] == all.pageInfo["total_number"])
            let onlyDeleted = try await Harness.get(
                url, endpoint, ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"primary_status\":\"STATUS_DELETE\"}"])
            #expect(onlyDeleted.pageInfo["total_number"] == deleted.count)
        }
    }

    @Test func childrenOfDeletedParentsCarryParentDeletedStatus() async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let campaigns = try await Harness.get(
                url, "campaign/get", ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"secondary_status\":\"CAMPAIGN_STATUS_ALL\"}"])
            let deletedCampaigns = Set(campaigns.list.filter { $0["secondary_status"] as? String == "CAMPAIGN_STATUS_DELETE" }
                .compactMap { $0["campaign_id"] as? String })
            let groups = try await Harness.get(
                url, "adgroup/get", ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"secondary_status\":\"ADGROUP_STATUS_ALL\"}"])
            for g in groups.list where deletedCampaigns.contains(g["campaign_id"] as? String ?? "") {
                let s = g["secondary_status"] as? String
                #expect(s == "ADGROUP_STATUS_CAMPAIGN_DELETE" || s == "ADGROUP_STATUS_DELETE")
            }
            let ads = try await Harness.get(
                url, "ad/get", ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"secondary_status\":\"AD_STATUS_ALL\"}"])
            for a in ads.list where deletedCampaigns.contains(a["campaign_id"] as? String ?? "") {
                #expect((a["secondary_status"] as? String)?.hasSuffix("DELETE") == true)
            }
            // Default listings never show deleted ones.
            let live = try await Harness.get(url, "ad/get", ["advertiser_id": adv, "page_size": "1000"])
            #expect(live.list.allSatisfy { ($0["secondary_status"] as? String)?.hasSuffix("DELETE") == false })
        }
    }

    @Test func fieldTypesAndSelection() async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let c = try await Harness.get(url, "campaign/get", ["advertiser_id": adv])
            let item = try #require(c.list.first)
            #expect(item["budget"] is NSNumber)
            #expect(item["is_new_structure"] as? Bool == true)
            #expect(item["deep_bid_type"] is NSNull)
            #expect((item["create_time"] as? String)?.count == 19)
            #expect(["ENABLE", "DISABLE"].contains(item["operation_status"] as? String))
            let g = try await Harness.get(url, "adgroup/get", ["advertiser_id": adv])
            let group = try #require(g.list.first)
            #expect(group["placements"] is [String])
            #expect(group["location_ids"] is [String])
            let few = try await Harness.get(url, "ad/get", ["advertiser_id": adv, "fields": "[\"ad_id\",\"modify_time\"]"])
            #expect(few.list.allSatisfy { Set($0.keys) == ["ad_id", "modify_time"] })
            let noNulls = try await Harness.get(
                url, "campaign/get", ["advertiser_id": adv, "exclude_field_types_in_response": "[\"NULL_FIELD\"]"])
            #expect(noNulls.list.allSatisfy { $0.values.allSatisfy { !($0 is NSNull) } })
        }
    }

    @Test func parameterErrors() async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let ids = sim.world.campaignIDs(advertiserID: adv)
            let tooMany = Harness.jsonText(Array(repeating: ids[0], count: 101))
            let cases: [(String, [String: String], Int, String)] = [
                ("campaign/get", [:], 40002, "advertiser_id"),
                ("campaign/get", ["advertiser_id": sim.world.unauthorizedAdvertiserIDs[0]], 40001, "No permission to operate advertiser"),
                ("campaign/get", ["advertiser_id": "7000000000000000000"], 40001, "No permission to operate advertiser"),
                ("campaign/get", ["advertiser_id": adv, "page_size": "0"], 40002, "page_size"),
                ("campaign/get", ["advertiser_id": adv, "page_size": "1001"], 40002, "page_size"),
                ("campaign/get", ["advertiser_id": adv, "page": "0"], 40002, "page"),
                ("campaign/get", ["advertiser_id": adv, "fields": "[\"campaign_id\",\"bogus\"]"], 40002, "fields"),
                ("campaign/get", ["advertiser_id": adv, "fields": "campaign_id"], 40002, "fields"),
                ("campaign/get", ["advertiser_id": adv, "filtering": "{\"campaign_ids\":\(tooMany)}"], 40002, "campaign_ids"),
                ("campaign/get", ["advertiser_id": adv, "filtering": "{bad json"], 40002, "filtering"),
                ("campaign/get", ["advertiser_id": adv, "filtering": "{\"modified_after\":\"2025-01-01 00:00:00\"}"], 40002, "modified_after"),
                ("campaign/get", ["advertiser_id": adv, "filtering": "{\"secondary_status\":\"AD_STATUS_ALL\"}"], 40002, "secondary_status"),
                ("campaign/get", ["advertiser_id": adv, "filtering": "{\"creation_filter_start_time\":\"2025-01-01\"}"], 40002, "creation_filter_start_time"),
                ("adgroup/get", ["advertiser_id": adv, "filtering": "{\"adgroup_ids\":\(tooMany)}"], 40002, "adgroup_ids"),
                ("ad/get", ["advertiser_id": adv, "filtering": "{\"ad_ids\":\(tooMany)}"], 40002, "ad_ids"),
                ("ad/get", ["advertiser_id": adv, "filtering": "{\"modified_after\":\"yesterday\"}"], 40002, "modified_after"),
            ]
            for (endpoint, params, code, text) in cases {
                let r = try await Harness.get(url, endpoint, params)
                #expect(r.code == code, "\(endpoint) \(params): \(r.text)")
                #expect(r.message?.contains(text) == true, "\(r.text)")
            }
        }
    }

    @Test func filtersByIdsCreationTimeAndModification() async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let all = try await Harness.get(
                url, "ad/get", ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"secondary_status\":\"AD_STATUS_ALL\"}"])
            let ads = all.list
            let picked = Array(ads.prefix(3)).compactMap { $0["ad_id"] as? String }
            let byID = try await Harness.get(url, "ad/get", ["advertiser_id": adv, "filtering": "{\"ad_ids\":\(Harness.jsonText(picked)),\"primary_status\":\"STATUS_ALL\"}"])
            #expect(Set(byID.list.compactMap { $0["ad_id"] as? String }) == Set(picked))
            let times = ads.compactMap { $0["create_time"] as? String }.sorted()
            let mid = times[times.count / 2]
            let created = try await Harness.get(
                url, "ad/get",
                ["advertiser_id": adv, "page_size": "1000",
                 "filtering": "{\"primary_status\":\"STATUS_ALL\",\"creation_filter_start_time\":\"\(mid)\"}"])
            #expect(created.list.allSatisfy { ($0["create_time"] as? String ?? "") >= mid })
            #expect(created.list.count == times.filter { $0 >= mid }.count)
            let mods = ads.compactMap { $0["modify_time"] as? String }.sorted()
            let cut = mods[mods.count / 2]
            let modified = try await Harness.get(
                url, "ad/get",
                ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"primary_status\":\"STATUS_ALL\",\"modified_after\":\"\(cut)\"}"])
            #expect(modified.list.allSatisfy { ($0["modify_time"] as? String ?? "") > cut })
            #expect(modified.list.count == mods.filter { $0 > cut }.count)
        }
    }

    @Test func entitiesAppearAndChangeAsNowMoves() async throws {
        try await Harness.withSimulator(Self.big) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let params = ["advertiser_id": adv, "page_size": "1000", "filtering": "{\"primary_status\":\"STATUS_ALL\"}"]
            let before = try await Harness.get(url, "campaign/get", params)
            let future = sim.world.entities(.campaign, advertiserID: adv).filter { !$0.exists }
            #expect(before.list.count == 30 - future.count)
            #expect(!future.isEmpty)
            sim.setNow(Harness.fixedNow.addingTimeInterval(40 * 86_400))
            let after = try await Harness.get(url, "campaign/get", params)
            #expect(after.list.count == 30)
            // modify_time never decreases and something changed.
            let old = Dictionary(uniqueKeysWithValues: before.list.map { ($0["campaign_id"] as! String, $0) })
            var changed = 0
            for c in after.list {
                guard let o = old[c["campaign_id"] as! String] else { continue }
                #expect((c["modify_time"] as! String) >= (o["modify_time"] as! String))
                if c["modify_time"] as! String != o["modify_time"] as! String { changed += 1 }
            }
            #expect(changed > 0)
            sim.setNow(Harness.fixedNow.addingTimeInterval(-300 * 86_400))
            let earlier = try await Harness.get(url, "campaign/get", params)
            #expect(earlier.list.count < before.list.count)
        }
    }
}
