import Logging
import HTTPTransport
import SyncKit
import Testing
import TestSupport
@testable import TikTokAds

struct RateLimiterTests {
    /// Grants `count` calls and returns the instants they were made at.
    func grants(_ budget: RateBudget, count: Int, clock: VirtualClock) async throws -> [Duration] {
        let limiter = RateLimiter(budget: budget, clock: clock, safetyMargin: .zero)
        var times: [Duration] = []
        for _ in 0..<count {
            try await limiter.acquire()
            times.append(clock.now.offset)
        }
        return times
    }


    @Test(arguments: [1, 5, 20])
    func neverExceedsThePerSecondBudget(qps: Int) async throws {
        let clock = VirtualClock()
        let times = try await grants(RateBudget(perSecond: qps), count: qps * 5, clock: clock)
        #expect(times.mostInAnyWindow(of: .seconds(1)) == qps)
        // And keeps it saturated: qps*5 calls take just over 4 seconds.
        #expect(times.last! <= .seconds(4))  // 5 batches, the last one at 4 s
    }

    @Test func neverExceedsThePerMinuteBudget() async throws {
        let clock = VirtualClock()
        let times = try await grants(RateBudget(perSecond: 10, perMinute: 30), count: 90, clock: clock)
        #expect(times.mostInAnyWindow(of: .seconds(60)) == 30)
        #expect(times.mostInAnyWindow(of: .seconds(1)) <= 10)
    }

    /// A call whose answer is reported keeps its slot until one window after the answer: the server counted it at
    /// some moment before then, however late it was on the wire.
    @Test func aCallKeepsItsSlotUntilOneWindowAfterItsAnswer() async throws {
        let clock = VirtualClock()
        let limiter = RateLimiter(budget: RateBudget(perSecond: 2), clock: clock)
        let first = try await limiter.begin()
        let second = try await limiter.begin()
        #expect(clock.now.offset == .zero)
        clock.advance(by: .milliseconds(300))
        await limiter.end(first)
        clock.advance(by: .milliseconds(200))
        await limiter.end(second)
        _ = try await limiter.begin()
        #expect(clock.now.offset == .milliseconds(1300), "the third call waits for one window after the first answer")
        _ = try await limiter.begin()
        #expect(clock.now.offset == .milliseconds(1500), "the fourth for one window after the second answer")
    }

    /// A call's slot counts from when its answer arrives, not from when the answer has been read: reading a large
    /// page does not delay the calls after it. Both for the limiter alone and for the adaptive pacer's ceiling.
    @Test func aCallsLastWindowStartsWhenItsAnswerArrivesNotWhenItHasBeenRead() async throws {
        for makePacer in [{ (clock: VirtualClock) -> any RequestPacer in RateLimiter(budget: RateBudget(perSecond: 1), clock: clock) },
                          { clock in makeAdaptivePacer(AdaptivePacingSettings(ceiling: RateBudget(perSecond: 1)), learned: [:], clock: clock,
                                                       logger: Logger(label: "test")) }] {
            let clock = VirtualClock()
            let pacer = makePacer(clock)
            let caller = RetryingCaller(policy: RetryPolicy(maxAttempts: 1), clock: clock, pacer: pacer, logger: Logger(label: "test"))
            let value = try await caller.call("report/integrated/get", attempt: { _, answerArrived in
                clock.advance(by: .milliseconds(100))  // on the wire and at the server
                await answerArrived()
                clock.advance(by: .milliseconds(400))  // reading a large answer
                return AttemptVerdict<Int>.success(1)
            }, exhausted: { reason, _ in SyncError(.transient, reason) })
            #expect(value == 1)
            _ = try await pacer.begin(call: "report/integrated/get")
            #expect(clock.now.offset == .milliseconds(1100), "one window after the answer arrived, not after it was read")
        }
    }

    @Test func pauseHoldsEveryCallerBack() async throws {
        let clock = VirtualClock()
        let limiter = RateLimiter(budget: .unlimited, clock: clock)
        await limiter.pause(for: .seconds(5))
        try await limiter.acquire()
        #expect(clock.now.offset == .seconds(5))
    }
}

struct RetryPolicyTests {
    @Test func backsOffExponentiallyWithJitterAndACap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(30), rateLimitDelay: .seconds(5))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let first = policy.delay(afterAttempt: 1, using: &generator)
            #expect(first >= .milliseconds(500) && first <= .seconds(1))
            let third = policy.delay(afterAttempt: 3, using: &generator)
            #expect(third >= .seconds(2) && third <= .seconds(4))
            let capped = policy.delay(afterAttempt: 9, using: &generator)
            #expect(capped >= .seconds(15) && capped <= .seconds(30))
            let limited = policy.delay(afterAttempt: 1, rateLimited: true, using: &generator)
            #expect(limited >= .milliseconds(2500) && limited <= .seconds(5))
        }
    }
}

