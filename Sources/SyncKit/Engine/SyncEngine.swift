import Foundation
import Logging

/// What the engine tells a progress display.
public enum SyncProgress: Sendable {
    /// The run's work, before any stream starts: its streams and their slices (report windows, listings), and the
    /// run's live counters (rows and requests so far).
    case planned(streams: Int, slices: Int, statistics: RunStatistics)
    case started(StreamKey)
    /// A slice's last page was loaded (its checkpoint committed, or staged with the run).
    case sliceLoaded(StreamKey)
    case finished(StreamKey, rows: Int)
    case skipped(advertiserID: String, reason: String)
    case failed(StreamKey, SyncError)
}

/// Runs stream plans with bounded concurrency into one destination: pulls each slice's pages from its
/// source, writes them, and moves a stream's state only with the last page of a slice, so state never
/// moves past committed rows whatever the source does. Isolates failures:
/// an unavailable advertiser is skipped, a failed stream fails alone, and only errors that no
/// other stream could escape (token, parameters, destination) stop the run.
public struct SyncEngine: Sendable {
    public var destination: any Destination
    public var concurrency: Int
    public var logger: Logger
    public var progress: @Sendable (SyncProgress) -> Void
    /// The time a run ends, on the same clock as its start (a run told another "now" ends relative to it).
    public var now: @Sendable () -> Date

