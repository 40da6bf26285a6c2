import Foundation
import Testing
import TikTokSimulator

@Suite struct RestatementTests {
    @Test func twoObservationsDifferOnlyInRecentDays() async throws {
        try await Harness.withSimulator(Harness.options { $0.advertisers = 1 }) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]  // America/New_York
            let metrics = ["spend", "impressions", "clicks", "conversion", "purchase", "total_purchase_value"]
            func observe() async throws -> [String: [String: Any]] {
                let rows = try await Harness.allRows(
                    url, Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"], metrics: metrics,
                                        start: "2025-12-20", end: "2026-01-18", statusAll: true))
                return Dictionary(uniqueKeysWithValues: rows.map { ("\($0.dim("ad_id")!)|\($0.dim("stat_time_day")!)", $0) })
            }
            let first = try await observe()
            #expect(!first.keys.contains { $0.contains("2026-01-16") }, "days after now do not exist")
            sim.setNow(Harness.fixedNow.addingTimeInterval(3 * 86_400))
            let second = try await observe()
            #expect(second.keys.contains { $0.contains("2026-01-17") })
            var changedDays = Set<String>()
            for (key, old) in first {
                let day = String(key.split(separator: "|")[1].prefix(10))
                let new = try #require(second[key], "row \(key) vanished")
                if day < "2026-01-15" {
                    // Delivery of complete days never changes.
                    #expect(new.hundredths("impressions") == old.hundredths("impressions"))
                    #expect(new.hundredths("spend") == old.hundredths("spend"))
                }
                #expect(new.hundredths("conversion") >= old.hundredths("conversion"))
                if new.hundredths("conversion") != old.hundredths("conversion") || new.hundredths("impressions") != old.hundredths("impressions") {
                    changedDays.insert(day)
                }
                if day <= "2026-01-07" {
                    // Older than restatement_days (7) at the first now: final.
                    #expect(NSDictionary(dictionary: new["metrics"] as! [String: Any]) == NSDictionary(dictionary: old["metrics"] as! [String: Any]))
                }
            }
            #expect(!changedDays.isEmpty)
            #expect(changedDays.allSatisfy { $0 >= "2026-01-08" })
        }
    }

    @Test func currentDayIsTheSumOfItsHoursSoFar() async throws {
        try await Harness.withSimulator(Harness.options { $0.advertisers = 3 }) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[2]  // Asia/Tokyo: 21:00 local at the fixed now
            let day = try await Harness.allRows(
                url, Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["stat_time_day"],
                                    metrics: ["impressions", "conversion"], start: "2026-01-15", end: "2026-01-15"))
            let hours = try await Harness.allRows(
                url, Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["stat_time_hour"],
                                    metrics: ["impressions", "conversion"], start: "2026-01-15", end: "2026-01-15"))
            let lastHour = hours.compactMap { $0.dim("stat_time_hour") }.max()
            #expect(lastHour.map { $0 <= "2026-01-15 21:00:00" } == true)
            #expect(day.first?.hundredths("impressions") == hours.map { $0.hundredths("impressions") }.reduce(0, +))
            #expect(day.first?.hundredths("conversion") == hours.map { $0.hundredths("conversion") }.reduce(0, +))
            sim.setNow(Harness.fixedNow.addingTimeInterval(3600))
            let later = try await Harness.allRows(
                url, Harness.report(advertiser: adv, level: "AUCTION_ADVERTISER", dimensions: ["stat_time_day"],
                                    metrics: ["impressions"], start: "2026-01-15", end: "2026-01-15"))
            #expect((later.first?.hundredths("impressions") ?? 0) > (day.first?.hundredths("impressions") ?? 0))
        }
    }
}