struct ResponseClassifierTests {
    static func body(_ code: Int, _ message: String = "x") -> HTTPOutcome {
        .response(status: 200, body: Array(#"{"code":\#(code),"message":"\#(message)","request_id":"r","data":{}}"#.utf8))
    }

    enum Expected: Equatable { case success, retry, rateLimited, skip, fatal(SyncError.Kind) }

    @Test(arguments: [
        (body(0, "OK"), Expected.success),
        (body(40100), .rateLimited), (body(40016), .rateLimited), (body(40102), .rateLimited),
        (body(50000), .retry), (body(50001), .retry), (body(50002), .retry), (body(51001), .retry),
        (body(51002), .retry), (body(51039), .retry), (body(51305), .retry), (body(60001), .retry),
        (HTTPOutcome.response(status: 429, body: []), .rateLimited),
        (.response(status: 500, body: []), .retry), (.response(status: 502, body: []), .retry),
        (.response(status: 503, body: []), .retry), (.response(status: 504, body: []), .retry),
        (.response(status: 200, body: Array(#"{"code":0,"message":"OK","data":{"li"#.utf8)), .retry),
        (.transportError("timeout"), .retry),
        (body(40001, "No permission to operate advertiser 1"), .skip),
        (body(40003, "Advertiser doesn't exist or has been deleted"), .skip),
        (body(40105, "Access token is incorrect or has been revoked"), .fatal(.authentication)),
        (body(40104), .fatal(.authentication)),
        (body(40002, "page_size: must be between 1 and 1000"), .fatal(.badRequest)),
    ])
    func classifiesEveryOutcomeOnce(_ outcome: HTTPOutcome, _ expected: Expected) {
        let action = ResponseClassifier.classify(outcome, endpoint: "campaign/get", advertiserID: "1")
        switch (action, expected) {
        case (.success, .success): break
        case (.retry(_, let rateLimited), .retry): #expect(!rateLimited)
        case (.retry(_, let rateLimited), .rateLimited): #expect(rateLimited)
        case (.throttled(_, let signal), .rateLimited): #expect(signal == .tooFrequent)
        case (.fail(let error), .skip): #expect(error.kind == .advertiserUnavailable)
        case (.fail(let error), .fatal(let kind)): #expect(error.kind == kind)
        default: Issue.record("got \(action), expected \(expected)")
        }
    }
}

/// TikTok's three "too many requests" answers, as the simulator words them: each moves the pacer differently.
struct RateLimitAnswerTests {
    func classify(_ message: String) -> ResponseAction {
        let body = #"{"code":40100,"message":"\#(message)","request_id":"r","data":{}}"#
        return ResponseClassifier.classify(.response(status: 200, body: Array(body.utf8)), endpoint: "report/integrated/get", advertiserID: "1")
    }

    @Test func tooManyRequestsSlowsDown() {
        guard case .throttled(_, .tooFrequent) = classify("Due to too many requests, requests from App [a] are temporarily restricted.") else {
            Issue.record("not a plain rate limit")
            return
        }
    }

    @Test func aPerMinuteRestrictionIsWaitedOutForAsLongAsItSays() {
        let minutes = classify("Requests from App [a] to /open_api/v1.3/report/integrated/get/ exceeded the limit of 600 per minute and are restricted; try again in 5 minutes.")
        guard case .throttled(_, .restricted(let wait)) = minutes else { Issue.record("got \(minutes)"); return }
        #expect(wait == .seconds(300))
        let seconds = classify("Requests from App [a] to /open_api/v1.3/report/integrated/get/ exceeded the limit of 600 per minute and are restricted; try again in 40 seconds.")
        guard case .throttled(_, .restricted(let short)) = seconds else { Issue.record("got \(seconds)"); return }
        #expect(short == .seconds(40))
    }

    @Test func aSpentDailyQuotaStopsTheRunSayingWhenItResets() {
        let action = classify("Requests from App [a] to /open_api/v1.3/report/integrated/get/ have used the daily quota of 100000 requests; the quota is reset at 00:00 UTC.")
        guard case .fail(let error) = action else { Issue.record("got \(action)"); return }
        #expect(error.kind == .quotaExhausted && error.stopsRun)
        #expect(error.message.contains("00:00 UTC"))
    }
}
