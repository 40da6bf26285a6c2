/// Something that paces outgoing calls: waits before each call, and holds calls back after a rate-limit answer.
public protocol RequestPacer: Sendable {
    /// Waits until a call may be made; the call counts from now.
    func acquire() async throws
    /// Waits until a call may be made; the call counts from now until `end` reports its answer.
    func begin() async throws -> PacingTicket
    /// The call's answer is back (or it failed).
    func end(_ ticket: PacingTicket) async
    /// Holds every caller back for `duration` (after a rate-limit answer).
    func pause(for duration: Duration) async
}

extension RequestPacer {
    /// A pacer that does not track answers counts each call from the moment it is let through.
    public func begin() async throws -> PacingTicket {
        try await acquire()
        return PacingTicket(id: 0)
    }

    public func end(_ ticket: PacingTicket) async {}
}

extension RateLimiter: RequestPacer {}

/// A rate limiter on any clock, as a pacer (opens the existential clock).
public func makeRateLimiter(_ budget: RateBudget, clock: any Clock<Duration>) -> any RequestPacer {
    func make<Opened: Clock>(_ clock: Opened) -> any RequestPacer where Opened.Duration == Duration {
        RateLimiter<Opened>(budget: budget, clock: clock)
    }
    return make(clock)
}
