/// Where synced rows land. Implementations upsert on each table's unique key, so a re-run never duplicates.
///
/// A checkpoint given with a batch must not become visible before that batch's rows: destinations with
/// transactions write both in one; others commit rows first and the state after.
public protocol Destination: Sendable {
    /// A short name for messages, e.g. `sqlite:/path/file.sqlite`.
    var displayName: String { get }

    /// Creates missing tables and adds columns for newly selected fields.
    func prepare(_ schemas: [TableSchema]) async throws

    /// The committed state of every stream.
    func loadState() async throws -> [StreamKey: StreamState]

    /// Upserts `batch` and, with it, `checkpoint`.
    func write(_ batch: RowBatch, checkpoint: StreamCheckpoint?) async throws

    /// Makes everything written to `schema`'s table in this run durable (a no-op where writes already are).
    func finish(_ schema: TableSchema) async throws

    /// Forgets the state of the streams that match; nil matches every value.
    func resetState(advertiserID: String?, object: String?) async throws -> Int

    /// Deletes rows of a time-series table whose date is before `cutoff`; returns how many.
    func deleteRows(of schema: TableSchema, before cutoff: LocalDate) async throws -> Int

    /// Inserts or updates a run in the run history.
    func recordRun(_ run: RunRecord) async throws

    /// The most recent runs, newest first.
    func recentRuns(limit: Int) async throws -> [RunRecord]

    /// Releases the connection; the destination is not used afterwards.
    func close() async
}
