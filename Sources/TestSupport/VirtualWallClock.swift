import Foundation
import SyncKit
import Synchronization

/// A calendar clock for scheduler tests: sleeping jumps straight to the deadline; `advance` models
/// work that takes time; `outage` makes one sleep overshoot (the machine was down); reaching `end`
/// stops the scheduler with a cancellation.
package final class VirtualWallClock: WallClock {
    private struct State {
        var now: Date
        var outages: [(after: Date, length: TimeInterval)]
    }

    private let state: Mutex<State>
    package let end: Date

    package init(start: Date, end: Date) {
        state = Mutex(State(now: start, outages: []))
        self.end = end
    }

    package func now() -> Date { state.withLock { $0.now } }

    package func sleep(until deadline: Date) async throws {
        let reachedEnd = state.withLock { s -> Bool in
            var wake = max(s.now, deadline)
            if let index = s.outages.firstIndex(where: { wake >= $0.after }) {
                wake = wake.addingTimeInterval(s.outages[index].length)
                s.outages.remove(at: index)
            }
            s.now = wake
            return wake > end
        }
        if reachedEnd { throw CancellationError() }
    }

    /// Moves time forward, as a run that lasts `seconds` does.
    package func advance(by seconds: TimeInterval) {
        state.withLock { $0.now = $0.now.addingTimeInterval(seconds) }
    }

    /// The first sleep that would wake at or after `after` wakes `length` seconds later instead.
    package func addOutage(after: Date, length: TimeInterval) {
        state.withLock { $0.outages.append((after, length)) }
    }
}
