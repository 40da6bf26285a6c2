import Destinations
import Foundation
import Logging
import SyncKit
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
            Held(inner: try await inner.begin(), beforeCommit: beforeCommit, log: log, ids: Protected([]))
        }

        struct Held: LoadTransaction {
            let inner: any LoadTransaction
            let beforeCommit: @Sendable ([String]) async throws -> Void
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
                    beforeCommit: @escaping @Sendable ([String]) async throws -> Void) async throws -> (RunRecord, [StreamKey: StreamState], Set<String>) {
        let inner = try SQLiteDestination(path: SyncHarness.temporaryDatabase())
        let destination = HeldDestination(inner: inner, beforeCommit: beforeCommit, log: log)
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
}
