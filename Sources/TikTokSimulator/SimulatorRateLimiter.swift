import Synchronization

/// Per-app QPS/QPM budgets over sliding windows of real (monotonic) time, with a QPM penalty period.
final class SimulatorRateLimiter: Sendable {
    private struct Window {
        var times: [ContinuousClock.Instant] = []
        var head = 0

        mutating func add(_ t: ContinuousClock.Instant, keeping span: Duration) -> Int {
            times.append(t)
            while head < times.count, times[head] <= t - span { head += 1 }
            if head > 1024, head * 2 > times.count {
                times.removeFirst(head)
                head = 0
            }
            return times.count - head
        }
    }

    private struct State {
        var second = Window()
        var minute = Window()
        var penaltyUntil: ContinuousClock.Instant?
    }

    let limits: SimulatorOptions.RateLimit
    private let state = Mutex(State())

    init(limits: SimulatorOptions.RateLimit) {
        self.limits = limits
    }

    var isUnlimited: Bool { limits.qps == nil && limits.qpm == nil }

    /// Counts one arriving request; returns false if it must be answered with 40100.
    func admit(now: ContinuousClock.Instant = .now) -> Bool {
        if isUnlimited { return true }
        return state.withLock { s in
            var allowed = true
            if let qps = limits.qps {
                if s.second.add(now, keeping: .seconds(1)) > qps { allowed = false }
            }
            if let qpm = limits.qpm {
                if s.minute.add(now, keeping: .seconds(60)) > qpm {
                    allowed = false
                    if s.penaltyUntil.map({ $0 <= now }) ?? true {
                        s.penaltyUntil = now + .milliseconds(Int64(limits.qpmPenaltySeconds * 1000))
                    }
                }
            }
            if let until = s.penaltyUntil {
                if now < until { allowed = false } else { s.penaltyUntil = nil }
            }
            return allowed
        }
    }
}
