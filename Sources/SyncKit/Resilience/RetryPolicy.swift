/// How often and how long to wait before retrying a transient failure: exponential backoff with jitter.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The shortest wait after the API said "too many requests".
    public var rateLimitDelay: Duration

    public init(maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60),
                rateLimitDelay: Duration = .seconds(2)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.rateLimitDelay = rateLimitDelay
    }

    /// The wait before attempt `attempt + 1`, after `attempt` attempts (1-based) failed.
    /// Doubles each time up to `maxDelay`; jitter picks uniformly from the upper half so concurrent
    /// callers spread out but never retry sooner than half the backoff.
    public func delay(afterAttempt attempt: Int, rateLimited: Bool = false,
                      using generator: inout some RandomNumberGenerator) -> Duration {
        let floor = rateLimited ? max(rateLimitDelay, baseDelay) : baseDelay
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = floor * Double(1 << exponent)
        let capped = min(raw, max(maxDelay, floor))
        let factor = Double.random(in: 0.5...1.0, using: &generator)
        return capped * factor
    }

    public func delay(afterAttempt attempt: Int, rateLimited: Bool = false) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, rateLimited: rateLimited, using: &generator)
    }
}
