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
/// arrivals at the server than the budget, shared by every concurrent task; and holds everyone back after
/// the API says it is rate limited.
///
/// The server sees a call arrive somewhere between the instant it is let through here and the instant its
/// answer is back; nothing on the client knows when. So a call tracked with `begin`/`end` keeps its slot
/// in the window from the moment it is let through until one window after its answer: the next call that
/// needs the slot is sent no earlier than a full window after the server could last have counted it,
/// however late either call was on the wire (a loaded machine, a slow network). (Freeing it half a fastest
/// round trip earlier, assuming the way out is no slower than the way back, let 9 arrivals into a second
/// of an 8-per-second budget on a loaded machine: on loopback the way out is the slower leg.) `acquire` alone
/// (no answer reported) frees the slot one window plus `safetyMargin` after it was let through.
public actor RateLimiter<C: Clock> where C.Duration == Duration {
    private struct Slot {
        var id: UInt64
        var admittedAt: C.Instant
        /// When the slot stops counting; nil while the call is in flight.
        var freeAt: C.Instant?
    }

    private let clock: C
    private let budget: RateBudget
    /// Added to each window for calls whose answer is not reported (`acquire`).
    private let safetyMargin: Duration
    private var secondWindow: [Slot] = []
    private var minuteWindow: [Slot] = []
    private var pausedUntil: C.Instant?
    private var nextID: UInt64 = 0
    /// Callers waiting for a call in flight to be answered (its slot's end is unknown until then).
    private var waitingForAnswers: [UInt64: CheckedContinuation<Void, Never>] = [:]

    public init(budget: RateBudget, clock: C, safetyMargin: Duration = .milliseconds(50)) {
        self.budget = budget
        self.clock = clock
        self.safetyMargin = safetyMargin
    }

    /// Waits until a call may be made and counts it from now; its slot frees one window (plus the margin) later.
    public nonisolated func acquire() async throws {
        let ticket = try await begin()
        await release(ticket, answered: false)
    }

    /// Waits until a call may be made and counts it from now until `end(_:)` plus one window.
    public nonisolated func begin() async throws -> PacingTicket {
        while true {
            try Task.checkCancellation()
            switch await admitOrWait() {
            case .admitted(let ticket): return ticket
            case .wait(let until): try await clock.sleep(until: until, tolerance: nil)
            case .waitForAnswer: await waitForAnswer()
            }
        }
    }

    /// The call of `ticket` has its answer (or failed): its slot frees one window from now, unless an earlier
    /// report of the same answer already set when.
    public nonisolated func end(_ ticket: PacingTicket) async {
        await release(ticket, answered: true)
    }

    /// Suspends until some call in flight is answered (or the caller is cancelled).
    private func waitForAnswer() async {
        nextID += 1
        let id = nextID
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in waitingForAnswers[id] = continuation }
        } onCancel: {
            Task { await self.stopWaiting(id) }
        }
    }

    private func stopWaiting(_ id: UInt64) {
        waitingForAnswers.removeValue(forKey: id)?.resume()
    }

    /// Stops every caller until `duration` from now (after a rate-limit answer).
    public func pause(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let pausedUntil, pausedUntil > until { return }
        pausedUntil = until
    }

    private enum Admission {
        case admitted(PacingTicket)
        case wait(until: C.Instant)
        /// The window is full of calls still in flight: only an answer can free a slot.
        case waitForAnswer
    }

    private func admitOrWait() -> Admission {
        let now = clock.now
        var earliest = now
        if let pausedUntil, pausedUntil > earliest { earliest = pausedUntil }
        for window in [Self.wait(in: &secondWindow, limit: budget.perSecond, now: now),
                       Self.wait(in: &minuteWindow, limit: budget.perMinute, now: now)] {
            switch window {
            case .none: continue
            case .some(.none): return .waitForAnswer
            case .some(.some(let instant)): earliest = max(earliest, instant)
            }
        }
        guard earliest <= now else { return .wait(until: earliest) }
        nextID += 1
        let slot = Slot(id: nextID, admittedAt: now, freeAt: nil)
        if let limit = budget.perSecond, limit > 0 { secondWindow.append(slot) }
        if let limit = budget.perMinute, limit > 0 { minuteWindow.append(slot) }
        return .admitted(PacingTicket(id: nextID))
    }

    /// Drops the slots that stopped counting. nil when the window has room; when it is full, the instant enough
    /// slots will have freed, or `.some(nil)` when that waits on calls still in flight (whose slots free only
    /// one window after their answers, later than any slot already answered).
    private static func wait(in slots: inout [Slot], limit: Int?, now: C.Instant) -> C.Instant?? {
        guard let limit, limit > 0 else { return nil }
        slots.removeAll { slot in slot.freeAt.map { $0 <= now } ?? false }
        guard slots.count >= limit else { return nil }
        let needed = slots.count - limit + 1
        let freeing = slots.compactMap(\.freeAt).sorted()
        return .some(freeing.count >= needed ? freeing[needed - 1] : nil)
    }

    private func release(_ ticket: PacingTicket, answered: Bool) {
        let now = clock.now
        func free(_ slots: inout [Slot], window: Duration) {
            // The first report of the answer (`answerArrived`, else `end`) starts the slot's last window.
            guard let index = slots.firstIndex(where: { $0.id == ticket.id }), slots[index].freeAt == nil else { return }
            let slot = slots[index]
            slots[index].freeAt = answered ? max(now.advanced(by: window), slot.admittedAt.advanced(by: window))
                : slot.admittedAt.advanced(by: window + safetyMargin)
        }
        free(&secondWindow, window: .seconds(1))
        free(&minuteWindow, window: .seconds(60))
        // A slot's end is known now: whoever waited on calls in flight looks again.
        let waiting = waitingForAnswers
        waitingForAnswers = [:]
        for continuation in waiting.values { continuation.resume() }
    }
}

/// Identifies one call admitted by a `RequestPacer`, to report when its answer is back.
public struct PacingTicket: Sendable, Hashable {
    public let id: UInt64

    public init(id: UInt64) { self.id = id }
}
