import Foundation
import Testing
import TikTokSimulator

@Suite struct ReportConsistencyTests {
    static let additive = ["spend", "impressions", "clicks", "conversion", "reach", "video_play_actions", "likes", "purchase"]
    static let levels: [(String, String)] = [
        ("AUCTION_ADVERTISER", "advertiser_id"), ("AUCTION_CAMPAIGN", "campaign_id"), ("AUCTION_ADGROUP", "adgroup_id"),
        ("AUCTION_AD", "ad_id"),
    ]

    static let audienceAdditive = ["spend", "impressions", "clicks", "conversion", "video_play_actions", "likes"]

    /// Sums additive metrics by the given dimension keys.
    static func totals(_ rows: [[String: Any]], by keys: [String], _ metrics: [String] = additive) -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for r in rows {
            let key = keys.map { r.dim($0) ?? "" }.joined(separator: "|")
            let values = metrics.map { r.metricString($0) == nil ? 0 : r.hundredths($0) }
            out[key] = zip(out[key] ?? Array(repeating: 0, count: metrics.count), values).map(+)
        }
        return out
    }

    static func checkRowInvariants(_ rows: [[String: Any]]) {
        for r in rows {
            let impressions = r.hundredths("impressions")
            let clicks = r.hundredths("clicks")
            #expect(impressions > 0)
            #expect(clicks <= impressions)
            #expect(r.hundredths("conversion") <= clicks)
            #expect(r.metricString("spend") != "-")
        }
    }

    @Test(arguments: [1, 42, 2024] as [UInt64])
    func levelsGranularitiesAndBreakdownsAddUp(seed: UInt64) async throws {
        try await Harness.withSimulator(Harness.options(seed: seed) { $0.advertisers = 2 }) { sim, url in
            for adv in sim.world.grantedAdvertiserIDs {
                var daily: [[String: [Int64]]] = []
                for (level, idDim) in Self.levels {
                    let rows = try await Harness.allRows(
                        url,
                        Harness.report(
                            advertiser: adv, level: level, dimensions: [idDim, "stat_time_day"], metrics: Self.additive,
                            start: "2026-01-01", end: "2026-01-15", pageSize: 17, statusAll: true))
                    Self.checkRowInvariants(rows)
                    #expect(!rows.isEmpty)
                    daily.append(Self.totals(rows, by: ["stat_time_day"]))
                }
                #expect(daily[0] == daily[1], "advertiser vs campaign totals")
                #expect(daily[1] == daily[2], "campaign vs ad group totals")
                #expect(daily[2] == daily[3], "ad group vs ad totals")

                // Hours add up to days, for a past day and for the (partial) current day.
                let zone = TimeZone(identifier: sim.world.advertiser(id: adv)!.timezone)!
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                let c = calendar.dateComponents([.year, .month, .day], from: Harness.fixedNow)
                let today = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
                for day in ["2026-01-05", today] {
                    let hourly = try await Harness.allRows(
                        url,
                        Harness.report(
                            advertiser: adv, dimensions: ["ad_id", "stat_time_hour"], metrics: Self.additive, start: day,
                            end: day, statusAll: true))
                    Self.checkRowInvariants(hourly)
                    let dayRows = try await Harness.allRows(
                        url,
                        Harness.report(
                            advertiser: adv, dimensions: ["ad_id", "stat_time_day"], metrics: Self.additive, start: day,
                            end: day, statusAll: true))
                    #expect(Self.totals(hourly, by: ["ad_id"]) == Self.totals(dayRows, by: ["ad_id"]), "hours of \(day)")
                    if day == today {
                        let hours = Set(hourly.compactMap { $0.dim("stat_time_hour") })
                        #expect(hours.count < 24, "today only has hours up to now")
                    }
                }

                // BASIC country breakdown adds up to totals.
                let country = try await Harness.allRows(
                    url,
                    Harness.report(
                        advertiser: adv, level: "AUCTION_CAMPAIGN", dimensions: ["campaign_id", "stat_time_day", "country_code"],
                        metrics: Self.additive, statusAll: true))
                Self.checkRowInvariants(country)
                #expect(Self.totals(country, by: ["stat_time_day"]) == daily[0])
                #expect(country.allSatisfy { ($0.dim("country_code") ?? "").count == 2 })
            }
        }
    }

    @Test(arguments: [3, 42] as [UInt64])
    func audienceBreakdownsAddUpToLaggedTotals(seed: UInt64) async throws {
        try await Harness.withSimulator(Harness.options(seed: seed)) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let metrics = ["spend", "impressions", "clicks", "conversion", "video_play_actions", "likes"]
            func audience(_ dims: [String]) async throws -> [[String: Any]] {
                try await Harness.allRows(
                    url,
                    Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["advertiser_id", "stat_time_day"] + dims,
                                   metrics: metrics, start: "2026-01-05", end: "2026-01-15", type: "AUDIENCE"))
            }
            let ageGender = try await audience(["age", "gender"])
            let age = try await audience(["age"])
            let gender = try await audience(["gender"])
            let platform = try await audience(["platform"])
            let country = try await audience(["country_code"])
            for rows in [ageGender, age, gender, platform, country] { Self.checkRowInvariants(rows) }
            #expect(Set(age.compactMap { $0.dim("age") }).isSubset(of: ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]))
            #expect(Set(gender.compactMap { $0.dim("gender") }).isSubset(of: ["MALE", "FEMALE", "NONE"]))
            #expect(Set(platform.compactMap { $0.dim("platform") }).isSubset(of: ["ANDROID", "IPHONE", "IPAD", "PC"]))
            // Audience data lags: compare with BASIC totals observed 11 hours earlier.
            sim.setNow(Harness.fixedNow.addingTimeInterval(-11 * 3600))
            let basic = try await Harness.allRows(
                url,
                Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["advertiser_id", "stat_time_day"],
                               metrics: metrics, start: "2026-01-05", end: "2026-01-15"))
            sim.setNow(Harness.fixedNow)
            let want = Self.totals(basic, by: ["stat_time_day"])
            #expect(Self.totals(ageGender, by: ["stat_time_day"]) == want)
            #expect(Self.totals(age, by: ["stat_time_day"]) == want)
            #expect(Self.totals(gender, by: ["stat_time_day"]) == want)
            #expect(Self.totals(platform, by: ["stat_time_day"]) == want)
            #expect(Self.totals(country, by: ["stat_time_day"]) == want)
            // Marginals of the joint split.
            #expect(Self.totals(ageGender, by: ["stat_time_day", "age"]) == Self.totals(age, by: ["stat_time_day", "age"]))
        }
    }

    /// AUDIENCE `province_id` rows: each (entity, day) splits exactly into provinces of the advertiser's
    /// country, at every level, and per day they add up to the lagged BASIC totals.
    @Test(arguments: [1, 3, 42, 2024] as [UInt64])
    func provinceRowsAddUpToTotals(seed: UInt64) async throws {
        try await Harness.withSimulator(Harness.options(seed: seed)) { sim, url in
            var seenCountrySets: [String: Set<String>] = [:]
            for adv in sim.world.grantedAdvertiserIDs {
                let country = sim.world.advertiser(id: adv)!.country
                func audience(_ level: String, _ dims: [String]) async throws -> [[String: Any]] {
                    try await Harness.allRows(
                        url,
                        Harness.report(advertiser: adv, level: level, dimensions: dims, metrics: Self.audienceAdditive,
                                       start: "2026-01-02", end: "2026-01-15", type: "AUDIENCE", pageSize: 23, statusAll: true))
                }
                for (level, idDim) in Self.levels {
                    let province = try await audience(level, [idDim, "stat_time_day", "province_id"])
                    let gender = try await audience(level, [idDim, "gender", "stat_time_day"])
                    Self.checkRowInvariants(province)
                    #expect(!province.isEmpty)
                    let ids = Set(province.compactMap { $0.dim("province_id") })
                    #expect((4...6).contains(ids.count), "\(ids)")
                    #expect(ids.allSatisfy { $0.count == 7 && $0.allSatisfy(\.isNumber) }, "\(ids)")
                    if let earlier = seenCountrySets[country] { #expect(earlier == ids) }
                    seenCountrySets[country] = ids
                    // Same (entity, day) cells as another audience split observed at the same instant.
                    #expect(Self.totals(province, by: [idDim, "stat_time_day"], Self.audienceAdditive)
                        == Self.totals(gender, by: [idDim, "stat_time_day"], Self.audienceAdditive), "\(level)")
                }
                // Per day, equal to BASIC totals observed at the lagged instant.
                let province = try await audience("AUCTION_ADVERTISER", ["advertiser_id", "stat_time_day", "province_id"])
                sim.setNow(Harness.fixedNow.addingTimeInterval(-11 * 3600))
                let basic = try await Harness.allRows(
                    url,
                    Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["advertiser_id", "stat_time_day"],
                                   metrics: Self.audienceAdditive, start: "2026-01-02", end: "2026-01-15"))
                sim.setNow(Harness.fixedNow)
                #expect(Self.totals(province, by: ["stat_time_day"], Self.audienceAdditive)
                    == Self.totals(basic, by: ["stat_time_day"], Self.audienceAdditive))
                // Deterministic.
                let again = try await audience("AUCTION_ADVERTISER", ["advertiser_id", "stat_time_day", "province_id"])
                #expect(Self.totals(again, by: ["stat_time_day", "province_id"], Self.audienceAdditive)
                    == Self.totals(province, by: ["stat_time_day", "province_id"], Self.audienceAdditive))
            }
        }
    }

    /// BASIC `stat_time_hour` × `country_code` rows: for each hour, the country rows add up exactly to
    /// that hour's row; a country's hours approximate its day × country row (impressions within one
    /// per hour).
    @Test(arguments: [1, 42, 2024] as [UInt64])
    func hourByCountryRowsAddUpToHours(seed: UInt64) async throws {
        try await Harness.withSimulator(Harness.options(seed: seed) { $0.advertisers = 2 }) { sim, url in
            for adv in sim.world.grantedAdvertiserIDs {
                let zone = TimeZone(identifier: sim.world.advertiser(id: adv)!.timezone)!
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                let c = calendar.dateComponents([.year, .month, .day], from: Harness.fixedNow)
                let today = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
                for (level, idDim) in [Self.levels[0], Self.levels[2], Self.levels[3]] {
                    for day in ["2026-01-06", today] {
                        func rows(_ dims: [String]) async throws -> [[String: Any]] {
                            try await Harness.allRows(
                                url,
                                Harness.report(advertiser: adv, level: level, dimensions: dims, metrics: Self.additive,
                                               start: day, end: day, pageSize: 97, statusAll: true))
                        }
                        let hourCountry = try await rows([idDim, "stat_time_hour", "country_code"])
                        let hourly = try await rows([idDim, "stat_time_hour"])
                        let dayCountry = try await rows([idDim, "stat_time_day", "country_code"])
                        Self.checkRowInvariants(hourCountry)
                        #expect(!hourCountry.isEmpty)
                        #expect(hourCountry.allSatisfy { ($0.dim("country_code") ?? "").count == 2 })
                        #expect(Self.totals(hourCountry, by: [idDim, "stat_time_hour"]) == Self.totals(hourly, by: [idDim, "stat_time_hour"]),
                                "\(level) \(day)")
                        #expect(Self.totals(hourCountry, by: [idDim]) == Self.totals(dayCountry, by: [idDim]), "\(level) \(day)")
                        #expect(Set(hourCountry.compactMap { $0.dim("country_code") })
                            .isSubset(of: Set(dayCountry.compactMap { $0.dim("country_code") })))
                        if level == "AUCTION_AD" {
                            // Impressions (index 1 of `additive`): within one per delivered hour.
                            let hours = Self.totals(hourCountry, by: [idDim, "country_code"])
                            let days = Self.totals(dayCountry, by: [idDim, "country_code"])
                            for (key, v) in days {
                                let ad = String(key.split(separator: "|")[0])
                                let delivered = hourly.filter { $0.dim(idDim) == ad }.count
                                #expect(abs((hours[key]?[1] ?? 0) - v[1]) <= Int64(delivered), "\(key)")
                            }
                        }
                        if day == today {
                            #expect(Set(hourCountry.compactMap { $0.dim("stat_time_hour") }).count < 24)
                        }
                    }
                }
            }
        }
    }

    @Test func deletedEntitiesOnlyWithStatusAllButAdvertiserTotalsIncludeThem() async throws {
        let options = Harness.options(seed: 7) {
            $0.campaignsPerAdvertiser = 12
            $0.adGroupsPerCampaign = 3
            $0.adsPerAdGroup = 3
            $0.advertisers = 1
        }
        try await Harness.withSimulator(options) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let deletedAds = Set(sim.world.entities(.ad, advertiserID: adv).filter { $0.isDeleted }.map(\.id))
            #expect(!deletedAds.isEmpty)
            let params = Harness.report(advertiser: adv, dimensions: ["ad_id"], metrics: ["spend", "impressions"],
                                        start: "2025-06-01", end: "2026-01-15")
            let live = try await Harness.allRows(url, params)
            var allParams = params
            allParams["filtering"] = Harness.jsonText([["field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"]])
            let all = try await Harness.allRows(url, allParams)
            let liveIDs = Set(live.compactMap { $0.dim("ad_id") })
            let allIDs = Set(all.compactMap { $0.dim("ad_id") })
            #expect(liveIDs.isDisjoint(with: deletedAds))
            #expect(!allIDs.intersection(deletedAds).isEmpty, "deleted ads delivered before deletion")
            let advertiserTotal = try await Harness.allRows(
                url, Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["advertiser_id"],
                                    metrics: ["spend", "impressions"], start: "2025-06-01", end: "2026-01-15"))
            let sumAll = all.map { $0.hundredths("spend") }.reduce(0, +)
            let sumLive = live.map { $0.hundredths("spend") }.reduce(0, +)
            #expect(advertiserTotal.first?.hundredths("spend") == sumAll)
            #expect(sumLive < sumAll)
        }
    }

    @Test func emptyRangesAndMetricFormats() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let future = try await Harness.get(
                url, "report/integrated/get", Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], start: "2026-02-01", end: "2026-02-10"))
            #expect(future.code == 0)
            #expect(future.list.isEmpty)
            #expect(future.pageInfo["total_number"] == 0)
            #expect(future.pageInfo["total_page"] == 0)
            let r = try await Harness.get(
                url, "report/integrated/get",
                Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"],
                               metrics: ["spend", "impressions", "ctr", "cpc", "cpm", "cost_per_result", "secondary_goal_result", "campaign_name"]))
            let row = try #require(r.list.first)
            #expect(row.dim("stat_time_day")?.hasSuffix(" 00:00:00") == true)
            #expect(row.metricString("ctr")?.range(of: #"^\d+\.\d\d$"#, options: .regularExpression) != nil)
            #expect(row.metricString("cost_per_result")?.range(of: #"^\d+\.\d\d\d$"#, options: .regularExpression) != nil)
            #expect(row.metricString("impressions")?.range(of: #"^\d+$"#, options: .regularExpression) != nil)
            #expect(row.metricString("campaign_name")?.isEmpty == false)
            let ctr = Double(row.metricString("ctr")!)!
            let expected = Double(row.hundredths("clicks")) / Double(max(1, row.hundredths("impressions"))) * 100
            _ = expected
            #expect(ctr >= 0)
            // A page past the end.
            let past = try await Harness.get(
                url, "report/integrated/get", Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], pageSize: 10, page: 999))
            #expect(past.list.isEmpty)
            #expect(past.pageInfo["page"] == 999)
            #expect(past.pageInfo["total_number"] == r.pageInfo["total_number"])
            // Default page size is 10.
            var p = Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"])
            p["page_size"] = nil
            let d = try await Harness.get(url, "report/integrated/get", p)
            #expect(d.pageInfo["page_size"] == 10)
            #expect(d.list.count == 10)
        }
    }
}
