import Destinations
import Foundation
import Logging
@testable import SyncKit
import Testing
import TestSupport

/// The engine keeps the API busy while it writes: a stream reads its next page while the current one loads, and a
/// stream whose last page is read hands its reading slot to the next stream. Each test holds a commit until the read
/// it expects has begun, so the test hangs (and fails on its time limit, generous so that a busy machine never trips
/// it) if the engine waits for the write first; nothing depends on how fast the machine is.
@Suite(.timeLimit(.minutes(10)))
struct EngineOverlapTests {
    static let schema = TableSchema(name: "tiktok_ads_overlap_rows", fields: [
        Field("id", .string, "Row id"), Field("advertiser_id", .string, "Advertiser"), Field("day", .date, "Day"),
    ], key: ["id", "advertiser_id"], timeField: "day")
    static let syncedAt = Date(timeIntervalSince1970: 1_768_000_000)
    struct WriteFailure: Error {}

    /// A one-shot event tasks can wait for.
    final class Signal: Sendable {
        private let state = Protected<(fired: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

        func fire() {
            let waiting = state.withLock { state in
                state.fired = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let fired = state.withLock { state in
                    if !state.fired { state.waiting.append(continuation) }
                    return state.fired
                }
                if fired { continuation.resume() }
            }
        }
    }

    /// A SQLite destination whose commits first run `beforeCommit` with the ids of the rows they commit (it may wait
    /// or throw), and which logs each commit of rows (not those of the run history).
    struct HeldDestination: Destination {
        let inner: SQLiteDestination
        let beforeCommit: @Sendable (_ ids: [String]) async throws -> Void
        var afterCommit: @Sendable (_ ids: [String]) -> Void = { _ in }
        let log: Protected<[String]>

        var displayName: String { inner.displayName }
        var loadScope: LoadScope { .page }
        var schemaRules: SchemaRules { inner.schemaRules }
        func inspectTables(_ names: [String]) async throws -> [String: FoundTable] { try await inner.inspectTables(names) }
        func applySchema(_ plans: [TablePlan]) async throws { try await inner.applySchema(plans) }
        func rows(of schema: TableSchema) async throws -> [[Value]] { try await inner.rows(of: schema) }
        func rows(of schema: TableSchema, in range: RowRange) async throws -> [[Value]] { try await inner.rows(of: schema, in: range) }
        func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int { try await inner.deleteRows(of: schema, where: filter) }
        func close() async { await inner.close() }

        func begin() async throws -> any LoadTransaction {
            Held(inner: await inner.begin(), beforeCommit: beforeCommit, afterCommit: afterCommit, log: log, ids: Protected([]))
        }

        struct Held: LoadTransaction {
            let inner: any LoadTransaction
            let beforeCommit: @Sendable ([String]) async throws -> Void
            let afterCommit: @Sendable ([String]) -> Void
            let log: Protected<[String]>
            let ids: Protected<[String]>

            func write(_ batch: RowBatch) async throws {
                if batch.schema.name == EngineOverlapTests.schema.name { ids.withLock { $0 += batch.rows.compactMap { $0.first?.text } } }
                try await inner.write(batch)
            }

            func commit(checkpoints: [RowBatch]) async throws {
                let ids = ids.value
                try await beforeCommit(ids)
                try await inner.commit(checkpoints: checkpoints)
                if !ids.isEmpty { log.withLock { $0.append("committed \(ids.joined(separator: ","))") } }
                afterCommit(ids)
            }

            func rollback() async { await inner.rollback() }
        }
    }

