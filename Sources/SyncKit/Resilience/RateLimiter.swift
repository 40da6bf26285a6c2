/// Budgets of requests per second and per minute, as TikTok enforces them per app.
public struct RateBudget: Sendable, Hashable, Codable {
    public var perSecond: Int?
    public var perMinute: Int?

    public init(perSecond: Int? = nil, perMinute: Int? = nil) {
        self.perSecond = perSecond
        self.perMinute = perMinute
    }

    public static let unlimited = RateBudget()
}

/// Paces calls before they are made so that no sliding one-second or one-minute window holds more
/// calls than the budget, shared by every concurrent task; and holds everyone back after the API
/// says it is rate limited.
///
/// A call is counted at the instant it is let through, right before it is sent, not when a slot is
/// reserved: a caller that wakes late (a loaded machine) is counted late, so late callers never bunch
/// with punctual ones at the server. A margin per window absorbs the time from here to the wire.
public actor RateLimiter<C: Clock> where C.Duration == Duration {
    private let clock: C
    private let budget: RateBudget
    /// Added to each window so that requests a little early on the wire still fall inside the budget.
    private let safetyMargin: Duration
    /// The instants calls were let through, oldest first (at most twice the budget kept).
    private var secondWindow: [C.Instant] = []
    private var minuteWindow: [C.Instant] = []
    private var pausedUntil: C.Instant?

    public init(budget: RateBudget, clock: C, safetyMargin: Duration = .milliseconds(50)) {
        self.budget = budget
        self.clock = clock
        self.safetyMargin = safetyMargin
    }

    /// Waits until a call may be made, then counts it at that instant.
    public nonisolated func acquire() async throws {
        while true {
            try Task.checkCancellation()
            guard let earliest = await admitOrWait() else { return }
            try await clock.sleep(until: earliest, tolerance: nil)
        }
    }

    /// Stops every caller until `duration` from now (after a rate-limit answer).
    public func pause(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let pausedUntil, pausedUntil > until { return }
        pausedUntil = until
    }

    /// Counts a call and returns nil when one may be made now; otherwise the earliest instant worth asking again.
    private func admitOrWait() -> C.Instant? {
        let now = clock.now
        var earliest = now
        if let pausedUntil, pausedUntil > earliest { earliest = pausedUntil }
        if let limit = budget.perSecond, limit > 0, secondWindow.count >= limit {
            earliest = max(earliest, secondWindow[secondWindow.count - limit].advanced(by: .seconds(1) + safetyMargin))
        }
        if let limit = budget.perMinute, limit > 0, minuteWindow.count >= limit {
            earliest = max(earliest, minuteWindow[minuteWindow.count - limit].advanced(by: .seconds(60) + safetyMargin))
        }
        guard earliest <= now else { return earliest }
        if let limit = budget.perSecond, limit > 0 {
            secondWindow.append(now)
            if secondWindow.count > limit * 2 { secondWindow.removeFirst(secondWindow.count - limit) }
        }
        if let limit = budget.perMinute, limit > 0 {
            minuteWindow.append(now)
            if minuteWindow.count > limit * 2 { minuteWindow.removeFirst(minuteWindow.count - limit) }
        }
        return nil
    }
}
