import Foundation

/// Calendar time for the scheduler: what time it is, and sleeping until an instant. Injected, so
/// tests run days of schedule in milliseconds.
public protocol WallClock: Sendable {
    func now() -> Date
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        // Sleep in slices so a clock jump (suspend, NTP) is noticed within a minute.
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(min(remaining, 60)))
        }
    }
}
