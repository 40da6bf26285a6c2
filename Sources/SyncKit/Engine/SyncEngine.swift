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
        var record = initial
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

        await withTaskGroup(of: Void.self) { group in
            var pending = tasks[...]
            var running = 0
            func startNext() -> Bool {
                while let plan = pending.popFirst() {
                    let stop = outcome.withLock { o -> Bool? in
                        if o.fatal != nil { return nil }
                        return o.skipped[plan.key.advertiserID] != nil
                    }
                    guard let isSkipped = stop else { return false }
                    if isSkipped { continue }
                    group.addTask { await execute(plan, into: session, statistics: statistics, outcome: outcome) }
                    return true
                }
                return false
            }
            while running < concurrency, startNext() { running += 1 }
            while running > 0 {
                await group.next()
                running -= 1
                if outcome.withLock({ $0.fatal != nil }) {
                    group.cancelAll()
                    continue
                }
                if startNext() { running += 1 }
            }
        }

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

    private func execute(_ plan: StreamPlan, into session: LoadSession, statistics: RunStatistics, outcome: Protected<Outcome>) async {
        progress(.started(plan.key))
        do {
            let rows = try await load(plan, into: session, statistics: statistics)
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

    /// Pulls every page of every slice of `plan` in order and loads it; the slice's checkpoint goes with
    /// its last page, never earlier. Returns the rows written.
    func load(_ plan: StreamPlan, into session: LoadSession, statistics: RunStatistics) async throws -> Int {
        var written = 0
        for slice in plan.slices {
            var read: (@Sendable () async throws -> SourcePage)? = slice.firstPage
            while let current = read {
                try Task.checkCancellation()
                let page = try await current()
                let checkpoint = page.next == nil ? StreamCheckpoint(key: plan.key, state: slice.checkpoint) : nil
                let batch = RowBatch(schema: plan.schema, rows: page.rows, stream: plan.key)
                do {
                    try await session.load(batch, completing: checkpoint)
                } catch let error as SyncError {
                    throw error
                } catch {
                    throw SyncError(.destination, "Could not write \(plan.schema.name) to \(destination.displayName).", cause: error)
                }
                statistics.add(object: plan.key.object, rows: batch.count)
                written += batch.count
                read = page.next
            }
            progress(.sliceLoaded(plan.key))
        }
        if let snapshot = plan.snapshot { try await session.completed(snapshot, of: plan.schema) }
        return written
    }

    /// Maps any error to a `SyncError`.
    public static func classify(_ error: any Error) -> SyncError {
        if let known = SyncError.known(error) { return known }
        return SyncError(.transient, "Unexpected error.", cause: error)
    }
}
