import Foundation
import Testing
import TikTokSimulator

/// The simulator serves lifetime totals, breakdowns at every level and the creative library consistently with the
/// daily ad-level rows and the ads it lists.
@Suite struct LifetimeBreakdownAssetTests {
    static let levels = ReportConsistencyTests.levels
    static let additive = ["spend", "impressions", "clicks", "conversion", "video_play_actions", "likes"]

    /// Daily rows over the whole life of a 40-day-old world (two 30-day windows; today clamps the end).
    static func dailyOverLife(_ url: URL, advertiser: String, level: String, id: String) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for (start, end) in [("2025-12-01", "2025-12-30"), ("2025-12-31", "2026-01-16")] {
            rows += try await Harness.allRows(url, Harness.report(
                advertiser: advertiser, level: level, dimensions: [id, "stat_time_day"], metrics: additive, start: start, end: end,
                pageSize: 1000, statusAll: true))
        }
        return rows
    }

    @Test(arguments: [7, 42] as [UInt64])
    func lifetimeTotalsEqualTheSumOfEveryDailyRow(seed: UInt64) async throws {
        try await Harness.withSimulator(Harness.options(seed: seed) { $0.historyDays = 40; $0.advertisers = 2 }) { sim, url in
            for adv in sim.world.grantedAdvertiserIDs {
                for (level, id) in Self.levels {
                    let daily = try await Self.dailyOverLife(url, advertiser: adv, level: level, id: id)
                    let lifetime = try await Harness.allRows(url, Harness.report(
                        advertiser: adv, level: level, dimensions: [id], metrics: Self.additive, start: nil, end: nil,
                        statusAll: true, extra: ["query_lifetime": "true"]))
                    #expect(!lifetime.isEmpty, "\(level)")
                    #expect(lifetime.allSatisfy { ($0["dimensions"] as? [String: Any])?.keys.sorted() == [id] })
                    let summed = ReportConsistencyTests.totals(daily, by: [id], Self.additive)
                    #expect(ReportConsistencyTests.totals(lifetime, by: [id], Self.additive) == summed, "\(level) of \(adv)")
                }
            }
        }
    }

    @Test(arguments: [["country_code"], ["age", "gender"], ["platform"]] as [[String]])
    func higherLevelBreakdownsEqualTheSumsOfTheirAds(breakdown: [String]) async throws {
        try await Harness.withSimulator(Harness.options { $0.advertisers = 2 }) { sim, url in
            for adv in sim.world.grantedAdvertiserIDs {
                func audience(_ level: String, _ id: String) async throws -> [[String: Any]] {
                    try await Harness.allRows(url, Harness.report(
                        advertiser: adv, level: level, dimensions: [id, "stat_time_day"] + breakdown,
                        metrics: Self.additive + (level == "AUCTION_AD" ? ["campaign_id", "adgroup_id"] : []),
                        start: "2026-01-01", end: "2026-01-15", type: "AUDIENCE", statusAll: true))
                }
                let ads = try await audience("AUCTION_AD", "ad_id")
                #expect(!ads.isEmpty)
                // Ad rows re-keyed by their parents (attribute metrics) and the advertiser.
                let byParent: [String: [[String: Any]]] = [
                    "campaign_id": ads.map { Self.rekey($0, id: "campaign_id") },
                    "adgroup_id": ads.map { Self.rekey($0, id: "adgroup_id") },
                    "advertiser_id": ads.map { Self.rekey($0, id: "advertiser_id", value: adv) },
                ]
                for (level, id) in Self.levels where level != "AUCTION_AD" {
                    let rows = try await audience(level, id)
                    #expect(!rows.isEmpty, "\(level)")
                    let keys = [id, "stat_time_day"] + breakdown
                    let want = ReportConsistencyTests.totals(byParent[id] ?? [], by: keys, Self.additive)
                    #expect(ReportConsistencyTests.totals(rows, by: keys, Self.additive) == want, "\(level) \(breakdown) of \(adv)")
                }
            }
        }
    }

    /// An ad-level row with `id` (a parent id from its metrics, or the given value) among its dimensions.
    static func rekey(_ row: [String: Any], id: String, value: String? = nil) -> [String: Any] {
        var dimensions = row["dimensions"] as? [String: Any] ?? [:]
        dimensions[id] = value ?? row.metricString(id)
        var copy = row
        copy["dimensions"] = dimensions
        return copy
    }

    static func listing(_ url: URL, _ endpoint: String, advertiser: String, pageSize: Int) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var page = 1
        while true {
            let r = try await Harness.get(url, endpoint, ["advertiser_id": advertiser, "page": String(page), "page_size": String(pageSize)])
            guard r.code == 0 else { throw HarnessError(message: "\(endpoint) failed: \(r.text)") }
            items += r.list
            if page >= (r.pageInfo["total_page"] ?? 0) { break }
            page += 1
        }
        return items
    }

    @Test func everyAssetAnAdNamesIsInTheLibraryPagedWithoutRepeats() async throws {
        try await Harness.withSimulator(Harness.options { $0.advertisers = 2; $0.campaignsPerAdvertiser = 6 }) { sim, url in
            for adv in sim.world.grantedAdvertiserIDs {
                let videos = try await Self.listing(url, "file/video/ad/search", advertiser: adv, pageSize: 7)
                let images = try await Self.listing(url, "file/image/ad/search", advertiser: adv, pageSize: 7)
                let videoIDs = videos.compactMap { $0["video_id"] as? String }
                let imageIDs = images.compactMap { $0["image_id"] as? String }
                #expect(videoIDs.count == videos.count && Set(videoIDs).count == videoIDs.count, "ids present and unique")
                #expect(imageIDs.count == images.count && Set(imageIDs).count == imageIDs.count)
                var ads: [[String: Any]] = []
                var page = 1
                while true {
                    let r = try await Harness.get(url, "ad/get", [
                        "advertiser_id": adv, "page": String(page), "page_size": "50",
                        "filtering": Harness.jsonText(["secondary_status": "AD_STATUS_ALL"]),
                    ])
                    #expect(r.code == 0, "\(r.text.prefix(300))")
                    ads += r.list
                    if page >= (r.pageInfo["total_page"] ?? 0) { break }
                    page += 1
                }
                let named = ads.compactMap { $0["video_id"] as? String }
                let namedImages = ads.flatMap { ($0["image_ids"] as? [String]) ?? [] }
                #expect(!named.isEmpty && !namedImages.isEmpty)
                #expect(Set(named).isSubset(of: Set(videoIDs)), "every video an ad names is listed")
                #expect(Set(namedImages).isSubset(of: Set(imageIDs)), "every image an ad names is listed")
                for video in videos {
                    #expect((video["size"] as? NSNumber)?.intValue ?? 0 > 0)
                    #expect((video["duration"] as? NSNumber)?.doubleValue ?? 0 > 0)
                    #expect(video["preview_url"] is String && video["video_cover_url"] is String && video["signature"] is String)
                    #expect(video["create_time"] is String && video["modify_time"] is String)
                }
                // Asked for by id.
                let one = try await Harness.get(url, "file/video/ad/search", [
                    "advertiser_id": adv, "filtering": Harness.jsonText(["video_ids": [videoIDs[0]]]),
                ])
                #expect(one.list.compactMap { $0["video_id"] as? String } == [videoIDs[0]])
            }
        }
    }

    @Test func creativeListingsRefuseWhatTheAPIRefuses() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            for endpoint in ["file/video/ad/search", "file/image/ad/search"] {
                let big = try await Harness.get(url, endpoint, ["advertiser_id": adv, "page_size": "101"])
                #expect(big.code == 40002 && big.message?.contains("page_size") == true, "\(big.text)")
                let unknown = try await Harness.get(url, endpoint, ["advertiser_id": adv, "filtering": Harness.jsonText(["mood": "happy"])])
                #expect(unknown.code == 40002 && unknown.message?.contains("mood") == true, "\(unknown.text)")
                let missing = try await Harness.get(url, endpoint, [:])
                #expect(missing.code == 40002 && missing.message?.contains("advertiser_id") == true, "\(missing.text)")
                let denied = try await Harness.get(url, endpoint, ["advertiser_id": sim.world.unauthorizedAdvertiserIDs[0]])
                #expect(denied.code == 40001, "\(denied.text)")
            }
        }
    }
}
