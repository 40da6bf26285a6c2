import Destinations
import Foundation
import SyncKit
import Testing

/// The protocol destination on the load contract: a commit's records come out before the state that covers them,
/// nothing of a rolled-back load comes out, and the state read at the start is the one handed in.
struct ProtocolDestinationTests {
    static let key = StreamKey(advertiserID: "7000000000000000001", object: "ad_insights")
    static let schema = ProtocolMessageTests.schema

    static func destination(_ dialect: any ProtocolDialect, state: ProtocolState = ProtocolState()) -> (ProtocolDestination, Protected<[String]>) {
        let lines = Protected<[String]>([])
        let output = ProtocolOutput { text in lines.withLock { $0 += text.split(separator: "\n").map(String.init) } }
        return (ProtocolDestination(displayName: "test", dialect: dialect, output: output,
                                    streamNames: ["ad_insights": "tiktok_ads_ad_insights"], state: state), lines)
    }

    static func types(_ lines: [String]) throws -> [String] {
        try lines.map { try #require(ProtocolMessageTests.parse($0)["type"] as? String) }
    }

    static func page(_ count: Int) -> RowBatch {
        RowBatch(schema: schema, rows: Array(repeating: ProtocolMessageTests.row, count: count), stream: key)
    }

    @Test func aCommitWritesItsRecordsThenTheStateThatCoversThem() async throws {
        let (destination, lines) = Self.destination(SingerDialect())
        try await destination.loadPage(Self.page(2))
        #expect(try Self.types(lines.value) == ["RECORD", "RECORD"], "a page without a checkpoint moves no state")
        let checkpoint = StreamCheckpoint(key: Self.key, state: StreamState(bookmark: LocalDate("2026-03-14"), syncedAt: Date()))
        try await destination.loadPage(Self.page(3), checkpoint: checkpoint)
        #expect(try Self.types(lines.value) == ["RECORD", "RECORD", "RECORD", "RECORD", "RECORD", "STATE"])
        #expect(destination.state.streams[Self.key]?.bookmark == LocalDate("2026-03-14"))
        let last = try #require(lines.value.last)
        let value = try #require(try ProtocolMessageTests.parse(last)["value"] as? [String: Any])
        #expect((value["bookmarks"] as? [String: [String: [String: Any]]])?["tiktok_ads_ad_insights"]?[Self.key.advertiserID]?["bookmark"] as? String == "2026-03-14")
    }

    @Test func aRolledBackLoadWritesNothing() async throws {
        let (destination, lines) = Self.destination(SingerDialect())
        let load = try await destination.begin()
        try await load.write(Self.page(4))
        await load.rollback()
        #expect(lines.value.isEmpty)
        #expect(destination.state.streams.isEmpty)
    }

    @Test func airbyteSaysRunningBeforeTheFirstRecordAndCountsRecordsPerState() async throws {
        let (destination, lines) = Self.destination(AirbyteDialect())
        try await destination.loadPage(Self.page(2))
        try await destination.loadPage(Self.page(1), checkpoint: StreamCheckpoint(key: Self.key, state: StreamState(bookmark: nil, syncedAt: Date())))
        try await destination.loadPage(Self.page(1), checkpoint: StreamCheckpoint(key: Self.key, state: StreamState(bookmark: nil, syncedAt: Date())))
        #expect(try Self.types(lines.value) == ["TRACE", "RECORD", "RECORD", "RECORD", "STATE", "RECORD", "STATE"])
        let counts = try lines.value.filter { $0.contains(#""type":"STATE""#) }.map { line in
            ((try ProtocolMessageTests.parse(line)["state"] as? [String: Any])?["sourceStats"] as? [String: Any])?["recordCount"] as? Int
        }
        #expect(counts == [3, 1], "each STATE counts the records of its stream since the last one")
    }

    @Test func theLearnedPaceGoesOutInSingerStateOnly() async throws {
        let pace = RowBatch(schema: PacingStore.schema, rows: [[.string("report/integrated/get"), .float(7.5), .null, .datetime("2026-03-15 12:00:00.000000")]])
        let (singer, singerLines) = Self.destination(SingerDialect())
        try await singer.commitBookkeeping(pace)
        #expect(try Self.types(singerLines.value) == ["STATE"])
        #expect(singer.state.pacing["report/integrated/get"]?.requestsPerSecond == 7.5)
        let (airbyte, airbyteLines) = Self.destination(AirbyteDialect())
        try await airbyte.commitBookkeeping(pace)
        try await airbyte.commitBookkeeping(RowBatch(schema: RunHistory.schema, rows: []))
        #expect(airbyteLines.value.isEmpty, "per-stream state has no place for the pace; the run history stays in memory")
    }

    @Test func theStateHandedInIsWhatTheRunReadsAndThePaceItStartsFrom() async throws {
        let (destination, _) = Self.destination(SingerDialect(), state: ProtocolMessageTests.state)
        #expect(try await destination.loadState() == ProtocolMessageTests.state.streams)
        let plans = try await destination.checkSchemas([StateStore.schema, RunHistory.schema, PacingStore.schema, Self.schema])
        #expect(plans.first { $0.schema.name == PacingStore.schema.name }?.exists == true, "a state with a pace: the pace table exists")
        #expect(plans.first { $0.schema.name == Self.schema.name }?.exists == false, "streams are declared afresh by every run")
        #expect(try await PacingStore.load(from: destination)["report/integrated/get"]?.requestsPerSecond == 9.5)
    }

    @Test func bookkeepingTablesStayInMemoryAndAreNeverEmitted() async throws {
        let (destination, lines) = Self.destination(SingerDialect())
        let other = TableSchema(name: "_tiktok_ads_findings", fields: [Field("id", .string, "id"), Field("note", .string, "note")], key: ["id"])
        try await destination.commitBookkeeping(RowBatch(schema: other, rows: [[.string("a"), .string("first")]]))
        try await destination.commitBookkeeping(RowBatch(schema: other, rows: [[.string("a"), .string("second")], [.string("b"), .string("x")]]))
        var run = RunRecord(startedAt: Date(timeIntervalSince1970: 1_773_576_000))
        try await destination.recordRun(run)
        run.status = .succeeded
        try await destination.recordRun(run)
        #expect(lines.value.isEmpty, "no record of a bookkeeping table reaches the stream")
        #expect(try await destination.rows(of: other) == [[.string("a"), .string("second")], [.string("b"), .string("x")]], "upserted on the key")
        #expect(try await destination.recentRuns(limit: 5).map(\.status) == [.succeeded])
        #expect(try await destination.rows(of: Self.schema).isEmpty, "data rows are not kept")
    }

    @Test func emittedRowsCannotBeDeleted() async throws {
        let (destination, _) = Self.destination(SingerDialect())
        let error = try await #require(throws: SyncError.self) { try await destination.deleteRows(of: Self.schema, before: LocalDate(dayNumber: 0)) }
        #expect(error.message.contains("Apply retention in the target"))
    }
}
