import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport
import TikTokSimulator

/// TikTok's budgets as the simulator keeps them: per endpoint, QPS and QPM (with its penalty) on the injected budget
/// clock, the daily quota on the simulated UTC day; and the arrivals it counted. Every test runs on a `VirtualClock`,
/// so nothing depends on how fast the machine delivers the requests.
@Suite struct BudgetTests {
    static let qpsMessage = "Due to too many requests, requests from App [sim-app-id] are temporarily restricted."

    static func codes(_ url: URL, _ endpoint: String, _ count: Int, _ params: [String: String] = [:]) async throws -> [Int] {
        var codes: [Int] = []
        for _ in 0..<count { codes.append(try await Harness.get(url, endpoint, params).code ?? -1) }
        return codes
    }

    @Test func optionsKeepTheirShapeAndAddPerEndpointOverrides() throws {
        let json = """
            {"rate_limit": {"qps": 10, "qpm": 600, "qpd": 5000, "qpm_penalty_seconds": 120,
                            "endpoints": {"/report/integrated/get/": {"qps": 5}, "campaign/get": {"qpd": 7, "qpm_penalty_seconds": 30}}}}
            """
        let options = try JSONDecoder().decode(SimulatorOptions.self, from: Data(json.utf8))
        let limits = options.rateLimit
        #expect(limits.budget(for: "report/integrated/get") == .init(qps: 5, qpm: 600, qpd: 5000, qpmPenaltySeconds: 120))
        #expect(limits.budget(for: "/open_api/v1.3/campaign/get/") == .init(qps: 10, qpm: 600, qpd: 7, qpmPenaltySeconds: 30))
        #expect(limits.budget(for: "ad/get") == .init(qps: 10, qpm: 600, qpd: 5000, qpmPenaltySeconds: 120))
        #expect(try JSONDecoder().decode(SimulatorOptions.self, from: JSONEncoder().encode(options)) == options)
        // The old shape still means what it says, now for each endpoint; nothing set is unlimited.
        let old = try JSONDecoder().decode(SimulatorOptions.self, from: Data(#"{"rate_limit": {"qps": 20}}"#.utf8))
        #expect(old.rateLimit.budget(for: "ad/get") == .init(qps: 20, qpm: nil, qpd: nil, qpmPenaltySeconds: 300))
        #expect(SimulatorOptions().rateLimit.isUnlimited)
    }

    @Test func theQPSBudgetIsPerEndpointWithOverrides() async throws {
        let clock = VirtualClock()
        let options = Harness.options { $0.rateLimit = .init(qps: 2, endpoints: ["/campaign/get/": .init(qps: 3)]) }
        try await Harness.withSimulator(options, clock: clock) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            #expect(try await Self.codes(url, "user/info", 3) == [0, 0, 40100])
            #expect(sim.requestLog.entries.last?.rateLimit == .qps)
            let limited = try await Harness.get(url, "user/info")
            #expect(limited.message == Self.qpsMessage, "the QPS answer is TikTok's generic one")
            // Another endpoint has its own budget (3 by its override), untouched by user/info's arrivals.
            #expect(try await Self.codes(url, "campaign/get", 4, ["advertiser_id": adv]) == [0, 0, 0, 40100])
            clock.advance(by: .seconds(1))
            #expect(try await Self.codes(url, "user/info", 2) == [0, 0], "a new second, a new budget")

            let arrivals = sim.arrivals
            #expect(arrivals.endpoint("user/info").rateLimited(.qps) == 2)
            #expect(arrivals.endpoint("campaign/get").rateLimited(.qps) == 1)
            #expect(arrivals.total.rateLimited == [.qps: 3])
            #expect(arrivals.total.maxPerSecond == 8, "4 + 4 arrivals at t = 0, every one counted, refused or not")
            #expect(arrivals.endpoint("user/info").maxPerSecond == 4)
            #expect(!arrivals.total.qpmPenaltyTriggered)
        }
    }

    @Test func aQPMBreachRestrictsOnlyItsEndpointForThePenalty() async throws {
        let clock = VirtualClock()
        let options = Harness.options { $0.rateLimit = .init(qpm: 3) }  // the penalty: 300 s by default
        try await Harness.withSimulator(options, clock: clock) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            #expect(try await Self.codes(url, "user/info", 3) == [0, 0, 0])
            let breach = try await Harness.get(url, "user/info")
            #expect(breach.code == 40100)
            #expect(breach.message == "Requests from App [sim-app-id] to /open_api/v1.3/user/info/ exceeded the limit of 3 per minute and are restricted; try again in 5 minutes.")
            #expect(try await Self.codes(url, "campaign/get", 1, ["advertiser_id": adv]) == [0], "other endpoints are not restricted")

            clock.advance(by: .seconds(120))
            let during = try await Harness.get(url, "user/info")
            #expect(during.code == 40100, "the minute has passed, the penalty has not")
            #expect(during.message?.hasSuffix("per minute and are restricted; try again in 3 minutes.") == true, "\(during.text)")
            clock.advance(by: .seconds(150))
            let late = try await Harness.get(url, "user/info")
            #expect(late.message?.hasSuffix("try again in 30 seconds.") == true, "\(late.text)")
            clock.advance(by: .seconds(30))
            #expect(try await Self.codes(url, "user/info", 1) == [0], "the penalty is over at 300 s")

            let userInfo = sim.arrivals.endpoint("user/info")
            #expect(userInfo.qpmPenalties == 1)
            #expect(userInfo.qpmPenaltyTriggered)
            #expect(userInfo.rateLimited(.qpm) == 3)
            #expect(userInfo.rateLimited(.qps) == 0)
            #expect(!sim.arrivals.endpoint("campaign/get").qpmPenaltyTriggered)
            #expect(sim.requestLog.entries.filter { $0.rateLimit == .qpm }.count == 3)
        }
    }

