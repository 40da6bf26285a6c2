import Foundation

/// Where synced rows land: storage primitives only. Everything above them (which rows go together, when a
/// stream's state moves, the run history) is shared code: `SyncEngine`, `StateStore`, `RunHistory`.
///
/// A new destination implements these requirements and a `LoadTransaction`; it never writes state or run history
/// itself, those are ordinary tables it is asked to prepare, write and read like any other. Nor does it judge an
/// existing table: it reports what it finds (`inspectTables`) and how it stores columns (`schemaRules`), and
/// `SchemaCheck` decides, the same way for every destination (`prepare` = `checkSchemas` + `applySchema`).
public protocol Destination: Sendable {
    /// A short name for messages, e.g. `sqlite:/path/file.sqlite`.
    var displayName: String { get }

    /// How much one load holds: a page where a commit is cheap (a database transaction), the whole run where a
    /// commit is expensive (a load job and a MERGE, a spreadsheet write).
    var loadScope: LoadScope { get }

    /// How this destination stores tables: column types, what makes a key hold, whether columns can be added.
    var schemaRules: SchemaRules { get }

    /// What exists of the named tables (absent ones are left out), as the destination declares it. Writes nothing.
    func inspectTables(_ names: [String]) async throws -> [String: FoundTable]

    /// Creates the tables and adds the nullable columns that `plans` (from `checkSchemas`) name, and nothing else.
    func applySchema(_ plans: [TablePlan]) async throws

    /// Starts a load: rows written to it become visible only at its `commit`.
    func begin() async throws -> any LoadTransaction

    /// Every row of a small table (state, run history), values in `schema`'s column order; empty when the table does not exist.
    func rows(of schema: TableSchema) async throws -> [[Value]]

    /// The rows of a time-series table in `range` (values in `schema`'s column order); empty when the table does not
    /// exist. A default reads every row and filters them; a database answers it with a query.
    func rows(of schema: TableSchema, in range: RowRange) async throws -> [[Value]]

    /// Per value of `column` (e.g. each advertiser's): the table's rows, and with `days` how many local days that
    /// column's values cover. Nil when the table or a column is missing. A default reads both columns of every row and
    /// counts them here (`RowCount.readingEveryRow`); a database counts with one query (`SQLQuerying`).
    func countRows(of table: String, by column: String, days: String?) async throws -> [String: RowCount]?

    /// Per value of `column` and local day (`day`, a daily table's date column) from `from` through `through`: the sums
    /// of `metrics` in their order (nil where every value is NULL, or the table has no such column). Nil when the table,
    /// `column` or `day` is missing. A default
    /// reads the range's rows and sums them here (`RowCount.summingEveryRow`); a database sums with one query.
    func dailySums(of table: String, by column: String, day: String, metrics: [String],
                   from: LocalDate, through: LocalDate) async throws -> [String: [LocalDate: [Decimal?]]]?

    /// Deletes the rows `filter` matches; returns how many.
    func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int

    /// Releases connections and staging; the destination is not used afterwards.
    func close() async
}

/// How much one `LoadTransaction` holds, chosen by the destination for what a commit costs there.
public enum LoadScope: Sendable {
    /// One page of one stream per transaction, its slice's checkpoint in the same transaction.
    case page
    /// Every page of the run in one transaction, committed once at the end with the checkpoints of every completed slice.
    case run
}

/// Which rows `deleteRows` removes.
public enum RowFilter: Sendable, Hashable {
    /// Rows whose time field (`TableSchema.timeField`) is before the date.
    case before(LocalDate)
    /// Rows whose columns equal every given value (no pairs: every row).
    case matching([ColumnValue])
    /// Rows whose columns equal every `scope` value but whose `stamp` column holds another value than `stamp`'s,
    /// or none: an earlier snapshot's rows, once the snapshot stamped `stamp` is committed (see `Snapshot`).
    case superseded(scope: [ColumnValue], stamp: ColumnValue)
}

extension RowFilter {
    /// Whether a row matches an equality or snapshot filter, comparing values by their text (`.before`: see the time
    /// field). For destinations that filter rows themselves; `cell` reads a column's text (nil: empty or absent).
    public func matches(cell: (String) -> String?) -> Bool {
        switch self {
        case .before: false
        case .matching(let pairs): pairs.allSatisfy { cell($0.column) == $0.value.text }
        case .superseded(let scope, let stamp):
            scope.allSatisfy { cell($0.column) == $0.value.text } && cell(stamp.column) != stamp.value.text
        }
    }
}

/// A column and a value, for `RowFilter.matching`.
public struct ColumnValue: Sendable, Hashable {
    public var column: String
    public var value: Value

    public init(_ column: String, _ value: Value) {
        self.column = column
        self.value = value
    }
}

/// One load into a destination: rows written to it are upserted on each table's key at `commit`, together
/// where the destination has transactions.
public protocol LoadTransaction: Sendable {
    /// Adds rows (upserted on the table's unique key; not visible before `commit`).
    func write(_ batch: RowBatch) async throws

    /// Makes every written row visible, then `checkpoints` (rows of bookkeeping tables such as the stream state):
    /// in one transaction where the destination has them, otherwise data first and checkpoints after, so a
    /// checkpoint is never visible before the rows it describes. A crash in between repeats work, never loses it.
    func commit(checkpoints: [RowBatch]) async throws

    /// Discards everything written; nothing becomes visible.
    func rollback() async
}

extension LoadTransaction {
    /// Commits with no checkpoint.
    public func commit() async throws { try await commit(checkpoints: []) }
}

/// A load that keeps its rows in memory until `commit` hands them, checkpoints last, to `apply` in one go: for
/// destinations whose page-sized transaction is cheap (SQLite, PostgreSQL), so loads of concurrent streams never
/// interleave inside one database transaction.
public struct BufferedLoad: LoadTransaction {
    private let apply: @Sendable ([RowBatch]) async throws -> Void
    private let batches = Protected<[RowBatch]>([])

    public init(apply: @escaping @Sendable ([RowBatch]) async throws -> Void) { self.apply = apply }

    public func write(_ batch: RowBatch) { batches.withLock { $0.append(batch) } }

    public func commit(checkpoints: [RowBatch]) async throws {
        let all = batches.withLock { pending in
            defer { pending = [] }
            return pending
        }
        try await apply(all + checkpoints)
    }

    public func rollback() { batches.withLock { $0 = [] } }
}
