/// How often and how long to wait before retrying a transient failure: exponential backoff with jitter.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The shortest wait after the API said "too many requests".
    public var rateLimitDelay: Duration
    /// The most one call may spend on its attempts and the backoff waits between them, measured on the caller's
    /// clock (waiting for the rate limiter's permission is not counted): no retry starts whose backoff would end
    /// past it. Default 10 minutes.
    public var maxElapsed: Duration
    /// Attempts a call gets while the remote has not yet answered once as itself (TikTok: a JSON envelope) and
    /// fails in a way that says it is not there: refused connection, unknown host, TLS failure, an answer that is
    /// not the API's. Default 3 (about a second of backoff), then the run stops.
    public var firstContactAttempts: Int

    public init(maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60),
                rateLimitDelay: Duration = .seconds(2), maxElapsed: Duration = .seconds(600), firstContactAttempts: Int = 3) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.rateLimitDelay = rateLimitDelay
        self.maxElapsed = maxElapsed
        self.firstContactAttempts = firstContactAttempts
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
