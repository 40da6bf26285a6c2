import Destinations
import Foundation
import GRDB
import SyncKit
import TestSupport
import Testing

struct SQLiteDestinationTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-test-\(UUID().uuidString).sqlite").path
    }

    let schema = TableSchema(name: "tiktok_ads_ad_insights", fields: [
        Field("ad_id", .string, ""), Field("advertiser_id", .string, ""), Field("stat_time_day", .date, ""),
        Field("spend", .decimal, ""), Field("impressions", .integer, ""),
    ], key: ["ad_id", "stat_time_day", "advertiser_id"], timeField: "stat_time_day")

    func row(_ ad: String, _ day: String, spend: String, impressions: Int64) -> [Value] {
        [.string(ad), .string("7000000000000000001"), .date(day), .decimal(spend), .integer(impressions)]
    }

    @Test func upsertsOnTheUniqueKeyAndKeepsIdsExact() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        try await destination.prepare([schema])
        try await destination.loadPage(RowBatch(schema: schema, rows: [row("1714125042508817123", "2024-01-01", spend: "1.00", impressions: 10)]), checkpoint: nil)
        try await destination.loadPage(RowBatch(schema: schema, rows: [
            row("1714125042508817123", "2024-01-01", spend: "2.50", impressions: 20),
            row("1714125042508817124", "2024-01-01", spend: "3.00", impressions: 30),
        ]), checkpoint: nil)
        let rows = try await destination.dump(table: schema.name)
        #expect(rows == [
            "'1714125042508817123'|'7000000000000000001'|'2024-01-01'|'2.5'|'20'",
            "'1714125042508817124'|'7000000000000000001'|'2024-01-01'|'3.0'|'30'",
        ])
    }

    @Test func stateCommitsWithTheRowsAndRollsBackWithThem() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        try await destination.prepare([schema])
        let key = StreamKey(advertiserID: "7000000000000000001", object: "ad_insights")
        let checkpoint = StreamCheckpoint(key: key, state: StreamState(bookmark: LocalDate("2024-01-31"), syncedAt: Date(timeIntervalSince1970: 1_700_000_000)))
        // A row violating NOT NULL on a key column fails the whole transaction: neither rows nor state land.
        let bad = RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1), [.null, .null, .null, .null, .null]])
        await #expect(throws: SyncError.self) { try await destination.loadPage(bad, checkpoint: checkpoint) }
        #expect(try await destination.dump(table: schema.name).isEmpty)
        #expect(try await destination.loadState().isEmpty)
        try await destination.loadPage(RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1)]), checkpoint: checkpoint)
        #expect(try await destination.loadState()[key]?.bookmark == LocalDate("2024-01-31"))
    }

    @Test func aNewlySelectedFieldAddsAColumnAndKeepsRows() async throws {
        let path = Self.temporaryPath()
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([schema])
        try await destination.loadPage(RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1", impressions: 1)]), checkpoint: nil)
        var wider = schema
        wider.fields.append(Field("clicks", .integer, ""))
        try await destination.prepare([wider])
        try await destination.loadPage(RowBatch(schema: wider, rows: [row("2", "2024-01-02", spend: "2", impressions: 2) + [.integer(7)]]), checkpoint: nil)
        #expect(try await destination.dump(table: schema.name) == [
            "'1'|'7000000000000000001'|'2024-01-01'|'1.0'|'1'|NULL",
            "'2'|'7000000000000000001'|'2024-01-02'|'2.0'|'2'|'7'",
        ])
    }

    @Test func cleanupDeletesExactlyTheRowsBeforeTheCutoff() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        try await destination.prepare([schema])
        try await destination.loadPage(RowBatch(schema: schema, rows: (1...9).map { row("1", "2024-01-0\($0)", spend: "1", impressions: 1) }), checkpoint: nil)
        let deleted = try await destination.deleteRows(of: schema, before: LocalDate("2024-01-05")!)  // a valid literal
        #expect(deleted == 4)
        #expect(try await destination.dump(table: schema.name).first?.contains("2024-01-05") == true)
    }

    @Test func recordsRunsWithPerObjectCounts() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        let run = RunRecord(startedAt: Date(timeIntervalSince1970: 1_700_000_000), endedAt: Date(timeIntervalSince1970: 1_700_000_100),
                            status: .partial, objects: ["ads": ObjectStatistics(rows: 5, requests: 2, retries: 1, errors: 0)],
                            skippedAdvertisers: ["9": "no permission"], errors: [])
        try await destination.recordRun(run)
        let runs = try await destination.recentRuns(limit: 5)
        #expect(runs.count == 1)
        #expect(runs[0].status == .partial)
        #expect(runs[0].objects["ads"] == ObjectStatistics(rows: 5, requests: 2, retries: 1, errors: 0))
        #expect(runs[0].skippedAdvertisers == ["9": "no permission"])
    }
}

