import Synchronization

/// A clock whose time moves only when something sleeps on it: `sleep(until:)` jumps `now` to the
/// deadline at once. Tests of pacing and backoff run instantly and see exact instants.
package final class VirtualClock: Clock, Sendable {
    package struct Instant: InstantProtocol {
        package var offset: Duration
        package func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        package func duration(to other: Instant) -> Duration { other.offset - offset }
        package static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    private let requested = Mutex<[Duration]>([])

    package init() {}

    package var now: Instant { current.withLock { $0 } }
    package var minimumResolution: Duration { .nanoseconds(1) }

    package func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        current.withLock { now in
            requested.withLock { $0.append(deadline.offset - now.offset) }
            if deadline > now { now = deadline }
        }
    }

    /// Every wait asked of the clock so far (`deadline - now` at the call), in order: the backoff and
    /// polling delays a test checks.
    package var sleeps: [Duration] { requested.withLock { $0 } }

    package func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }
}
