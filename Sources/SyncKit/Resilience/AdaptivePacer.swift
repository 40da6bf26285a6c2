import Logging

/// What a rate-limit answer means for the pace.
public enum RateLimitSignal: Sendable, Hashable {
    /// Too many requests in the last moments: slow down a little and go on.
    case tooFrequent
    /// The API restricted the app for a while (a per-minute budget was breached); `wait` when the answer named it.
    case restricted(wait: Duration?)
}

/// How one paced call ended.
public enum PacedOutcome: Sendable, Hashable {
    /// The remote answered (anything but a rate limit).
    case answered
    case rateLimited(RateLimitSignal)
    /// No answer came back (timeout, refused connection): says nothing about the budget.
    case noAnswer
}

/// A rate the pacer learned for one endpoint family, kept between runs so a daily schedule starts where the
/// last run settled instead of learning from zero.
public struct LearnedRate: Sendable, Hashable, Codable {
    /// Requests per second the API accepted.
    public var requestsPerSecond: Double
    /// A per-minute budget learned from a restriction, if any.
    public var requestsPerMinute: Int?

    public init(requestsPerSecond: Double, requestsPerMinute: Int? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.requestsPerMinute = requestsPerMinute
    }
}

/// What the pacer did for one endpoint family in a run: the rate it settled on and how many answers were rate limits.
public struct EndpointPacing: Sendable, Hashable, Codable {
    public var endpoint: String
    /// The pace at the end of the run; nil when the endpoint was never paced (no endpoint was limited before it, nor
    /// it: the run went as fast as its concurrency allowed).
    public var requestsPerSecond: Double?
    public var requestsPerMinute: Int?
    public var answers: Int
    public var rateLimitedAnswers: Int
    /// Times the API restricted the app and the pacer waited it out.
    public var restrictions: Int

    public init(endpoint: String, requestsPerSecond: Double?, requestsPerMinute: Int?, answers: Int, rateLimitedAnswers: Int,
                restrictions: Int) {
        self.endpoint = endpoint
        self.requestsPerSecond = requestsPerSecond
        self.requestsPerMinute = requestsPerMinute
        self.answers = answers
        self.rateLimitedAnswers = rateLimitedAnswers
        self.restrictions = restrictions
    }
}

/// How the adaptive pacer moves.
public struct AdaptivePacingSettings: Sendable, Hashable {
    /// A configured budget: a ceiling on all calls together that is never exceeded (see `RateLimiter`).
    public var ceiling: RateBudget
    /// The slowest pace it ever falls to, requests per second.
    public var floor: Double
    /// The factor applied to the pace after a rate-limit answer.
    public var decrease: Double
    /// While callers wait on the pace, it grows by these shares of itself per second: `recovery` below `nearLimit` ×
    /// the pace the API last refused (back there within a second or two of a cut), `creep` from there (so the limit is
    /// probed about once a minute: every probe costs the calls already in flight, more of them the longer the
    /// latency), and `explore` once past the old limit without a refusal (the budget grew).
    public var recovery: Double
    public var creep: Double
    public var explore: Double
    public var nearLimit: Double
    /// The first pace, after the first rate-limit answer of an endpoint never paced before: this share of the
    /// answers the API accepted in the second before (refined by the answers still coming back).
    public var firstEstimateShare: Double
    /// Rate-limit answers in a row, each one window after the pace was cut, that mean the app is restricted
    /// rather than a little too fast.
    public var restrictedAfter: Int
    /// How long to hold an endpoint back when restricted without being told how long, by how many times it was.
    public var restrictionWaits: [Duration]
    /// The share of the calls counted in the minute before a restriction taken as the endpoint's per-minute budget.
    public var perMinuteShare: Double

    public init(ceiling: RateBudget = .unlimited, floor: Double = 1, decrease: Double = 0.9, recovery: Double = 0.05,
                creep: Double = 0.001, explore: Double = 0.01, nearLimit: Double = 0.95,
                firstEstimateShare: Double = 0.9, restrictedAfter: Int = 3,
                restrictionWaits: [Duration] = [.seconds(60), .seconds(120), .seconds(300)], perMinuteShare: Double = 0.9) {
        self.ceiling = ceiling
        self.floor = floor
        self.decrease = decrease
        self.recovery = recovery
        self.creep = creep
        self.explore = explore
        self.nearLimit = nearLimit
        self.firstEstimateShare = firstEstimateShare
        self.restrictedAfter = restrictedAfter
        self.restrictionWaits = restrictionWaits
        self.perMinuteShare = perMinuteShare
    }

    /// The longest a named restriction is waited out (a longer one is the daily quota or a broken answer).
    public static let longestRestriction: Duration = .seconds(15 * 60)
}