extension SQLiteDestinationTests {
    /// A source that yields some pages of a slice and then fails never moves the bookmark past committed rows.
    @Test func aBookmarkNeverPassesCommittedRowsWhenASourceFailsMidSlice() async throws {
        let path = Self.temporaryPath()
        let observation = try await BookmarkContract.observe { try SQLiteDestination(path: path) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    /// A snapshot stream replaces its advertiser's earlier rows only once the whole new snapshot is committed.
    @Test func aSnapshotReplacesTheLastOneOnlyWhenComplete() async throws {
        let path = Self.temporaryPath()
        let observation = try await SnapshotContract.observe { try SQLiteDestination(path: path) }
        #expect(observation.violations.isEmpty, "\(observation.violations)")
    }

    /// Rows per advertiser and the local days a date and an hour column cover, counted by the destination (one GROUP BY
    /// query), agree with reading every row; a missing table or column is nil.
    /// An upsert rewrites only the rows it changes (a trigger counts the updates): the same page again updates none,
    /// a page with one changed row updates that row, and a row no page names stays.
    @Test func anUpsertRewritesOnlyTheRowsItChanges() async throws {
        let path = Self.temporaryPath()
        let destination = try SQLiteDestination(path: path)
        try await destination.prepare([schema])
        let page = RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1.00", impressions: 10), row("2", "2024-01-01", spend: "2.00", impressions: 20)])
        try await destination.loadPage(page)
        let probe = try DatabaseQueue(path: path)
        try await probe.write { db in
            try db.execute(sql: """
                CREATE TABLE updates (ad_id TEXT);
                CREATE TRIGGER counted AFTER UPDATE ON tiktok_ads_ad_insights BEGIN INSERT INTO updates VALUES (new.ad_id); END;
                """)
        }
        try await destination.loadPage(page)
        #expect(try await probe.read { try String.fetchAll($0, sql: "SELECT ad_id FROM updates") } == [])
        try await destination.loadPage(RowBatch(schema: schema, rows: [row("1", "2024-01-01", spend: "1.00", impressions: 11)]))
        #expect(try await probe.read { try String.fetchAll($0, sql: "SELECT ad_id FROM updates") } == ["1"])
        #expect(try await destination.dump(table: schema.name) == [
            "'1'|'7000000000000000001'|'2024-01-01'|'1.0'|'11'", "'2'|'7000000000000000001'|'2024-01-01'|'2.0'|'20'",
        ])
        try probe.close()
        await destination.close()
    }

    /// The connection writes through a WAL and checkpoints it every 8,000 pages, not SQLite's 1,000: the sync's
    /// figure depends on it (see `SQLiteDestination.walCheckpointPages`).
    @Test func theConnectionCheckpointsItsWALEvery8000Pages() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        #expect(try await destination.select("PRAGMA journal_mode") == [["wal"]])
        #expect(try await destination.select("PRAGMA wal_autocheckpoint") == [["8000"]])
        await destination.close()
    }

    /// The reconciliation table's results per advertiser, summed by one query, equal reading every row.
    @Test func reconciliationResultsAreSummedByOneQuery() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        let (summed, read, empty) = try await ReconciliationResultsContract.observe(destination)
        await destination.close()
        #expect(empty.isEmpty, "no table, no results")
        #expect(summed == read, "the same results, to the character, as reading every row")
        #expect(ReconciliationResultsContract.summaries(summed) == ReconciliationResultsContract.expected)
    }

    @Test func rowCountsAreCountedByOneQuery() async throws {
        let destination = try SQLiteDestination(path: Self.temporaryPath())
        #expect((destination as any Destination) is any SQLQuerying, "counted by a query (aSQLDestinationCountsRowsWithOneQuery), not by reading every row")
        let (counted, read) = try await RowCountContract.observe(destination)
        await destination.close()
        #expect(counted == RowCountContract.expected)
        #expect(read == RowCountContract.expected)
    }
}

extension SQLiteDestinationTests {
    /// Commits that wait for a locked database wait on GRDB's dispatch queues, not on Swift's cooperative pool: with
    /// more of them waiting than the pool has threads, a task on the pool still runs, and it is what frees the lock.
    /// (Were they blocking pool threads, that task would not run until their 10 s busy timeout failed them.)
    @Test func commitsWaitingForTheDatabaseLeaveTheCooperativePoolFree() async throws {
        let path = Self.temporaryPath()
        let waiting = ProcessInfo.processInfo.activeProcessorCount + 1
        var destinations: [SQLiteDestination] = []
        for _ in 0..<waiting {
            // Waiting far longer than the default 10 s: on a loaded machine this task may not run again for many seconds,
            // and the commits must still be waiting (not failed) when it does. A blocked pool would hang here, and fail.
            let destination = try SQLiteDestination(path: path, busyTimeout: 600)
            try await destination.prepare([schema])
            destinations.append(destination)
        }
        // Another connection takes the write lock and holds it, on its own queue, until this task releases it.
        let holder = try DatabaseQueue(path: path)
        let release = DispatchSemaphore(value: 0)
        try await withCheckedThrowingContinuation { (locked: CheckedContinuation<Void, any Error>) in
            holder.asyncWriteWithoutTransaction { db in
                do { try db.execute(sql: "BEGIN IMMEDIATE") } catch { return locked.resume(throwing: error) }
                locked.resume()
                release.wait()
                try? db.execute(sql: "COMMIT")
            }
        }
        let events = Protected<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, destination) in destinations.enumerated() {
                let batch = RowBatch(schema: schema, rows: [row("\(index)", "2024-01-01", spend: "1", impressions: 1)])
                group.addTask {
                    try await destination.loadPage(batch)
                    events.withLock { $0.append("committed") }
                }
            }
            // A few yields let the commits' tasks take the pool first.
            for _ in 0..<10 { await Task.yield() }
            events.withLock { $0.append("released") }
            release.signal()
            try await group.waitForAll()
        }
        #expect(events.value == ["released"] + Array(repeating: "committed", count: waiting))
        #expect(try await destinations[0].dump(table: schema.name).count == waiting)
        try holder.close()
        for destination in destinations { await destination.close() }
    }
}