    /// A stream of one slice whose pages hold one row each, named `<stream>-<page>`; reading a page logs it and runs `onRead`.
    static func plan(_ stream: String, pages: Int, slices: Int = 1, log: Protected<[String]>,
                     onRead: @escaping @Sendable (_ page: String) async throws -> Void = { _ in }) -> StreamPlan {
        let key = StreamKey(advertiserID: "700000000000000000\(stream.count)", object: stream)
        @Sendable func page(_ slice: Int, _ number: Int) -> @Sendable () async throws -> SourcePage {
            { @Sendable in
                let name = slices > 1 ? "\(stream)-\(slice).\(number)" : "\(stream)-\(number)"
                log.withLock { $0.append("read \(name)") }
                try await onRead(name)
                return SourcePage(rows: [[.string(name), .string(key.advertiserID), .date("2026-01-05")]],
                                  next: number < pages ? page(slice, number + 1) : nil)
            }
        }
        let all = (1...slices).map { slice in
            StreamSlice(checkpoint: StreamState(bookmark: LocalDate(year: 2026, month: 1, day: slice), syncedAt: syncedAt),
                        firstPage: page(slice, 1))
        }
        return StreamPlan(key: key, schema: schema, slices: all)
    }

    static func run(_ plans: [StreamPlan], concurrency: Int, log: Protected<[String]>,
                    afterCommit: @escaping @Sendable ([String]) -> Void = { _ in },
                    beforeCommit: @escaping @Sendable ([String]) async throws -> Void) async throws -> (RunRecord, [StreamKey: StreamState], Set<String>) {
        let inner = try SQLiteDestination(path: SyncHarness.temporaryDatabase())
        let destination = HeldDestination(inner: inner, beforeCommit: beforeCommit, afterCommit: afterCommit, log: log)
        try await destination.prepareWithBookkeeping([schema])
        var logger = Logger(label: "overlap")
        logger.logLevel = .critical
        let record = await SyncEngine(destination: destination, concurrency: concurrency, logger: logger)
            .run(plans, run: RunRecord(startedAt: syncedAt), statistics: RunStatistics())
        let state = try await destination.loadState()
        let ids = Set(try await destination.rows(of: schema).compactMap { $0.first?.text })
        await destination.close()
        return (record, state, ids)
    }

    @Test func theNextPageIsReadWhileThePageBeforeItLoads() async throws {
        let log = Protected<[String]>([])
        let secondPageRead = Signal()
        let plan = Self.plan("s", pages: 3, log: log) { page in if page == "s-2" { secondPageRead.fire() } }
        let (record, state, ids) = try await Self.run([plan], concurrency: 1, log: log) { ids in
            // Page 1 commits only once page 2 is being read.
            if ids == ["s-1"] { await secondPageRead.wait() }
        }
        #expect(record.status == .succeeded)
        #expect(ids == ["s-1", "s-2", "s-3"])
        #expect(state[plan.key]?.bookmark == LocalDate(year: 2026, month: 1, day: 1))
        let events = log.value
        #expect(events.firstIndex(of: "read s-2")! < events.firstIndex(of: "committed s-1")!)
        // Pages still commit in order, each read before its commit.
        #expect(events.filter { $0.hasPrefix("committed") } == ["committed s-1", "committed s-2", "committed s-3"])
    }

    @Test func aFailedWriteCancelsTheReadAheadAndReadsNoFurther() async throws {
        let log = Protected<[String]>([])
        let secondPageRead = Signal()
        let plan = Self.plan("s", pages: 3, log: log) { page in
            guard page == "s-2" else { return }
            secondPageRead.fire()
            do {
                // An answer that never comes unless the read is cancelled.
                try await Task.sleep(for: .seconds(3_600))
            } catch {
                log.withLock { $0.append("cancelled s-2") }
                throw error
            }
        }
        let (record, state, ids) = try await Self.run([plan], concurrency: 1, log: log) { ids in
            guard ids == ["s-1"] else { return }
            await secondPageRead.wait()
            throw WriteFailure()
        }
        #expect(record.status == .failed)
        #expect(ids.isEmpty)
        #expect(state[plan.key] == nil, "no checkpoint moved")
        let events = log.value
        #expect(events.contains("cancelled s-2"))
        #expect(!events.contains("read s-3"))
    }

