import Logging
@testable import SyncKit
import Testing
import TestSupport

/// The adaptive pacer against a model of TikTok's limits, all on a virtual clock: one caller sends, the model
/// server counts the arrival at that instant, the answer comes back `latency` later.
struct AdaptivePacerTests {
    /// TikTok's budgets for one endpoint, over sliding windows of virtual time.
    final class ModelServer {
        var perSecond: Int?
        var perMinute: Int?
        var penalty: Duration = .seconds(300)
        /// When set, a breach of the per-minute budget answers with the generic message (no named wait).
        var genericPenaltyMessage = false
        private(set) var arrivals: [Duration] = []
        private(set) var accepted: [Duration] = []
        private(set) var rateLimited = 0
        private(set) var penaltyStarts: [Duration] = []
        var penaltiesTriggered: Int { penaltyStarts.count }
        private var penaltyUntil: Duration?

        init(perSecond: Int? = nil, perMinute: Int? = nil) {
            self.perSecond = perSecond
            self.perMinute = perMinute
        }

        func answer(at now: Duration) -> PacedOutcome {
            arrivals.append(now)
            if let until = penaltyUntil, now < until {
                rateLimited += 1
                return .rateLimited(genericPenaltyMessage ? .tooFrequent : .restricted(wait: until - now))
            }
            if let perMinute, accepted.filter({ $0 > now - .seconds(60) }).count >= perMinute {
                penaltyStarts.append(now)
                penaltyUntil = now + penalty
                rateLimited += 1
                return .rateLimited(genericPenaltyMessage ? .tooFrequent : .restricted(wait: penalty))
            }
            if let perSecond, accepted.reversed().prefix(while: { $0 > now - .seconds(1) }).count >= perSecond {
                rateLimited += 1
                return .rateLimited(.tooFrequent)
            }
            accepted.append(now)
            return .answered
        }
    }

    static let endpoint = "report/integrated/get"

    /// Sends `calls` calls one after another through `pacer` (a rate-limited call is sent again, as the retry loop
    /// does); returns the instants of the answers that were accepted.
    @discardableResult
    func drive(_ pacer: AdaptivePacer<VirtualClock>, server: ModelServer, clock: VirtualClock, calls: Int,
               latency: Duration = .milliseconds(20)) async throws -> [Duration] {
        var done: [Duration] = []
        while done.count < calls {
            let ticket = try await pacer.begin(Self.endpoint)
            let outcome = server.answer(at: clock.now.offset)
            clock.advance(by: latency)
            _ = await pacer.end(ticket, outcome)
            if outcome == .answered { done.append(clock.now.offset) }
        }
        return done
    }


    func pacer(_ clock: VirtualClock, settings: AdaptivePacingSettings = AdaptivePacingSettings(),
               learned: [String: LearnedRate] = [:]) -> AdaptivePacer<VirtualClock> {
        AdaptivePacer(settings: settings, learned: learned, clock: clock, logger: Logger(label: "test"))
    }

