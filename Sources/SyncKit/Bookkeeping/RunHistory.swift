import Foundation

/// The run history (one row per run: when, how it ended, counters per object, skipped advertisers, errors),
/// kept as an ordinary table in every destination by this one piece of code.
public enum RunHistory {
    public static let schema = TableSchema(name: "_tiktok_ads_runs", fields: [
        Field("run_id", .string, "Run id"),
        Field("started_at", .datetime, "Start (UTC)"),
        Field("ended_at", .datetime, "End (UTC)"),
        Field("status", .string, "running, succeeded, partial, failed, cancelled or interrupted"),
        Field("rows", .integer, "Rows written"),
        Field("requests", .integer, "API requests"),
        Field("objects", .string, "Per-object counters (JSON text)"),
        Field("skipped_advertisers", .string, "Advertiser id -> reason (JSON text)"),
        Field("errors", .string, "Errors (JSON text)"),
        Field("pacing", .string, "Per endpoint family: the pace the run settled on and its rate-limit answers (JSON text)"),
    ], key: ["run_id"])

    /// Inserts or updates a run (a run records itself when it starts, and again with its outcome). The row is
    /// bookkeeping: it goes as a checkpoint, which destinations upsert cheaply (no load job).
    public static func record(_ run: RunRecord, in destination: any Destination) async throws {
        try await destination.commitBookkeeping(RowBatch(schema: schema, rows: [row(run)]))
    }

    /// The most recent runs, newest first.
    public static func recent(limit: Int, in destination: any Destination) async throws -> [RunRecord] {
        let runs = try await destination.rows(of: schema).compactMap(run(from:))
        return Array(runs.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }.prefix(max(0, limit)))
    }

    /// How many recent runs `markInterrupted` looks at: more than the killed runs that pile up between two syncs.
    public static let interruptedScanLimit = 100

    /// Marks every run the history still shows as `running` as `interrupted`, and returns how many.
    ///
    /// A run records itself as `running` when it starts and with its outcome when it ends; one killed (SIGKILL, power
    /// loss) never writes the outcome. Call this only holding the destination's `SyncLock`: then no other run is going,
    /// so every `running` row belongs to a process that is gone. Its committed data is kept and the next run re-reads
    /// what it missed from the bookmarks.
    @discardableResult
    public static func markInterrupted(in destination: any Destination, limit: Int = interruptedScanLimit) async throws -> Int {
        var marked = 0
        for var run in try await recent(limit: limit, in: destination) where run.status == .running {
            run.status = .interrupted
            run.errors.append("The process ended before recording how the run finished (killed, or the machine stopped); "
                              + "what it committed is kept, and the run that found it re-read the rest from the bookmarks.")
            try await record(run, in: destination)
            marked += 1
        }
        return marked
    }

    static func row(_ run: RunRecord) -> [Value] {
        [.string(run.id), .datetime(UTCText.format(run.startedAt)), run.endedAt.map { .datetime(UTCText.format($0)) } ?? .null,
         .string(run.status.rawValue), .integer(Int64(run.totalRows)), .integer(Int64(run.totalRequests)),
         .string(jsonText(run.objects)), .string(jsonText(run.skippedAdvertisers)), .string(jsonText(run.errors)),
         run.pacing.isEmpty ? .null : .string(jsonText(run.pacing))]
    }

    static func run(from row: [Value]) -> RunRecord? {
        guard row.count == schema.fields.count, let id = row[0].text else { return nil }
        func decode<T: Decodable>(_ value: Value, as type: T.Type, default fallback: T) -> T {
            value.text.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) } ?? fallback
        }
        var run = RunRecord(id: id, startedAt: row[1].text.flatMap(UTCText.parse) ?? Date(timeIntervalSince1970: 0),
                            endedAt: row[2].text.flatMap(UTCText.parse),
                            status: row[3].text.flatMap(RunStatus.init(rawValue:)) ?? .failed,
                            objects: decode(row[6], as: [String: ObjectStatistics].self, default: [:]),
                            skippedAdvertisers: decode(row[7], as: [String: String].self, default: [:]),
                            errors: decode(row[8], as: [String].self, default: []))
        // Runs recorded before the column existed have none (NULL): their pacing is unknown, shown as empty.
        run.pacing = decode(row[9], as: [EndpointPacing].self, default: [])
        return run
    }

    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

extension Destination {
    /// The committed state of every stream (`StateStore`).
    public func loadState() async throws -> [StreamKey: StreamState] { try await StateStore.load(from: self) }

    /// Forgets the state of the streams that match; nil matches every value (`StateStore`).
    public func resetState(advertiserID: String?, object: String?) async throws -> Int {
        try await StateStore.reset(in: self, advertiserID: advertiserID, object: object)
    }

    /// Inserts or updates a run in the run history (`RunHistory`).
    public func recordRun(_ run: RunRecord) async throws { try await RunHistory.record(run, in: self) }

    /// The most recent runs, newest first (`RunHistory`).
    public func recentRuns(limit: Int) async throws -> [RunRecord] { try await RunHistory.recent(limit: limit, in: self) }

    /// Marks runs left `running` by a process that is gone as `interrupted` (`RunHistory`).
    @discardableResult
    public func markInterruptedRuns() async throws -> Int { try await RunHistory.markInterrupted(in: self) }

    /// Deletes rows of a time-series table whose date is before `cutoff`; returns how many.
    public func deleteRows(of schema: TableSchema, before cutoff: LocalDate) async throws -> Int {
        guard schema.timeField != nil else { return 0 }
        return try await deleteRows(of: schema, where: .before(cutoff))
    }

    /// Upserts rows of a bookkeeping table on its own: they go as a checkpoint, which destinations upsert cheaply
    /// (no load job), in a transaction of their own.
    public func commitBookkeeping(_ batch: RowBatch) async throws {
        try await commitAlone(checkpoints: [batch])
    }

    /// Upserts `data` then `checkpoints` in a load of their own, outside any stream: all of it becomes visible, or nothing.
    public func commitAlone(_ data: [RowBatch] = [], checkpoints: [RowBatch] = []) async throws {
        let transaction = try await begin()
        do {
            for batch in data { try await transaction.write(batch) }
            try await transaction.commit(checkpoints: checkpoints)
        } catch {
            await transaction.rollback()
            throw error
        }
    }

    /// Prepares the bookkeeping tables (state, run history and learned pace) with the data tables.
    public func prepareWithBookkeeping(_ schemas: [TableSchema]) async throws {
        try await prepare([StateStore.schema, RunHistory.schema, PacingStore.schema] + schemas)
    }
}