    @Test func aStreamWhoseLastPageIsReadLetsTheNextStreamReadWhileItLoads() async throws {
        let log = Protected<[String]>([])
        let otherStreamRead = Signal()
        let first = Self.plan("a", pages: 1, log: log)
        let second = Self.plan("bb", pages: 1, log: log) { _ in otherStreamRead.fire() }
        // One stream reads at a time, yet the second reads while the first's last page is still loading.
        let (record, state, ids) = try await Self.run([first, second], concurrency: 1, log: log) { ids in
            if ids == ["a-1"] { await otherStreamRead.wait() }
        }
        #expect(record.status == .succeeded)
        #expect(ids == ["a-1", "bb-1"])
        #expect(state[first.key] != nil && state[second.key] != nil)
        let events = log.value
        #expect(events.firstIndex(of: "read bb-1")! < events.firstIndex(of: "committed a-1")!)
    }

    @Test func theStreamWithTheMostSlicesStartsFirst() async throws {
        let log = Protected<[String]>([])
        let short = Self.plan("a", pages: 1, log: log)
        let long = Self.plan("bb", pages: 1, slices: 3, log: log)
        let (record, _, ids) = try await Self.run([short, long], concurrency: 1, log: log) { _ in }
        #expect(record.status == .succeeded)
        #expect(ids == ["a-1", "bb-1.1", "bb-2.1", "bb-3.1"])
        #expect(log.value.first == "read bb-1.1")
    }

    // MARK: Idle slots read a stream's later slices

    @Test func aLoneStreamReadsItsLaterSlicesOnIdleSlots() async throws {
        let log = Protected<[String]>([])
        let laterSlicesRead = (Signal(), Signal())
        // The first slice's first page answers only once both later slices' first pages are being read: a stream that
        // read its slices one after another would never get there.
        let plan = Self.plan("s", pages: 2, slices: 3, log: log) { page in
            switch page {
            case "s-1.1":
                await laterSlicesRead.0.wait()
                await laterSlicesRead.1.wait()
            case "s-2.1": laterSlicesRead.0.fire()
            case "s-3.1": laterSlicesRead.1.fire()
            default: break
            }
        }
        let (record, state, ids) = try await Self.run([plan], concurrency: 3, log: log) { _ in }
        #expect(record.status == .succeeded)
        #expect(ids == ["s-1.1", "s-1.2", "s-2.1", "s-2.2", "s-3.1", "s-3.2"])
        #expect(state[plan.key]?.bookmark == LocalDate(year: 2026, month: 1, day: 3))
        // Each slice's pages still load in order.
        let commits = log.value.filter { $0.hasPrefix("committed") }
        for slice in 1...3 {
            #expect(commits.firstIndex(of: "committed s-\(slice).1")! < commits.firstIndex(of: "committed s-\(slice).2")!)
        }
    }

    @Test func aSliceCommittedBeforeAnEarlierOneMovesNoBookmarkWhenTheEarlierOneFails() async throws {
        let log = Protected<[String]>([])
        let secondSliceCommitted = Signal()
        struct ReadFailure: Error {}
        let plan = Self.plan("s", pages: 1, slices: 2, log: log) { page in
            guard page == "s-1.1" else { return }
            await secondSliceCommitted.wait()
            throw ReadFailure()
        }
        let (record, state, ids) = try await Self.run([plan], concurrency: 2, log: log,
                                                      afterCommit: { ids in if ids == ["s-2.1"] { secondSliceCommitted.fire() } }) { _ in }
        #expect(record.status == .failed)
        #expect(ids == ["s-2.1"], "the later slice's rows are committed (a re-run reads them again)")
        #expect(state[plan.key] == nil, "the bookmark never passes the first slice, whose rows are missing")
    }

