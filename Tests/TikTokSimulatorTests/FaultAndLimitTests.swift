import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TikTokSimulator

@Suite struct FaultAndLimitTests {
    @Test(arguments: [
        (FaultKind.http429, 429, nil as Int?), (.http500, 500, nil), (.http502, 502, nil), (.http503, 503, nil),
        (.http504, 504, nil), (.code50000, 200, 50000), (.code51002, 200, 51002), (.code40100, 200, 40100),
    ])
    func statusAndCodeFaultsHitExactCalls(kind: FaultKind, status: Int, code: Int?) async throws {
        let options = Harness.options { $0.faults = [FaultRule(kind: kind, calls: [2], endpoint: "campaign/get")] }
        try await Harness.withSimulator(options) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let first = try await Harness.get(url, "campaign/get", ["advertiser_id": adv])
            let user = try await Harness.get(url, "user/info")
            let second = try await Harness.get(url, "campaign/get", ["advertiser_id": adv])
            let third = try await Harness.get(url, "campaign/get", ["advertiser_id": adv])
            #expect(first.code == 0)
            #expect(user.code == 0, "other endpoints are not affected")
            #expect(second.status == status)
            #expect(second.code == code)
            if code == 40100 { #expect(second.message?.contains("Due to too many requests, requests from App [sim-app-id]") == true) }
            #expect(third.code == 0)
            #expect(sim.requestLog.entries.filter { $0.fault == kind }.count == 1)
        }
    }