    @Test func theDailyQuotaIsPerEndpointAndResetsAtMidnightUTCOfTheSimulatedClock() async throws {
        let clock = VirtualClock()
        let options = Harness.options {
            $0.now = Date(timeIntervalSince1970: 1_768_521_570)  // 2026-01-15T23:59:30Z
            $0.rateLimit = .init(qpd: 2)
        }
        try await Harness.withSimulator(options, clock: clock) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            #expect(try await Self.codes(url, "user/info", 2) == [0, 0])
            let spent = try await Harness.get(url, "user/info")
            #expect(spent.code == 40100)
            #expect(spent.message == "Requests from App [sim-app-id] to /open_api/v1.3/user/info/ have used the daily quota of 2 requests; the quota is reset at 00:00 UTC.")
            #expect(try await Self.codes(url, "campaign/get", 2, ["advertiser_id": adv]) == [0, 0], "each endpoint has its own quota")
            clock.advance(by: .seconds(7200))
            #expect(try await Self.codes(url, "user/info", 1) == [40100], "the day is the simulated one, which has not moved")
            sim.setNow(Date(timeIntervalSince1970: 1_768_521_600))  // 2026-01-16T00:00:00Z
            #expect(try await Self.codes(url, "user/info", 3) == [0, 0, 40100], "a new UTC day, a new quota")
            #expect(sim.arrivals.endpoint("user/info").rateLimited(.daily) == 3)
            #expect(sim.arrivals.total.rateLimited(.daily) == 3)
        }
    }

    @Test func theThreeKindsOfRefusalHaveDistinctMessages() async throws {
        let clock = VirtualClock()
        let options = Harness.options {
            $0.rateLimit = .init(endpoints: [
                "user/info": .init(qps: 1), "oauth2/advertiser/get": .init(qpm: 1), "advertiser/info": .init(qpd: 1),
            ])
        }
        try await Harness.withSimulator(options, clock: clock) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            var messages: [String] = []
            for (endpoint, params) in [("user/info", [:]), ("oauth2/advertiser/get", ["app_id": "sim-app-id", "secret": "sim-app-secret"]),
                                       ("advertiser/info", ["advertiser_ids": "[\"\(adv)\"]"])] {
                #expect(try await Self.codes(url, endpoint, 1, params) == [0])
                let refused = try await Harness.get(url, endpoint, params)
                #expect(refused.code == 40100)
                messages.append(refused.message ?? "")
            }
            #expect(messages[0] == Self.qpsMessage)
            #expect(messages[1].contains("per minute") && messages[1].contains("try again in 5 minutes"))
            #expect(messages[2].contains("daily quota") && messages[2].contains("reset at 00:00 UTC"))
            #expect(Set(messages).count == 3)
            #expect(sim.requestLog.entries.compactMap(\.rateLimit) == [.qps, .qpm, .daily])
        }
    }

    @Test func arrivalsAreCountedInSlidingWindowsForTheRunAndPerEndpoint() async throws {
        let clock = VirtualClock()
        try await Harness.withSimulator(Harness.options(), clock: clock) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            _ = try await Self.codes(url, "user/info", 2)                                     // t = 0
            clock.advance(by: .milliseconds(500))
            _ = try await Self.codes(url, "campaign/get", 2, ["advertiser_id": adv])          // t = 0.5
            clock.advance(by: .milliseconds(500))
            _ = try await Self.codes(url, "user/info", 1)                                     // t = 1.0: (0, 1] holds 3
            clock.advance(by: .milliseconds(200))
            _ = try await Self.codes(url, "user/info", 3)                                     // t = 1.2: (0.2, 1.2] holds 6
            clock.advance(by: .milliseconds(59_900))
            _ = try await Self.codes(url, "user/info", 1)                                     // t = 61.1: (1.1, 61.1] holds 4

            let arrivals = sim.arrivals
            #expect(arrivals.total == ArrivalCounts(arrivals: 9, maxPerSecond: 6, maxPerMinute: 8))
            #expect(arrivals.endpoint("user/info") == ArrivalCounts(arrivals: 7, maxPerSecond: 4, maxPerMinute: 6))
            #expect(arrivals.endpoint("/open_api/v1.3/campaign/get/") == ArrivalCounts(arrivals: 2, maxPerSecond: 2, maxPerMinute: 2))
            #expect(sim.requestLog.entries.compactMap(\.arrivalSeconds) == [0, 0, 0.5, 0.5, 1, 1.2, 1.2, 1.2, 61.1])

            // The same through the control endpoint, for tools outside the process.
            let root = url.deletingLastPathComponent().absoluteString
            let log = try await Harness.send(.init(url: root + "_simulator/requests"), timeout: Harness.patience)
            let payload = try #require(log.json?["arrivals"] as? [String: Any])
            let total = try #require(payload["total"] as? [String: Any])
            #expect(total["arrivals"] as? Int == 9)
            #expect(total["max_per_second"] as? Int == 6)
            #expect(total["max_per_minute"] as? Int == 8)
            #expect(total["rate_limited"] as? [String: Int] == ["qps": 0, "qpm": 0, "daily": 0])
            #expect(total["qpm_penalty_triggered"] as? Bool == false)
            let perEndpoint = try #require(payload["endpoints"] as? [String: [String: Any]])
            #expect(perEndpoint["user/info"]?["max_per_second"] as? Int == 4)
            #expect(perEndpoint["campaign/get"]?["arrivals"] as? Int == 2)

            // Resetting the log starts the counts afresh.
            _ = try await Harness.send(HTTPClientRequestBuilder.make(root + "_simulator/requests", method: "DELETE"), timeout: Harness.patience)
            #expect(sim.arrivals == ArrivalStatistics())
        }
    }

    /// The arrival is counted when the handler takes the request, before the injected latency: the count is there
    /// while the answer is still being held back, and its instant is the one before the clock moved.
    @Test func anArrivalIsCountedBeforeTheInjectedLatency() async throws {
        let clock = VirtualClock()
        let options = Harness.options { $0.latency = .init(fixedMs: 1000) }
        try await Harness.withSimulator(options, clock: clock) { sim, url in
            async let answer = Harness.get(url, "user/info")
            var waited = 0
            while sim.arrivals.total.arrivals == 0, waited < 600 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            #expect(sim.arrivals.total.arrivals == 1)
            clock.advance(by: .seconds(10))
            #expect(try await answer.code == 0)
            #expect(sim.requestLog.entries.map(\.arrivalSeconds) == [0])
        }
    }
}