    public init(destination: any Destination, concurrency: Int, logger: Logger,
                progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }) {
        self.destination = destination
        self.concurrency = max(1, concurrency)
        self.logger = logger
        self.progress = progress
        self.now = now
    }

    /// Runs every plan and returns the finished run record (also written to the run history).
    public func run(_ tasks: [StreamPlan], run initial: RunRecord, statistics: RunStatistics,
                    alreadySkipped: [String: String] = [:]) async -> RunRecord {
        let record = initial
        let outcome = Protected(Outcome(skipped: alreadySkipped))
        progress(.planned(streams: tasks.count, slices: tasks.reduce(0) { $0 + $1.slices.count }, statistics: statistics))
        try? await destination.recordRun(record)
        let session: LoadSession
        do {
            session = try await LoadSession.start(destination)
        } catch {
            let failure = SyncError(.destination, "Could not start loading into \(destination.displayName).", cause: error)
            outcome.withLock { $0.fatal = failure; $0.errors.append(failure.description) }
            return await finish(record, outcome: outcome, statistics: statistics)
        }

        // `concurrency` bounds the streams that are reading (each has at most one request in flight). A stream whose
        // last page is read gives its reading slot to the next stream while that page loads, so the API is kept busy
        // during writes; one stream at most waits on its last load beside the readers, which bounds the pages held
        // (each reader holds the page it loads and the one it reads ahead; more waiting streams raised the 1M-row
        // backfill's peak RSS past 100 MB, bench `sync`). Once every stream has started, the slots of streams that
        // ended are lent to the later slices of streams still running (`SpareReaders`), never more lent readers and
        // running streams than `concurrency`: a lone big advertiser's report windows are read side by side.
        let (events, reported) = AsyncStream.makeStream(of: StreamEvent.self)
        let spare = SpareReaders(capacity: concurrency)
        await withTaskGroup(of: Void.self) { group in
            var pending = Self.longestFirst(tasks)[...]
            var reading = 0
            var running = 0
            func startNext() -> Bool {
                while let plan = pending.popFirst() {
                    let stop = outcome.withLock { o -> Bool? in
                        if o.fatal != nil { return nil }
                        return o.skipped[plan.key.advertiserID] != nil
                    }
                    guard let isSkipped = stop else { return false }
                    if isSkipped { continue }
                    group.addTask {
                        let readingSlot = ReadingSlot(reported)
                        await execute(plan, into: session, statistics: statistics, outcome: outcome, spare: spare,
                                      doneReading: readingSlot.release)
                        readingSlot.end()
                    }
                    return true
                }
                return false
            }
            func fill() {
                while reading < concurrency, running < concurrency + 1, startNext() {
                    reading += 1
                    running += 1
                }
                spare.update(everyStreamStarted: pending.isEmpty, streamsRunning: running)
            }
            fill()
            var received = events.makeAsyncIterator()
            while running > 0, let event = await received.next() {
                switch event {
                case .doneReading:
                    reading -= 1
                case .finished(let stillReading):
                    running -= 1
                    if stillReading { reading -= 1 }
                }
                if outcome.withLock({ $0.fatal != nil }) {
                    group.cancelAll()
                    continue
                }
                fill()
            }
        }
        reported.finish()

        let final = outcome.withLock { o -> Outcome in
            if o.fatal?.kind == .quotaExhausted { o.errors.append(Self.stillToDo(tasks, outcome: o)) }
            return o
        }
        // A spent quota stops the reading, not the loading: what was read is committed with its bookmarks.
        let keepsWhatWasRead = final.fatal == nil || final.fatal?.kind == .quotaExhausted
        do {
            try await session.end(committing: keepsWhatWasRead && !Task.isCancelled)
        } catch {
            let failure = SyncEngine.classify(error)
            outcome.withLock { $0.errors.append(failure.description) }
        }
        return await finish(record, outcome: outcome, statistics: statistics)
    }

    private func finish(_ initial: RunRecord, outcome: Protected<Outcome>, statistics: RunStatistics) async -> RunRecord {
        var record = initial
        let done = outcome.withLock { $0 }
        record.endedAt = now()
        record.objects = statistics.snapshot
        record.skippedAdvertisers = done.skipped.mapValues(SecretRedactor.redact)
        record.errors = done.errors.map(SecretRedactor.redact)
        if Task.isCancelled {
            record.status = .cancelled
        } else if done.fatal?.kind == .quotaExhausted {
            // Not a failure of the tool or the data: the rest waits for the quota to reset (exit 3, like skipped work).
            record.status = .partial
        } else if done.fatal != nil || done.failedStreams > 0 || !done.errors.isEmpty {
            record.status = .failed
        } else if !done.skipped.isEmpty && done.finished.isEmpty {
            // Nothing could be read from any advertiser: the run failed, whatever each advertiser's reason.
            record.status = .failed
            record.errors.append("No advertiser could be read: all \(done.skipped.count) were skipped (reasons above), so nothing was loaded. Fix what the reasons say (the token's access to these accounts, or the advertiser ids), then run the sync again.")
        } else if !done.skipped.isEmpty {
            record.status = .partial
        } else {
            record.status = .succeeded
        }
        do { try await destination.recordRun(record) } catch {
            logger.error("could not record the run in the run history", metadata: ["error": "\(error)"])
        }
        return record
    }

    /// Shared results of the run's tasks.
    struct Outcome: Sendable {
        var skipped: [String: String]
        var fatal: SyncError?
        var failedStreams = 0
        var errors: [String] = []
        var finished: Set<StreamKey> = []
    }

    /// Names the streams a stopped run did not finish, for the message that says what the next run will do.
    static func stillToDo(_ plans: [StreamPlan], outcome: Outcome) -> String {
        let left = plans.map(\.key).filter { !outcome.finished.contains($0) && outcome.skipped[$0.advertiserID] == nil }
        guard !left.isEmpty else { return "Every stream had finished." }
        let shown = left.prefix(10).map { "\($0.advertiserID)/\($0.object)" }.joined(separator: ", ")
        return "Still to do, from their bookmarks: \(left.count) stream\(left.count == 1 ? "" : "s") (\(shown)\(left.count > 10 ? ", …" : ""))."
    }

    private func execute(_ plan: StreamPlan, into session: LoadSession, statistics: RunStatistics, outcome: Protected<Outcome>,
                         spare: SpareReaders, doneReading: @escaping @Sendable () -> Void) async {
        progress(.started(plan.key))
        do {
            let rows = try await load(plan, into: session, statistics: statistics, spare: spare, doneReading: doneReading)
            outcome.withLock { _ = $0.finished.insert(plan.key) }
            progress(.finished(plan.key, rows: rows))
        } catch {
            let failure = SyncEngine.classify(error)
            switch failure.kind {
            case .advertiserUnavailable:
                let first = outcome.withLock { o -> Bool in
                    guard o.skipped[plan.key.advertiserID] == nil else { return false }
                    o.skipped[plan.key.advertiserID] = failure.message
                    return true
                }
                if first {
                    logger.warning("advertiser skipped", metadata: ["advertiser_id": "\(plan.key.advertiserID)", "reason": "\(failure.message)"])
                    progress(.skipped(advertiserID: plan.key.advertiserID, reason: failure.message))
                }
            case .cancelled:
                break
            default:
                statistics.add(object: plan.key.object, errors: 1)
                logger.error("stream failed", metadata: ["stream": "\(plan.key)", "error": "\(failure)"])
                progress(.failed(plan.key, failure))
                outcome.withLock { o in
                    o.errors.append("\(plan.key): \(failure.description)")
                    if failure.stopsRun {
                        if o.fatal == nil { o.fatal = failure }
                    } else {
                        o.failedStreams += 1
                    }
                }
            }
        }
    }

    /// Pulls every page of every slice of `plan` and loads it; a slice's checkpoint commits only once its pages and
    /// every earlier slice's pages are committed (`SliceLedger`), never earlier. Returns the rows written.
    ///
    /// A reader reads its next page (or the next slice's first) while the current one loads, so its request slot is
    /// not idle during writes; it has one request in flight, and loads its pages one after another, in order. A
    /// failed load cancels the read ahead; a failed read ahead surfaces only after the page before it is loaded, so
    /// what was read is committed first.
    ///
    /// The stream has one reader of its own. When every stream of the run has started and reading slots are idle
    /// (`spare`), it lends them to later slices: a lone big advertiser's report windows are then read side by side
    /// instead of one after another. Each lent reader holds what any reader holds (the page it loads and the one it
    /// reads ahead), so memory stays bounded by the run's concurrency. A reader that fails stops the others after the
    /// page each has in hand, and the stream fails with the first failure.
    ///
    /// `doneReading` is called once the stream's own reader has no read left, before its last page loads.
    func load(_ plan: StreamPlan, into session: LoadSession, statistics: RunStatistics, spare: SpareReaders? = nil,
              doneReading: @escaping @Sendable () -> Void = {}) async throws -> Int {
        let ledger = Protected(SliceLedger(count: plan.slices.count))
        guard let first = ledger.withLock({ $0.claim() }) else {
            doneReading()
            if let snapshot = plan.snapshot { try await session.completed(snapshot, of: plan.schema) }
            return 0
        }
        let stopped = Protected(false)
        let (events, reported) = AsyncStream.makeStream(of: ReaderEvent.self)
        let outcome: (rows: Int, failure: (any Error)?) = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let result = await Self.result { try await read(plan, from: first, into: session, statistics: statistics, ledger: ledger,
                                                           stopped: stopped, noReadLeft: doneReading) }
                reported.yield(.ended(result))
            }
            // Idle slots are offered while the stream has slices no reader has taken.
            let wish = plan.slices.count > 1 ? spare?.want { if case .terminated = reported.yield(.lent) { false } else { true } } : nil
            var readers = 1
            var rows = 0
            var failure: (any Error)?
            for await event in events {
                switch event {
                case .lent:
                    guard let spare else { continue }
                    guard failure == nil, let slice = ledger.withLock({ $0.claim() }) else {
                        if let wish { spare.withdraw(wish) }
                        spare.giveBack()
                        continue
                    }
                    if let wish, ledger.withLock({ $0.nextUnclaimed == $0.count }) { spare.withdraw(wish) }
                    readers += 1
                    group.addTask {
                        let result = await Self.result { try await read(plan, from: slice, into: session, statistics: statistics, ledger: ledger,
                                                                   stopped: stopped) }
                        spare.giveBack()
                        reported.yield(.ended(result))
                    }
                case .ended(.success(let written)):
                    readers -= 1
                    rows += written
                case .ended(.failure(let error)):
                    readers -= 1
                    // The first failure is the stream's; the other readers stop after the page in hand, without one.
                    stopped.withLock { $0 = true }
                    if failure == nil { failure = error }
                }
                if readers == 0 { break }
            }
            if let wish { spare?.withdraw(wish) }
            reported.finish()
            // Slots lent after the last reader ended go back.
            for await case .lent in events { spare?.giveBack() }
            if readers > 0, failure == nil { failure = CancellationError() }
            return (rows, failure)
        }
        if let failure = outcome.failure { throw failure }
        if let snapshot = plan.snapshot { try await session.completed(snapshot, of: plan.schema) }
        return outcome.rows
    }

    private static func result<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// What a stream's readers tell the stream's task.
    enum ReaderEvent: Sendable {
        /// An idle reading slot was lent to the stream (`SpareReaders.want`).
        case lent
        case ended(Result<Int, any Error>)
    }

    /// One reader of a stream: loads slice `start`, then the next slice no reader has taken, until none is left or
    /// another reader failed.
    private func read(_ plan: StreamPlan, from start: Int, into session: LoadSession, statistics: RunStatistics,
                      ledger: Protected<SliceLedger>, stopped: Protected<Bool>, noReadLeft: () -> Void = {}) async throws -> Int {
        func checkpoint(_ slice: Int) -> StreamCheckpoint { StreamCheckpoint(key: plan.key, state: plan.slices[slice].checkpoint) }
        func commit(_ batch: RowBatch, _ carried: Int?) async throws {
            do {
                try await session.load(batch, completing: carried.map(checkpoint))
            } catch {
                if carried != nil { ledger.withLock { $0.failed() } }
                if let error = error as? SyncError { throw error }
                throw SyncError(.destination, "Could not write \(plan.schema.name) to \(destination.displayName).", cause: error)
            }
        }
        var written = 0
        var slice = start
        try Task.checkCancellation()
        var page = try await plan.slices[slice].firstPage()
        while true {
            let endsSlice = page.next == nil
            var followingSlice = slice
            var readAhead = page.next
            if readAhead == nil, !stopped.value, let claimed = ledger.withLock({ $0.claim() }) {
                followingSlice = claimed
                readAhead = plan.slices[claimed].firstPage
            }
            if readAhead == nil { noReadLeft() }
            async let following = Self.read(readAhead)
            let batch = RowBatch(schema: plan.schema, rows: page.rows, stream: plan.key)
            let carried = endsSlice ? ledger.withLock { $0.checkpoint(finishing: slice) } : nil
            try await commit(batch, carried)
            statistics.add(object: plan.key.object, rows: batch.count)
            written += batch.count
            if endsSlice {
                // The stream may have reached further than this slice's checkpoint says: write the one it reached.
                var catchUp = ledger.withLock { $0.loaded(slice, carrying: carried) }
                while let reached = catchUp {
                    try await commit(RowBatch(schema: plan.schema, rows: [], stream: plan.key), reached)
                    catchUp = ledger.withLock { $0.caughtUp(reached) }
                }
                progress(.sliceLoaded(plan.key))
            }
            if stopped.value { break }
            guard let next = try await following else { break }
            page = next
            slice = followingSlice
        }
        return written
    }

    private static func read(_ page: (@Sendable () async throws -> SourcePage)?) async throws -> SourcePage? {
        guard let page else { return nil }
        try Task.checkCancellation()
        return try await page()
    }

    /// The plans with more slices first, in their given order otherwise: a stream's slices are read one after another,
    /// so the longest chains start early and the run's last seconds are short streams side by side, not a few long
    /// ones with the other slots idle.
    static func longestFirst(_ plans: [StreamPlan]) -> [StreamPlan] {
        plans.enumerated()
            .sorted { ($0.element.slices.count, $1.offset) > ($1.element.slices.count, $0.offset) }
            .map(\.element)
    }

    /// What a stream's task tells the engine's loop.
    enum StreamEvent: Sendable {
        /// The stream has read its last page (its reading slot is free).
        case doneReading
        /// The stream's task ended; `stillReading` when it ended before `doneReading` (it failed while reading).
        case finished(stillReading: Bool)
    }

    /// A stream task's reading slot: `release()` reports `.doneReading` the first time it is called, `end()` reports
    /// the task's end and whether the slot was still held.
    final class ReadingSlot: Sendable {
        private let reported: AsyncStream<StreamEvent>.Continuation
        private let held = Protected(true)

        init(_ reported: AsyncStream<StreamEvent>.Continuation) { self.reported = reported }

        func release() {
            if take() { reported.yield(.doneReading) }
        }

        func end() {
            reported.yield(.finished(stillReading: take()))
        }

        private func take() -> Bool {
            held.withLock { held in
                defer { held = false }
                return held
            }
        }
    }

    /// Maps any error to a `SyncError`.
    public static func classify(_ error: any Error) -> SyncError {
        if let known = SyncError.known(error) { return known }
        return SyncError(.transient, "Unexpected error.", cause: error)
    }
}
