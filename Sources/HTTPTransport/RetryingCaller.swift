import Logging
import SyncKit

/// What a remote's classifier decides about one attempt. Each remote (TikTok, BigQuery, Sheets, Google
/// auth) keeps only its own classifier: a pure function from what came back to one of these.
public enum AttemptVerdict<Success: Sendable>: Sendable {
    /// Done.
    case success(Success)
    /// A transient failure: try again after backoff. `rateLimited` tells the pacer the remote said "too many requests".
    case retry(reason: String, rateLimited: Bool)
    /// The remote said "too many requests", and what kind: the pacer slows down or waits out a restriction.
    case throttled(reason: String, RateLimitSignal)
    /// Give up with this error (already worded for the user).
    case fail(SyncError)
}

/// The one retry loop of the tool: paces each attempt, classifies what came back through the remote's own
/// classifier, and backs off on an injected clock, so tests of backoff never sleep.
public struct RetryingCaller: Sendable {
    public var policy: RetryPolicy
    public var clock: any Clock<Duration>
    /// Waits before each attempt (a rate limiter); nil for remotes without a budget.
    public var pacer: (any RequestPacer)?
    public var logger: Logger

    public init(policy: RetryPolicy, clock: any Clock<Duration> = ContinuousClock(), pacer: (any RequestPacer)? = nil, logger: Logger) {
        self.policy = policy
        self.clock = clock
        self.pacer = pacer
        self.logger = logger
    }

    /// Runs `attempt` until it succeeds, fails, or the retry budget is spent (`policy.maxAttempts` attempts, or
    /// `policy.maxElapsed` of attempts and backoff on `clock`); then `exhausted(lastReason, attempts made)` says what to throw.
    /// - Parameters:
    ///   - what: names the call in debug logs (never a URL).
    ///   - attempt: one attempt, given its 1-based number.
    public func call<T: Sendable>(_ what: String, attempt: (Int) async throws -> AttemptVerdict<T>,
                                  exhausted: (_ lastReason: String, _ attempts: Int) -> SyncError) async throws -> T {
        try await call(what, attempt: { number, _ in try await attempt(number) }, exhausted: exhausted)
    }

    /// `call(_:attempt:exhausted:)` for an attempt that says when its answer arrived, before reading it
    /// (`answerArrived`), so the pacer's window does not wait on the reading.
    public func call<T: Sendable>(_ what: String, attempt: (_ number: Int, _ answerArrived: () async -> Void) async throws -> AttemptVerdict<T>,
                                  exhausted: (_ lastReason: String, _ attempts: Int) -> SyncError) async throws -> T {
        let attempts = max(1, policy.maxAttempts)
        var lastReason = ""
        var made = 0
        // Time spent on attempts and backoff; the pacer's waits are not the remote's failures and do not count.
        var spent = Duration.zero
        retries: for number in 1...attempts {
            try Task.checkCancellation()
            let ticket = try await pacer?.begin(call: what)
            let verdict: AttemptVerdict<T>
            let stopwatch = Self.stopwatch(clock)
            made = number
            do {
                verdict = try await attempt(number) { if let ticket { await pacer?.answerArrived(ticket) } }
                spent += stopwatch()
            } catch {
                if let ticket { _ = await pacer?.end(ticket, outcome: .noAnswer) }
                throw error
            }
            let signal: RateLimitSignal? = switch verdict {
            case .retry(_, let rateLimited): rateLimited ? .tooFrequent : nil
            case .throttled(_, let kind): kind
            case .success, .fail: nil
            }
            // The answer is back: the pacer learns from it (and keeps the call's place in its window).
            var paced: Duration?
            if let ticket { paced = await pacer?.end(ticket, outcome: signal.map { .rateLimited($0) } ?? .answered) }
            let reason: String
            switch verdict {
            case .success(let value): return value
            case .fail(let error): throw error
            case .retry(let why, _), .throttled(let why, _): reason = why
            }
            lastReason = reason
            guard number < attempts else { break }
            let delay = signal != nil ? paced ?? policy.delay(afterAttempt: number, rateLimited: true)
                : policy.delay(afterAttempt: number, rateLimited: false)
            guard spent + delay <= policy.maxElapsed else { break retries }
            spent += delay
            logger.debug("retrying a call", metadata: [
                "call": "\(what)", "attempt": "\(number)", "reason": "\(reason)", "delay": "\(delay)",
            ])
            if signal != nil, paced == nil { await pacer?.pause(for: delay) }
            if delay > .zero { try await clock.sleep(for: delay) }
        }
        throw exhausted(lastReason, made)
    }

    /// Time elapsed on `clock` since this call.
    static func stopwatch<C: Clock>(_ clock: C) -> () -> Duration where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}
