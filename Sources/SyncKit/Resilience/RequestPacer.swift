import Logging

/// Something that paces outgoing calls: waits before each call, and learns from each answer.
public protocol RequestPacer: Sendable {
    /// Waits until a call may be made; `call` names its endpoint family (pacers that pace per endpoint use it).
    func begin(call: String) async throws -> PacingTicket
    /// The call's answer has arrived, before it is read: the server counted the call no later than now. A pacer that
    /// keeps a call's place in its window until after its answer (`RateLimiter`) starts that wait here, so the time
    /// spent reading the answer is not added to it. `end` follows with the outcome.
    func answerArrived(_ ticket: PacingTicket) async
    /// The call's answer is back (or it failed). After a rate limit, returns how long the caller waits before its
    /// retry when the pacer decides (nil: the retry policy decides, and `pause` holds everyone back).
    func end(_ ticket: PacingTicket, outcome: PacedOutcome) async -> Duration?
    /// Holds every caller back for `duration` (after a rate-limit answer the pacer left to the retry policy).
    func pause(for duration: Duration) async
}

extension RequestPacer {
    public func answerArrived(_ ticket: PacingTicket) async {}
}

extension RateLimiter: RequestPacer {
    public func begin(call: String) async throws -> PacingTicket { try await begin() }

    public func answerArrived(_ ticket: PacingTicket) async { await end(ticket) }

    public func end(_ ticket: PacingTicket, outcome: PacedOutcome) async -> Duration? {
        await end(ticket)
        return nil
    }
}

/// A rate limiter on any clock, as a pacer (opens the existential clock).
public func makeRateLimiter(_ budget: RateBudget, clock: any Clock<Duration>) -> any RequestPacer {
    func make<Opened: Clock>(_ clock: Opened) -> any RequestPacer where Opened.Duration == Duration {
        RateLimiter<Opened>(budget: budget, clock: clock)
    }
    return make(clock)
}

/// An adaptive pacer on any clock (opens the existential clock).
public func makeAdaptivePacer(_ settings: AdaptivePacingSettings, learned: [String: LearnedRate], clock: any Clock<Duration>,
                              logger: Logger) -> any AdaptiveRequestPacer {
    func make<Opened: Clock>(_ clock: Opened) -> any AdaptiveRequestPacer where Opened.Duration == Duration {
        AdaptivePacer<Opened>(settings: settings, learned: learned, clock: clock, logger: logger)
    }
    return make(clock)
}

/// A pacer that learns the API's budget and can say what it learned.
public protocol AdaptiveRequestPacer: RequestPacer {
    func report() async -> [EndpointPacing]
    func learnedRates() async -> [String: LearnedRate]
}

extension AdaptivePacer: AdaptiveRequestPacer {}
