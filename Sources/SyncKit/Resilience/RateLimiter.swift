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
/// Each `acquire()` reserves the earliest instant allowed and sleeps until then, so callers are
/// served in order and the windows stay exact however many tasks wait.
public actor RateLimiter<C: Clock> where C.Duration == Duration {
    private let clock: C
    private let budget: RateBudget
    /// Added to each window so that requests a little early on the wire still fall inside the budget.
    private let safetyMargin: Duration
    private var secondWindow: [C.Instant] = []
    private var minuteWindow: [C.Instant] = []
    private var pausedUntil: C.Instant?

    public init(budget: RateBudget, clock: C, safetyMargin: Duration = .milliseconds(50)) {
        self.budget = budget
        self.clock = clock
        self.safetyMargin = safetyMargin
    }

    /// Waits until a call may be made, then counts it.
    public nonisolated func acquire() async throws {
        let slot = await reserve()
        if slot > clock.now {
            try await clock.sleep(until: slot, tolerance: nil)
        }
    }

    /// Stops every caller until `duration` from now (after a rate-limit answer).
    public func pause(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let pausedUntil, pausedUntil > until { return }
        pausedUntil = until
    }

    private func reserve() -> C.Instant {
        var slot = clock.now
        if let pausedUntil, pausedUntil > slot { slot = pausedUntil }
        if let limit = budget.perSecond, limit > 0, secondWindow.count >= limit {
            slot = max(slot, secondWindow[secondWindow.count - limit].advanced(by: .seconds(1) + safetyMargin))
        }
        if let limit = budget.perMinute, limit > 0, minuteWindow.count >= limit {
            slot = max(slot, minuteWindow[minuteWindow.count - limit].advanced(by: .seconds(60) + safetyMargin))
        }
        if let limit = budget.perSecond, limit > 0 {
            secondWindow.append(slot)
            if secondWindow.count > limit * 2 { secondWindow.removeFirst(secondWindow.count - limit) }
        }
        if let limit = budget.perMinute, limit > 0 {
            minuteWindow.append(slot)
            if minuteWindow.count > limit * 2 { minuteWindow.removeFirst(minuteWindow.count - limit) }
        }
        return slot
    }
}
