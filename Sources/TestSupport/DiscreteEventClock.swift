import Synchronization

/// A clock shared by a known number of concurrent tasks, for simulating them in virtual time: time stands still while
/// any of them runs, and moves to the earliest deadline only once every one of them sleeps on the clock. So N callers,
/// each waiting on a pacer and then on a response "latency", interleave exactly as they would in real time, whatever
/// the machine's load, and a run of minutes takes milliseconds.
///
/// Every participant must block only on this clock (actors they call may sleep on it too, on their behalf), and call
/// `leave()` when it is done, or time stops for the others.
package final class DiscreteEventClock: Clock, Sendable {
    package typealias Instant = VirtualClock.Instant

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var participants: Int
        var sleepers: [Sleeper] = []
    }

    private let state: Mutex<State>

    package init(participants: Int) {
        state = Mutex(State(participants: participants))
    }

    package var now: Instant { state.withLock { $0.now } }
    package var minimumResolution: Duration { .nanoseconds(1) }

    package func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        await withCheckedContinuation { continuation in
            let due = state.withLock { state -> [Sleeper] in
                state.sleepers.append(Sleeper(deadline: deadline, continuation: continuation))
                return Self.advanceIfAllAsleep(&state)
            }
            due.forEach { $0.continuation.resume() }
        }
    }

    /// A participant is done: the others no longer wait for it to sleep.
    package func leave() {
        let due = state.withLock { state -> [Sleeper] in
            state.participants -= 1
            return Self.advanceIfAllAsleep(&state)
        }
        due.forEach { $0.continuation.resume() }
    }

    /// When every participant sleeps: moves `now` to the earliest deadline (never back) and returns the sleepers due.
    private static func advanceIfAllAsleep(_ state: inout State) -> [Sleeper] {
        guard !state.sleepers.isEmpty, state.sleepers.count >= state.participants,
              let earliest = state.sleepers.map(\.deadline).min() else { return [] }
        if earliest > state.now { state.now = earliest }
        let due = state.sleepers.filter { $0.deadline <= state.now }
        state.sleepers.removeAll { $0.deadline <= state.now }
        return due
    }
}