    @Test func anEndpointNeverLimitedIsNeverPaced() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        let server = ModelServer()
        try await drive(pacer, server: server, clock: clock, calls: 500, latency: .zero)
        #expect(clock.now.offset == .zero, "no call waited")
        #expect(await pacer.report().first?.requestsPerSecond == nil)
        #expect(await pacer.learnedRates().isEmpty)
    }

    /// Only the last minute's sends are kept (the per-minute budget needs no more), however long the run.
    @Test func itRemembersOnlyTheLastMinutesSends() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        try await drive(pacer, server: ModelServer(), clock: clock, calls: 3_000, latency: .milliseconds(100))
        #expect(clock.now.offset == .seconds(300))
        // One send every 100 ms: the one of the instant a minute ago is the oldest that may still count.
        #expect(await pacer.sendsRemembered(for: Self.endpoint) <= 601)
    }

    /// Rise and settle: from no knowledge, it finds the budget and runs just under it.
    @Test(arguments: [5, 20, 50])
    func itSettlesJustUnderTheBudget(perSecond: Int) async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        let server = ModelServer(perSecond: perSecond)
        let calls = perSecond * 120
        let answers = try await drive(pacer, server: server, clock: clock, calls: calls, latency: .milliseconds(5))
        // After the first 30 seconds, the accepted rate is within 1.15x of the budget.
        let later = answers.filter { $0 >= .seconds(30) }
        let seconds = Double((later.last! - later.first!).components.seconds)
        let rate = Double(later.count - 1) / seconds
        #expect(rate >= Double(perSecond) / 1.15, "settled at \(rate)/s for a budget of \(perSecond)/s")
        #expect(Double(server.rateLimited) < 0.03 * Double(calls), "\(server.rateLimited) rate-limit answers of \(calls)")
        let settled = try #require(await pacer.report().first?.requestsPerSecond)
        #expect(settled <= Double(perSecond) * 1.05)
    }

    /// Fall: when the budget shrinks mid-run, the pace follows it down.
    @Test func itFollowsABudgetThatShrinks() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        let server = ModelServer(perSecond: 20)
        try await drive(pacer, server: server, clock: clock, calls: 2_000)
        server.perSecond = 8
        let before = server.rateLimited
        let start = clock.now.offset
        try await drive(pacer, server: server, clock: clock, calls: 1_600)
        let seconds = Double((clock.now.offset - start).components.seconds)
        #expect(Double(1_600) / seconds >= 8 / 1.2)
        #expect(server.rateLimited - before < 48, "3% of 1,600")
        #expect(try #require(await pacer.report().first?.requestsPerSecond) <= 8.4)
    }

    /// A configured budget is a ceiling the pace never crosses, even where the API would accept more.
    @Test func aConfiguredBudgetIsACeiling() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock, settings: AdaptivePacingSettings(ceiling: RateBudget(perSecond: 8)))
        let server = ModelServer(perSecond: 20)
        try await drive(pacer, server: server, clock: clock, calls: 800)
        #expect(server.arrivals.mostInAnyWindow(of: .seconds(1)) <= 8)
        #expect(server.rateLimited == 0)
        // Keeps the ceiling saturated: 800 calls at 8/s, each slot held one window after its answer (20 ms later).
        #expect(clock.now.offset <= .seconds(103), "\(clock.now.offset)")
    }

    /// A restriction that names its wait is waited out, never probed; the calls of the minute before become the
    /// endpoint's per-minute budget, so it is not breached again.
    @Test func aNamedRestrictionIsWaitedOutAndNotProvokedAgain() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        let server = ModelServer(perSecond: 20, perMinute: 600)
        try await drive(pacer, server: server, clock: clock, calls: 3_000)
        #expect(server.penaltiesTriggered == 1)
        // Nothing arrived during the penalty but the calls already on their way.
        let penaltyStart = try #require(server.penaltyStarts.first)
        let during = server.arrivals.filter { $0 > penaltyStart + .seconds(1) && $0 < penaltyStart + .seconds(300) }
        #expect(during.isEmpty)
        #expect((server.arrivals.filter { $0 > penaltyStart + .seconds(300) }).mostInAnyWindow(of: .seconds(60)) <= 600)
        let report = try #require(await pacer.report().first)
        #expect(report.restrictions == 1)
        #expect(try #require(report.requestsPerMinute) <= 600)
    }

    /// Rate limits that go on after the pace was cut several times (TikTok's per-minute penalty, told only by its
    /// generic message) are taken as a restriction: the endpoint waits for minutes instead of hammering.
    @Test func rateLimitsThatGoOnAreTakenAsARestriction() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        let server = ModelServer(perSecond: 20, perMinute: 600)
        server.genericPenaltyMessage = true
        try await drive(pacer, server: server, clock: clock, calls: 3_000)
        #expect(server.penaltiesTriggered == 1)
        // A few probes after each wait (60 s, 120 s, then 300 s) over a 300 s penalty: dozens, not the thousands a
        // client that keeps retrying would send.
        #expect(server.rateLimited < 100, "\(server.rateLimited) rate-limit answers")
        #expect(try #require(await pacer.report().first?.restrictions) >= 1)
    }

    /// The pace learned in one run is where the next one starts.
    @Test func aLearnedPaceIsWhereTheNextRunStarts() async throws {
        let clock = VirtualClock()
        let first = pacer(clock)
        let server = ModelServer(perSecond: 10)
        try await drive(first, server: server, clock: clock, calls: 1_500)
        let learned = await first.learnedRates()
        let rate = try #require(learned[Self.endpoint]?.requestsPerSecond)
        #expect(rate > 7 && rate <= 10.5)

        let nextClock = VirtualClock()
        let next = pacer(nextClock, learned: learned)
        let nextServer = ModelServer(perSecond: 10)
        try await drive(next, server: nextServer, clock: nextClock, calls: 100)
        #expect(nextServer.rateLimited <= 1, "starts at the learned pace, not with a burst")
        #expect(nextServer.arrivals.mostInAnyWindow(of: .seconds(1)) <= 11)
    }

    /// An endpoint paced only because another was limited (seeded from its pace) is not kept for the next run: only
    /// what the API taught is. Once it is limited itself, its pace is kept.
    @Test func aPaceSeededFromAnotherEndpointIsNotKept() async throws {
        let clock = VirtualClock()
        let pacer = pacer(clock)
        try await drive(pacer, server: ModelServer(perSecond: 10), clock: clock, calls: 300)
        let listing = "campaign/get"
        let seeded = try await pacer.begin(listing)
        _ = await pacer.end(seeded, .answered)
        let paced = await pacer.report().first { $0.endpoint == listing }
        #expect(paced?.requestsPerSecond != nil, "the listing goes on at the report endpoint's pace")
        #expect(Set(await pacer.learnedRates().keys) == [Self.endpoint])

        let limited = try await pacer.begin(listing)
        _ = await pacer.end(limited, .rateLimited(.tooFrequent))
        #expect(Set(await pacer.learnedRates().keys) == [Self.endpoint, listing])
    }
}