/// Finds and keeps the pace the API accepts, per endpoint family, without being told the budget.
///
/// An endpoint never rate limited is not paced at all (only the configured ceiling applies). Its first rate-limit
/// answer sets its pace to a share of what the API accepted in the last second, and from then on calls are spaced
/// evenly at that pace. It falls by `decrease` on a rate-limit answer to a call sent at least one window after the
/// last cut (earlier calls were sent at the old pace, and the server's window still held them), and remembers the
/// pace that was refused. While answers succeed and callers wait on it, it grows back quickly to just under that
/// pace, then creeps, so the limit is probed rarely: each probe costs every call already in flight. Rate-limit
/// answers that go on after several cuts, or an answer that names a wait, mean the app is restricted (TikTok's
/// per-minute penalty): the endpoint waits it out, and the calls counted in the minute before become its
/// per-minute budget, so it is not breached again. A configured budget stays a hard ceiling on arrivals at the server.
public actor AdaptivePacer<C: Clock> where C.Duration == Duration {
    private struct Endpoint {
        var rate: Double?
        /// The pace the API last refused, or the first estimate of its budget.
        var limit: Double?
        /// When the pace last grew (growth is per second of waiting callers).
        var grownAt: C.Instant?
        /// Until then, answers still coming back from before the first cut refine the first estimate.
        var estimatingUntil: C.Instant?
        var perMinute: Int?
        var nextSendAt: C.Instant?
        var lastCutAt: C.Instant?
        var restrictedUntil: C.Instant?
        var lastWaitedAt: C.Instant?
        /// Rate-limit answers since the last success that each came a window after a cut.
        var limitedAfterCuts = 0
        var restrictions = 0
        var answers = 0
        var rateLimited = 0
        /// The API taught this pace: the endpoint was rate limited, in this run or in the one whose pace it starts from.
        /// Only such paces are kept for the next run; one seeded from another endpoint's is a guess.
        var taught = false
        /// Send instants of the last minute, in time order.
        var sends: [C.Instant] = []
        /// Success instants of the last second.
        var successes: [C.Instant] = []

        /// Forgets the sends at or before `instant`, in place: they are the oldest, so only they are visited (scanning
        /// every send of the last minute on each call made a fast sync's pacing quadratic in its calls per minute).
        mutating func forgetSends(through instant: C.Instant) {
            sends.removeFirst(sends.prefix { $0 <= instant }.count)
        }
    }

    private struct InFlight {
        var endpoint: String
        var sentAt: C.Instant
        var ceilingTicket: PacingTicket?
    }

    private let clock: C
    private let settings: AdaptivePacingSettings
    private let ceiling: RateLimiter<C>?
    private let logger: Logger
    private var endpoints: [String: Endpoint] = [:]
    private var inFlight: [UInt64: InFlight] = [:]
    private var nextID: UInt64 = 0
    private var pausedUntil: C.Instant?

    public init(settings: AdaptivePacingSettings = AdaptivePacingSettings(), learned: [String: LearnedRate] = [:], clock: C,
                logger: Logger) {
        self.clock = clock
        self.settings = settings
        self.logger = logger
        let hasCeiling = (settings.ceiling.perSecond ?? 0) > 0 || (settings.ceiling.perMinute ?? 0) > 0
        ceiling = hasCeiling ? RateLimiter(budget: settings.ceiling, clock: clock) : nil
        for (endpoint, rate) in learned {
            var state = Endpoint()
            state.rate = min(max(rate.requestsPerSecond, settings.floor), Self.ceilingRate(settings.ceiling) ?? .infinity)
            state.limit = state.rate
            state.perMinute = rate.requestsPerMinute.map { max(1, $0) }
            state.taught = true
            endpoints[endpoint] = state
        }
    }

    private static func ceilingRate(_ budget: RateBudget) -> Double? {
        guard let perSecond = budget.perSecond, perSecond > 0 else { return nil }
        return Double(perSecond)
    }

    // MARK: Pacing calls

    /// Waits until a call to `endpoint` may be sent.
    public func begin(_ endpoint: String) async throws -> PacingTicket {
        if endpoints[endpoint]?.rate == nil,
           let prior = endpoints.values.filter({ $0.limit != nil && $0.rate != nil }).max(by: { $0.rate! < $1.rate! }) {
            // TikTok sets every endpoint's budget from the app's tier: one not limited yet goes on at the pace and the
            // limit another was found to have, instead of a burst of `concurrency` calls that the API refuses; it
            // creeps past that limit like the others if its own budget is larger.
            var seeded = endpoints[endpoint] ?? Endpoint()
            (seeded.rate, seeded.limit) = (prior.rate, prior.limit)
            endpoints[endpoint] = seeded
        }
        while true {
            try Task.checkCancellation()
            let now = clock.now
            let earliest = earliestSend(endpoint, now: now)
            if earliest > now {
                // The pace grows only on callers it holds back itself, not on ones a per-minute budget spaces.
                if let state = endpoints[endpoint], let rate = state.rate, Self.gap(state) <= 1 / rate {
                    endpoints[endpoint]?.lastWaitedAt = now
                }
                try await clock.sleep(until: earliest, tolerance: nil)
                continue
            }
            // Claim the spacing slot before waiting on the ceiling, so concurrent callers queue behind it.
            var state = endpoints[endpoint, default: Endpoint()]
            let gap = Self.gap(state)
            if gap > 0 { state.nextSendAt = now.advanced(by: .seconds(gap)) }
            endpoints[endpoint] = state
            let ceilingTicket = try await ceiling?.begin()
            let sentAt = clock.now
            endpoints[endpoint, default: Endpoint()].sends.append(sentAt)
            nextID += 1
            inFlight[nextID] = InFlight(endpoint: endpoint, sentAt: sentAt, ceilingTicket: ceilingTicket)
            return PacingTicket(id: nextID)
        }
    }

    /// Seconds between two calls to an endpoint: its pace's, or its per-minute budget spread evenly over the minute
    /// when that is slower. Spent in bursts at the pace, a per-minute budget would leave the rest of each minute idle.
    private static func gap(_ state: Endpoint) -> Double {
        max(state.rate.map { 1 / $0 } ?? 0, state.perMinute.map { 60 / Double($0) } ?? 0)
    }

    /// The send instants kept for `endpoint` (tests: only the last minute's are).
    func sendsRemembered(for endpoint: String) -> Int { endpoints[endpoint]?.sends.count ?? 0 }

    private func earliestSend(_ endpoint: String, now: C.Instant) -> C.Instant {
        var earliest = now
        if let pausedUntil { earliest = max(earliest, pausedUntil) }
        endpoints[endpoint]?.forgetSends(through: now.advanced(by: .seconds(-60)))
        guard let state = endpoints[endpoint] else { return earliest }
        if let until = state.restrictedUntil { earliest = max(earliest, until) }
        if let next = state.nextSendAt { earliest = max(earliest, next) }
        if let perMinute = state.perMinute, state.sends.count >= perMinute {
            earliest = max(earliest, state.sends[state.sends.count - perMinute].advanced(by: .seconds(60)))
        }
        return earliest
    }

    /// The call's answer has arrived (not read yet): the configured ceiling starts the end of the call's window now.
    func ceilingAnswerArrived(_ ticket: PacingTicket) async {
        guard let ceilingTicket = inFlight[ticket.id]?.ceilingTicket else { return }
        await ceiling?.end(ceilingTicket)
    }

    /// The call's answer is back. Returns how long its caller waits before retrying after a rate limit (the pace,
    /// not the retry policy, decides: zero, since the next attempt waits its turn here).
    @discardableResult
    public func end(_ ticket: PacingTicket, _ outcome: PacedOutcome) async -> Duration? {
        guard let call = inFlight.removeValue(forKey: ticket.id) else { return nil }
        if let ceilingTicket = call.ceilingTicket { await ceiling?.end(ceilingTicket) }
        let now = clock.now
        var state = endpoints[call.endpoint, default: Endpoint()]
        defer { endpoints[call.endpoint] = state }
        switch outcome {
        case .noAnswer:
            return nil
        case .answered:
            state.answers += 1
            state.limitedAfterCuts = 0
            let secondAgo = now.advanced(by: .seconds(-1))
            state.successes.removeAll { $0 <= secondAgo }
            state.successes.append(now)
            if let until = state.estimatingUntil, now < until {
                // An answer to a call sent before the first cut: the API accepted more than was known at the cut.
                let accepted = Double(state.successes.count)
                if accepted > state.limit ?? 0 {
                    state.limit = accepted
                    state.rate = clamp(accepted * settings.firstEstimateShare)
                }
            } else if let rate = state.rate {
                let waiting = state.lastWaitedAt.map { $0 > secondAgo } ?? false
                let elapsed = state.grownAt.map { min(1, $0.duration(to: now).seconds) } ?? 0
                if waiting, elapsed > 0 { state.rate = clamp(rate * (1 + growth(at: rate, limit: state.limit) * elapsed)) }
                state.grownAt = now
            }
            return nil
        case .rateLimited(let signal):
            state.answers += 1
            state.rateLimited += 1
            state.taught = true
            switch signal {
            case .restricted(let wait):
                restrict(&state, endpoint: call.endpoint, now: now, wait: wait)
            case .tooFrequent:
                let windowAfterCut = state.lastCutAt.map { call.sentAt >= $0.advanced(by: .seconds(1)) } ?? true
                guard windowAfterCut else { return .zero }
                if state.lastCutAt != nil { state.limitedAfterCuts += 1 }
                if state.limitedAfterCuts >= settings.restrictedAfter {
                    restrict(&state, endpoint: call.endpoint, now: now, wait: nil)
                } else {
                    cut(&state, now: now)
                }
            }
            return .zero
        }
    }

    private func cut(_ state: inout Endpoint, now: C.Instant) {
        let secondAgo = now.advanced(by: .seconds(-1))
        if let rate = state.rate {
            // What the API accepted in the last second measures its budget when it fell below the pace (a budget
            // that shrank, another client on the same app): fall to it at once, by at most half, not step by step.
            let accepted = Double(state.successes.filter { $0 > secondAgo }.count)
            state.limit = rate
            state.rate = clamp(min(rate, max(accepted, rate / 2)) * settings.decrease)
            state.nextSendAt = now.advanced(by: .seconds(1 / state.rate!))
        } else {
            // Never paced: the server's window of one second held what it accepted in the last second when it said
            // "too many"; start just under that, once that second has slid by. Answers to calls sent before now
            // that come back in that second raise the estimate.
            let accepted = Double(max(1, state.successes.filter { $0 > secondAgo }.count))
            state.limit = accepted
            state.rate = clamp(accepted * settings.firstEstimateShare)
            state.nextSendAt = now.advanced(by: .seconds(1))
            state.estimatingUntil = state.nextSendAt
        }
        state.grownAt = nil
        state.lastCutAt = now
    }

    /// The share of itself the pace grows by per second of waiting callers, by how near it is to the refused pace.
    private func growth(at rate: Double, limit: Double?) -> Double {
        guard let limit else { return settings.explore }
        if rate < limit * settings.nearLimit { return settings.recovery }
        return rate < limit ? settings.creep : settings.explore
    }

    private func clamp(_ rate: Double) -> Double {
        min(max(settings.floor, rate), Self.ceilingRate(settings.ceiling) ?? .infinity)
    }

    private func restrict(_ state: inout Endpoint, endpoint: String, now: C.Instant, wait: Duration?) {
        let waits = settings.restrictionWaits.isEmpty ? [Duration.seconds(60)] : settings.restrictionWaits
        let duration = min(wait ?? waits[min(state.restrictions, waits.count - 1)], AdaptivePacingSettings.longestRestriction)
        // Answers to calls sent before the restriction began say the same thing again.
        if let until = state.restrictedUntil, until > now { return }
        let minuteAgo = now.advanced(by: .seconds(-60))
        // The calls of the last minute measure the per-minute budget only when no restriction held them back then.
        if state.restrictedUntil.map({ $0 <= minuteAgo }) ?? true {
            let sentLastMinute = state.sends.filter { $0 > minuteAgo }.count
            let learned = max(1, Int((Double(sentLastMinute) * settings.perMinuteShare).rounded(.down)))
            state.perMinute = min(state.perMinute ?? learned, learned)
        }
        state.restrictions += 1
        state.limitedAfterCuts = 0
        cut(&state, now: now)
        let until = now.advanced(by: duration)
        state.restrictedUntil = until
        state.nextSendAt = until
        logger.warning("TikTok restricted requests; holding this endpoint back", metadata: [
            "endpoint": "\(endpoint)", "wait_seconds": "\(duration.components.seconds)",
            "requests_per_minute": "\(state.perMinute ?? 0)",
        ])
    }

    /// Holds every endpoint back until `duration` from now.
    public func pause(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let pausedUntil, pausedUntil > until { return }
        pausedUntil = until
    }

    // MARK: What it learned

    /// Per endpoint, the pace at this moment and its counters, sorted by endpoint.
    public func report() -> [EndpointPacing] {
        endpoints.sorted { $0.key < $1.key }.map { endpoint, state in
            EndpointPacing(endpoint: endpoint, requestsPerSecond: state.rate, requestsPerMinute: state.perMinute,
                           answers: state.answers, rateLimitedAnswers: state.rateLimited, restrictions: state.restrictions)
        }
    }

    /// The paces worth starting the next run from: every endpoint the API has limited.
    public func learnedRates() -> [String: LearnedRate] {
        endpoints.compactMapValues { state in
            guard state.taught, let rate = state.rate else { return nil }
            return LearnedRate(requestsPerSecond: rate, requestsPerMinute: state.perMinute)
        }
    }
}

/// A pacer keyed by endpoint family, as `RetryingCaller` uses it.
extension AdaptivePacer: RequestPacer {
    public func begin(call: String) async throws -> PacingTicket { try await begin(call) }
    public func end(_ ticket: PacingTicket, outcome: PacedOutcome) async -> Duration? { await end(ticket, outcome) }
    public func answerArrived(_ ticket: PacingTicket) async { await ceilingAnswerArrived(ticket) }
}
