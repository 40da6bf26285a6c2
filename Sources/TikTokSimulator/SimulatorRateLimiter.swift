import Synchronization

/// TikTok's budgets as TikTok keeps them, per app and per endpoint: QPS and QPM over sliding windows of the budget
/// clock (a QPM breach restricts the endpoint for a penalty period), and a daily quota (QPD) per UTC day of the
/// simulated clock. Every arrival counts against every budget of its endpoint, whether it is answered or refused.
final class SimulatorRateLimiter: Sendable {
    /// How one arrival is answered.
    enum Verdict: Sendable, Equatable {
        case admitted
        /// Over the endpoint's QPS.
        case qps(limit: Int)
        /// Over the endpoint's QPM, or inside the penalty a breach started; `retryAfter` is what is left of it.
        case qpm(limit: Int, retryAfter: Duration)
        /// The endpoint's daily quota is spent.
        case daily(limit: Int)

        var kind: RateLimitKind? {
            switch self {
            case .admitted: nil
            case .qps: .qps
            case .qpm: .qpm
            case .daily: .daily
            }
        }
    }

    private struct EndpointState {
        var budget: SimulatorOptions.EndpointBudget
        var second = SlidingWindow(span: .seconds(1))
        var minute = SlidingWindow(span: .seconds(60))
        var penaltyUntil: Duration?
        var day: Int64 = .min
        var today = 0
    }

    let limits: SimulatorOptions.RateLimit
    /// Time on the budget clock since the limiter was made.
    private let elapsed: @Sendable () -> Duration
    private let state = Mutex<[String: EndpointState]>([:])

    init(limits: SimulatorOptions.RateLimit, clock: any Clock<Duration> = ContinuousClock()) {
        self.limits = limits
        elapsed = Self.stopwatch(clock)
    }

    private static func stopwatch<C: Clock>(_ clock: C) -> @Sendable () -> Duration where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    /// Counts one request arriving at `endpoint` (normalized, e.g. "campaign/get") on UTC day `day` of the simulated
    /// clock (days since 1970-01-01). `arrived` is called with the arrival instant and whether this arrival started a
    /// QPM penalty, under the limiter's lock, so arrivals are reported in the order they were counted.
    func admit(endpoint: String, day: Int64, arrived: (_ at: Duration, _ startedPenalty: Bool) -> Void) -> Verdict {
        state.withLock { states in
            let now = elapsed()
            var s = states[endpoint] ?? EndpointState(budget: limits.budget(for: endpoint))
            defer { states[endpoint] = s }
            var verdict = Verdict.admitted
            var startedPenalty = false
            if let qps = s.budget.qps, s.second.add(now) > qps {
                verdict = .qps(limit: qps)
            }
            if let qpm = s.budget.qpm {
                let breach = s.minute.add(now) > qpm
                if let until = s.penaltyUntil, until <= now { s.penaltyUntil = nil }
                if breach, s.penaltyUntil == nil {
                    s.penaltyUntil = now + .milliseconds(Int64((max(0, s.budget.qpmPenaltySeconds ?? 300) * 1000).rounded()))
                    startedPenalty = true
                }
                if breach || s.penaltyUntil != nil {
                    verdict = .qpm(limit: qpm, retryAfter: max(.zero, (s.penaltyUntil ?? now) - now))
                }
            }
            if let qpd = s.budget.qpd {
                if s.day != day { (s.day, s.today) = (day, 0) }
                s.today += 1
                if s.today > qpd { verdict = .daily(limit: qpd) }
            }
            arrived(now, startedPenalty)
            return verdict
        }
    }
}