    @Test func theBookmarkReachesALaterSliceOnceTheEarlierOneCommits() async throws {
        let log = Protected<[String]>([])
        let laterSlicesCommitted = (Signal(), Signal())
        let plan = Self.plan("s", pages: 1, slices: 3, log: log) { page in
            guard page == "s-1.1" else { return }
            await laterSlicesCommitted.0.wait()
            await laterSlicesCommitted.1.wait()
        }
        let (record, state, ids) = try await Self.run([plan], concurrency: 3, log: log, afterCommit: { ids in
            if ids == ["s-2.1"] { laterSlicesCommitted.0.fire() }
            if ids == ["s-3.1"] { laterSlicesCommitted.1.fire() }
        }) { _ in }
        #expect(record.status == .succeeded)
        #expect(ids == ["s-1.1", "s-2.1", "s-3.1"])
        #expect(state[plan.key]?.bookmark == LocalDate(year: 2026, month: 1, day: 3))
        #expect(log.value.filter { $0.hasPrefix("committed") }.last == "committed s-1.1")
    }
}

/// The checkpoint bookkeeping of a stream whose slices load side by side, step by step.
struct SliceLedgerTests {
    @Test func readInOrderEachSliceCarriesItsOwnCheckpoint() {
        var ledger = SliceLedger(count: 3)
        for slice in 0..<3 {
            #expect(ledger.claim() == slice)
            #expect(ledger.checkpoint(finishing: slice) == slice)
            #expect(ledger.loaded(slice, carrying: slice) == nil, "no catch-up")
            #expect(ledger.checkpointed == slice + 1)
        }
        #expect(ledger.claim() == nil)
    }

    @Test func aLaterSliceWaitsForTheEarlierOneAndRidesWithIt() {
        var ledger = SliceLedger(count: 3)
        #expect(ledger.checkpoint(finishing: 1) == nil, "slice 0 is not loaded")
        #expect(ledger.loaded(1, carrying: nil) == nil)
        #expect(ledger.checkpointed == 0)
        #expect(ledger.checkpoint(finishing: 0) == 1, "slice 0's last page carries slice 1's checkpoint")
        #expect(ledger.loaded(0, carrying: 1) == nil)
        #expect(ledger.checkpointed == 2)
    }

    @Test func aSliceLoadedWhileACheckpointIsWrittenIsCaughtUpAfterIt() {
        var ledger = SliceLedger(count: 2)
        #expect(ledger.checkpoint(finishing: 0) == 0)
        // Slice 1 finishes while slice 0's page and checkpoint are committing: it commits its rows alone.
        #expect(ledger.checkpoint(finishing: 1) == nil)
        #expect(ledger.loaded(1, carrying: nil) == nil, "slice 0's writer looks again when it is done")
        #expect(ledger.loaded(0, carrying: 0) == 1, "a catch-up to slice 1")
        #expect(ledger.checkpointed == 1)
        #expect(ledger.checkpoint(finishing: 1) == nil, "one checkpoint write at a time")
        #expect(ledger.caughtUp(1) == nil)
        #expect(ledger.checkpointed == 2)
    }

    @Test func aCheckpointThatFailedToCommitCanBeWrittenAgain() {
        var ledger = SliceLedger(count: 1)
        #expect(ledger.checkpoint(finishing: 0) == 0)
        ledger.failed()
        #expect(ledger.checkpointed == 0)
        #expect(ledger.checkpoint(finishing: 0) == 0)
    }

    @Test func idleSlotsAreLentOnlyOnceEveryStreamStartedAndNeverPastTheConcurrency() {
        let spare = SpareReaders(capacity: 3)
        let offers = Protected(0)
        spare.update(everyStreamStarted: false, streamsRunning: 1)
        let wish = spare.want { offers.withLock { $0 += 1 }; return true }
        #expect(offers.value == 0, "a stream waiting to start comes first")
        spare.update(everyStreamStarted: true, streamsRunning: 1)
        #expect(offers.value == 2 && spare.lent == 2, "1 stream and 2 lent slots read: the concurrency")
        spare.giveBack()
        #expect(offers.value == 3 && spare.lent == 2, "a slot given back is lent again")
        spare.update(everyStreamStarted: true, streamsRunning: 0)
        #expect(offers.value == 4 && spare.lent == 3, "a stream that ends leaves its slot idle")
        spare.withdraw(wish)
        spare.giveBack()
        #expect(offers.value == 4 && spare.lent == 2)
        // A stream that no longer takes offers is dropped, and the slot stays idle.
        _ = spare.want { false }
        #expect(spare.lent == 2)
    }
}