    @Test func connectionResetAndTruncatedBody() async throws {
        let options = Harness.options {
            $0.faults = [FaultRule(kind: .connectionReset, calls: [1]), FaultRule(kind: .truncatedBody, calls: [2])]
        }
        try await Harness.withSimulator(options) { _, url in
            await #expect(throws: (any Error).self) {
                let r = try await Harness.get(url, "user/info")
                if r.json == nil { throw HarnessError(message: "incomplete body") }
            }
            let truncated = try await Harness.get(url, "user/info")
            #expect(truncated.status == 200)
            #expect(truncated.json == nil, "body is cut off: \(truncated.text)")
            #expect(truncated.text.hasPrefix("{\"code\":0"))
            let ok = try await Harness.get(url, "user/info")
            #expect(ok.code == 0)
        }
    }

    @Test func slowResponseTimesOutAClient() async throws {
        let options = Harness.options {
            $0.faults = [FaultRule(kind: .slowResponse, calls: [1])]
            $0.slowResponseSeconds = 3
        }
        try await Harness.withSimulator(options) { _, url in
            // The client's deadline ends the call, not the answer: the error is a timeout, however busy the machine.
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                _ = try await Harness.get(url, "user/info", timeout: .milliseconds(300))
            }
            let ok = try await Harness.get(url, "user/info")
            #expect(ok.code == 0)
        }
    }

    @Test func rateFaultsAreDeterministic() async throws {
        let options = Harness.options { $0.faults = [FaultRule(kind: .code50000, rate: 0.3)] }
        func run() async throws -> [Int] {
            try await Harness.withSimulator(options) { _, url in
                var codes: [Int] = []
                for _ in 0..<40 { codes.append(try await Harness.get(url, "user/info").code ?? -1) }
                return codes
            }
        }
        let a = try await run()
        let b = try await run()
        #expect(a == b)
        let faults = a.filter { $0 == 50000 }.count
        #expect(faults > 3 && faults < 25)
    }

    @Test(arguments: ["campaign/get", "report/integrated/get"])
    func rowInsertedShiftsTheNextPage(endpoint: String) async throws {
        let options = Harness.options {
            $0.campaignsPerAdvertiser = 9
            $0.faults = [FaultRule(kind: .rowInserted, calls: [2], endpoint: endpoint)]
        }
        try await Harness.withSimulator(options) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            var params = endpoint == "campaign/get"
                ? ["advertiser_id": adv, "filtering": "{\"primary_status\":\"STATUS_ALL\"}"]
                : Harness.report(advertiser: adv, dimensions: ["ad_id", "stat_time_day"])
            params["page_size"] = "3"
            func key(_ row: [String: Any]) -> String {
                endpoint == "campaign/get" ? row["campaign_id"] as! String : "\(row.dim("ad_id")!)|\(row.dim("stat_time_day")!)"
            }
            params["page"] = "1"
            let page1 = try await Harness.get(url, endpoint, params)
            params["page"] = "2"
            let page2 = try await Harness.get(url, endpoint, params)
            params["page"] = "3"
            let page3 = try await Harness.get(url, endpoint, params)
            let total = try #require(page1.pageInfo["total_number"])
            #expect(page2.pageInfo["total_number"] == total + 1)
            #expect(page2.pageInfo["total_page"] == (total + 1 + 2) / 3)
            #expect(key(page2.list[0]) == key(page1.list[2]), "the last row of page 1 is seen again")
            #expect(page3.pageInfo["total_number"] == total + 1, "the inserted row stays")
            // Nothing is lost: pages 1-3 hold the first 8 rows plus one repeat.
            let keys = (page1.list + page2.list + page3.list).map(key)
            #expect(keys.count == 9)
            #expect(Set(keys).count == 8)
            #expect(sim.requestLog.entries.contains { $0.fault == .rowInserted })
        }
    }

    @Test func qpsBudgetIsEnforced() async throws {
        let options = Harness.options { $0.rateLimit = .init(qps: 5) }
        try await Harness.withSimulator(options) { sim, url in
            // 20 calls at once: however slowly a loaded machine delivers them, no sliding second admits more than 5.
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await Harness.get(url, "user/info").code ?? -1 } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.contains(40100))
            #expect(Set(codes).isSubset(of: [0, 40100]))
            let accepted = sim.requestLog.entries.filter { $0.code == 0 }.map(\.time).sorted()
            #expect(accepted.count >= 5)
            for (index, time) in accepted.enumerated() {
                #expect(accepted[index...].prefix { $0.timeIntervalSince(time) < 1 }.count <= 5)
            }
            try await Task.sleep(for: .seconds(1.1))
            #expect(try await Harness.get(url, "user/info").code == 0)
        }
    }

    @Test func qpmBreachStartsAPenalty() async throws {
        let options = Harness.options { $0.rateLimit = .init(qpm: 4, qpmPenaltySeconds: 1.5) }
        try await Harness.withSimulator(options) { _, url in
            var codes: [Int] = []
            for _ in 0..<5 { codes.append(try await Harness.get(url, "user/info").code ?? -1) }
            #expect(codes == [0, 0, 0, 0, 40100])
            let limited = try await Harness.get(url, "user/info")
            #expect(limited.code == 40100)
            #expect(limited.message?.hasPrefix("Requests from App [sim-app-id] to /open_api/v1.3/user/info/ exceeded the limit of 4 per minute") == true)
        }
    }

    @Test func penaltyEndsAfterItsDuration() async throws {
        let options = Harness.options { $0.rateLimit = .init(qps: 2, qpm: 1000, qpmPenaltySeconds: 1) }
        try await Harness.withSimulator(options) { _, url in
            for _ in 0..<3 { _ = try await Harness.get(url, "user/info") }
            try await Task.sleep(for: .seconds(1.1))
            #expect(try await Harness.get(url, "user/info").code == 0)
        }
    }

    @Test func latencyIsApplied() async throws {
        let options = Harness.options { $0.latency = .init(fixedMs: 200, jitterMs: 50) }
        try await Harness.withSimulator(options) { _, url in
            let clock = ContinuousClock()
            let start = clock.now
            _ = try await Harness.get(url, "user/info")
            #expect(clock.now - start >= .milliseconds(200))
        }
    }
}
