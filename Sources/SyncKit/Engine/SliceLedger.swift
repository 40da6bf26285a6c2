/// One stream's slices while several readers load them at once: which slice each reader takes next, and which
/// checkpoint may commit when. Slices may finish out of order (a later window's pages are all committed while an
/// earlier one is still reading); the stream's bookmark moves only to the end of the run of slices loaded from the
/// first one on, so it never passes a slice whose rows are not all committed.
///
/// One checkpoint write at a time: a slice's last page carries the checkpoint only when every earlier slice is
/// loaded and no other checkpoint is being written; otherwise it commits its rows alone, and whoever writes
/// checkpoints looks again after each commit (`loaded`) and writes the one the stream has reached (a catch-up).
/// Read in order, as a stream with one reader is, every checkpoint rides on its slice's last page, as before.
struct SliceLedger: Sendable {
    let count: Int
    /// The next slice no reader has taken.
    private(set) var nextUnclaimed = 0
    private var loadedSlices: Set<Int> = []
    /// Every slice before this one is loaded.
    private var loadedPrefix = 0
    /// The slices whose checkpoint is committed: those before this one.
    private(set) var checkpointed = 0
    /// A checkpoint is being written (with a last page, or alone).
    private var writing = false

    init(count: Int) { self.count = count }

    /// The slice a reader takes next, nil once every slice is taken.
    mutating func claim() -> Int? {
        guard nextUnclaimed < count else { return nil }
        defer { nextUnclaimed += 1 }
        return nextUnclaimed
    }

    /// Before slice `index`'s last page commits: the slice whose checkpoint goes with it (the furthest the stream
    /// reaches once this page is in), or nil when an earlier slice is still loading or another checkpoint is being
    /// written. A non-nil answer must be followed by `loaded(_:carrying:)`, or `failed()`.
    mutating func checkpoint(finishing index: Int) -> Int? {
        guard !writing, loadedPrefix == index else { return nil }
        writing = true
        var reach = index
        while loadedSlices.contains(reach + 1) { reach += 1 }
        return reach
    }

    /// Slice `index`'s last page is committed, with the checkpoint of slice `carried` if it had one. Returns the
    /// slice whose checkpoint the stream should now write alone (a catch-up), nil when it has nothing to write or a
    /// checkpoint is being written by another reader (which looks again when it is done).
    mutating func loaded(_ index: Int, carrying carried: Int?) -> Int? {
        loadedSlices.insert(index)
        while loadedSlices.contains(loadedPrefix) { loadedPrefix += 1 }
        return written(carried)
    }

    /// A catch-up checkpoint (slice `carried`) is committed. Returns the next one to write, if the stream moved on.
    mutating func caughtUp(_ carried: Int) -> Int? { written(carried) }

    /// A checkpoint this reader was writing did not commit: another may write one.
    mutating func failed() { writing = false }

    private mutating func written(_ carried: Int?) -> Int? {
        if let carried {
            checkpointed = max(checkpointed, carried + 1)
            writing = false
        }
        guard !writing, loadedPrefix > checkpointed else { return nil }
        writing = true
        return loadedPrefix - 1
    }
}

/// Reading slots the engine's streams leave idle, lent to streams that can read several slices at once. Lending
/// starts once every stream has started (a stream waiting to start comes first), and never lets the streams still
/// running plus the slots lent exceed the run's concurrency: each holds at most the page it loads and the one it
/// reads ahead, so the pages in memory stay within the engine's bound. A slot is offered as soon as it is idle (a
/// stream ended, or a lent reader gave its slot back), to the streams that want one in turn.
final class SpareReaders: Sendable {
    /// Offers a lent slot to a stream; false when the stream no longer takes offers (the slot comes back at once).
    typealias Offer = @Sendable () -> Bool

    private struct State {
        var lending = false
        var streamsRunning = 0
        var lent = 0
        var nextWish = 0
        /// Streams that want slots, in the order they are offered one.
        var wishes: [(id: Int, offer: Offer)] = []
    }

    let capacity: Int
    private let state = Protected(State())

    init(capacity: Int) { self.capacity = capacity }

    /// The engine's loop after each change: whether every stream has started, and how many are still running.
    func update(everyStreamStarted: Bool, streamsRunning: Int) {
        state.withLock { state in
            state.lending = everyStreamStarted
            state.streamsRunning = streamsRunning
        }
        lend()
    }

    /// A stream wants slots: `offer` is called each time one is lent to it, until it withdraws.
    func want(_ offer: @escaping Offer) -> Int {
        let id = state.withLock { state in
            state.nextWish += 1
            state.wishes.append((state.nextWish, offer))
            return state.nextWish
        }
        lend()
        return id
    }

    func withdraw(_ id: Int) {
        state.withLock { state in state.wishes.removeAll { $0.id == id } }
    }

    /// A lent slot is idle again.
    func giveBack() {
        state.withLock { $0.lent -= 1 }
        lend()
    }

    /// Lends each idle slot to the next stream that wants one (offers run outside the lock).
    private func lend() {
        while let wish = state.withLock({ state -> (id: Int, offer: Offer)? in
            guard state.lending, state.streamsRunning + state.lent < capacity, !state.wishes.isEmpty else { return nil }
            let wish = state.wishes.removeFirst()
            state.wishes.append(wish)
            state.lent += 1
            return wish
        }) {
            guard !wish.offer() else { continue }
            state.withLock { state in
                state.lent -= 1
                state.wishes.removeAll { $0.id == wish.id }
            }
        }
    }

    /// Slots lent now (tests).
    var lent: Int { state.withLock { $0.lent } }
}
