import Foundation
import GRDB
import GRDBSQLite
import SyncKit

/// The embedded default destination: one SQLite file, typed tables created from the catalog, rows
/// upserted on each table's unique key. A load is one page: its rows and its checkpoints (the stream
/// state) commit in one SQLite transaction.
///
/// SQLite is reached through GRDB: one `DatabaseQueue` whose serial dispatch queue runs every statement, so no
/// blocking SQLite call (a step, a busy wait, a WAL checkpoint) occupies a thread of Swift's cooperative pool.
/// Only `init` opens the file on its caller's thread, as a synchronous initializer must.
public actor SQLiteDestination: Destination {
    public nonisolated let path: String
    public nonisolated var displayName: String { Self.displayName(path: path) }

    /// How a database at `path` is named in messages and locks.
    public static func displayName(path: String) -> String { "sqlite:\(path)" }

    private let database: DatabaseQueue
    /// What this destination has prepared; read and changed only inside database accesses, which GRDB serializes.
    private let cache = Protected(SchemaCache())

    struct SchemaCache: Sendable {
        /// Tables created or widened by this destination (or found up to date).
        var prepared: Set<String> = []
        /// The upsert statement's SQL for each schema (GRDB caches the prepared statement by its SQL).
        var upsertSQL: [TableSchema: String] = [:]
    }

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "SQLiteDestination"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw SyncError(.destination, "Cannot open the SQLite database at \(path). Check the directory exists and is writable.", cause: error)
        }
    }

    public nonisolated var loadScope: LoadScope { .page }

    /// Closes the connection (checkpointing the WAL into the file). GRDB's `close()` waits for the connection's
    /// queue, so it runs on a dispatch queue of its own while this task is suspended, not on the cooperative pool.
    public func close() async {
        let database = database
        await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
            DispatchQueue(label: "SQLiteDestination.close").async {
                // It fails only while a statement is still alive; this type keeps none outside an access, and GRDB
                // finalizes its cached ones first. The connection is then closed when the queue is released.
                try? database.close()
                closed.resume()
            }
        }
    }

    /// Runs `body` on the connection's serial dispatch queue and returns its result. GRDB's own `async` `read` and
    /// `write` would throw `CancellationError` in a cancelled task, but a cancelled run still commits the page in
    /// hand and records itself in the run history, as it always has.
    private func access<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            database.asyncWriteWithoutTransaction { db in
                continuation.resume(with: Result { try body(db) })
            }
        }
    }

    // MARK: Schema

    static func sqlType(_ type: FieldType) -> String {
        switch type {
        case .string, .date, .datetime, .json: "TEXT"
        case .integer, .boolean: "INTEGER"
        case .decimal, .float: "REAL"
        }
    }

    public func prepare(_ schemas: [TableSchema]) async throws {
        let cache = cache, path = path
        try await access { db in
            try Self.prepare(schemas, in: db, cache: cache, path: path)
        }
    }

    private static func prepare(_ schemas: [TableSchema], in db: Database, cache: Protected<SchemaCache>, path: String) throws {
        do {
            for schema in schemas { try prepare(schema, in: db, cache: cache) }
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.destination, "Cannot create or update tables in \(path).", cause: error)
        }
    }

    private static func prepare(_ schema: TableSchema, in db: Database, cache: Protected<SchemaCache>) throws {
        let existing = try columns(of: schema.name, in: db)
        if existing.isEmpty {
            let columns = schema.fields.map { "\(quoteIdentifier($0.name)) \(sqlType($0.type))\(schema.key.contains($0.name) ? " NOT NULL" : "")" }
            let key = schema.key.map(quoteIdentifier).joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE \(quoteIdentifier(schema.name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key)))")
            if let time = schema.timeField {
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(quoteIdentifier("\(schema.name)_\(time)")) ON \(quoteIdentifier(schema.name)) (\(quoteIdentifier(time)))")
            }
        } else {
            for field in schema.fields where !existing.contains(field.name) {
                try db.execute(sql: "ALTER TABLE \(quoteIdentifier(schema.name)) ADD COLUMN \(quoteIdentifier(field.name)) \(sqlType(field.type))")
            }
        }
        cache.withLock { _ = $0.prepared.insert(schema.name) }
    }

    private static func columns(of table: String, in db: Database) throws -> Set<String> {
        let rows = try query("SELECT name FROM pragma_table_info(?)", [table], in: db)
        return Set(rows.compactMap { $0.first.flatMap(text) })
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { SQLiteLoad(destination: self) }

    /// Upserts every batch, checkpoints last, in one transaction.
    func apply(_ batches: [RowBatch]) async throws {
        let cache = cache, path = path
        try await access { db in
            for batch in batches where !batch.isEmpty && !cache.withLock({ $0.prepared.contains(batch.schema.name) }) {
                try Self.prepare([batch.schema], in: db, cache: cache, path: path)
            }
            do {
                try db.inTransaction(.immediate) {
                    for batch in batches where !batch.isEmpty {
                        let statement = try db.cachedStatement(sql: Self.upsertSQL(for: batch.schema, cache: cache))
                        try Self.upsert(batch.rows, with: statement, in: db)
                    }
                    return .commit
                }
            } catch {
                throw SyncError(.destination, "Cannot write \(batches.map(\.schema.name).joined(separator: ", ")) to \(path).", cause: error)
            }
        }
    }

    /// Runs the cached upsert statement once per row. The hot loop of a sync: binding and stepping go straight to
    /// the statement's SQLite handle (GRDB's `setUncheckedArguments` + `execute()` resets twice and does per-statement
    /// bookkeeping for observers this destination has none of; it cost about 20% of end-to-end throughput).
    /// The statement is left reset, so GRDB's cache can hand it out again, failed or not.
    private static func upsert(_ rows: [[Value]], with statement: Statement, in db: Database) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        for row in rows {
            sqlite3_reset(handle)
            for (index, value) in row.enumerated() {
                let code = sqliteValue(value).bind(to: handle, at: CInt(index + 1))
                guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql) }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql) }
        }
    }

    private static func upsertSQL(for schema: TableSchema, cache: Protected<SchemaCache>) -> String {
        if let sql = cache.withLock({ $0.upsertSQL[schema] }) { return sql }
        let columns = schema.fields.map { quoteIdentifier($0.name) }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let updates = schema.fields.filter { !schema.key.contains($0.name) }
            .map { "\(quoteIdentifier($0.name)) = excluded.\(quoteIdentifier($0.name))" }
        let conflict = schema.key.map(quoteIdentifier).joined(separator: ", ")
        let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"
        let sql = "INSERT INTO \(quoteIdentifier(schema.name)) (\(columns.joined(separator: ", "))) VALUES (\(placeholders)) ON CONFLICT (\(conflict)) \(action)"
        cache.withLock { $0.upsertSQL[schema] = sql }
        return sql
    }

    /// The value SQLite stores: decimals as REAL (kept as TEXT when they do not parse), booleans as 0 or 1.
    static func sqliteValue(_ value: Value) -> DatabaseValue {
        switch value {
        case .null: .null
        case .string(let s), .date(let s), .datetime(let s), .json(let s): s.databaseValue
        case .integer(let i): i.databaseValue
        case .decimal(let s): Double(s)?.databaseValue ?? s.databaseValue
        case .float(let d): d.databaseValue
        case .boolean(let b): (b ? 1 : 0 as Int64).databaseValue
        }
    }

    /// A stored value as text, the way `Value(text:as:)` and the inspection helpers read it.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .int64(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }

    /// Every row of a query with its arguments, through the connection's statement cache.
    private static func query(_ sql: String, _ arguments: StatementArguments = StatementArguments(), in db: Database) throws -> [[DatabaseValue]] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var result: [[DatabaseValue]] = []
        while let row = try rows.next() { result.append(Array(row.databaseValues)) }
        return result
    }

    // MARK: Reading and deleting

    public func rows(of schema: TableSchema) async throws -> [[Value]] {
        try await access { db in
            let existing = try Self.columns(of: schema.name, in: db)
            guard !existing.isEmpty else { return [] }
            let selected = schema.fields.map { existing.contains($0.name) ? quoteIdentifier($0.name) : "NULL" }
            return try Self.query("SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(schema.name))", in: db).map { row in
                zip(row, schema.fields).map { Value(text: Self.text($0), as: $1.type) }
            }
        }
    }

    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        try await access { db in
            guard try !Self.columns(of: schema.name, in: db).isEmpty else { return 0 }
            let sql: String
            let arguments: StatementArguments
            switch filter {
            case .before(let cutoff):
                guard let time = schema.timeField else { return 0 }
                sql = "DELETE FROM \(quoteIdentifier(schema.name)) WHERE \(quoteIdentifier(time)) < ?"
                arguments = [cutoff.description]
            case .matching(let pairs):
                let conditions = pairs.map { "\(quoteIdentifier($0.column)) = ?" }
                sql = "DELETE FROM \(quoteIdentifier(schema.name))" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                arguments = StatementArguments(pairs.map { Self.sqliteValue($0.value) })
            }
            try db.cachedStatement(sql: sql).execute(arguments: arguments)
            return db.changesCount
        }
    }

    // MARK: Inspection (tests, `state show`)

    /// Every row of a table as text, sorted, for comparing two databases' content.
    public func dump(table: String) async throws -> [String] {
        try await access { db in
            guard try !Self.columns(of: table, in: db).isEmpty else { return [] }
            return try Self.query("SELECT * FROM \(quoteIdentifier(table))", in: db)
                .map { $0.map { Self.text($0).map { "'\($0)'" } ?? "NULL" }.joined(separator: "|") }
                .sorted()
        }
    }

    /// Names of the data tables (not the tool's own bookkeeping tables).
    public func tables() async throws -> [String] {
        try await access { db in
            try Self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name", in: db)
                .compactMap { $0.first.flatMap(Self.text) }
        }
    }

    /// Runs a read-only query and returns rows as text (the demo's sample query).
    public func select(_ sql: String) async throws -> [[String?]] {
        try await access { db in
            try Self.query(sql, in: db).map { $0.map(Self.text) }
        }
    }
}

/// Quotes an identifier for SQL.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// One page's load: the rows and checkpoints are kept until `commit` applies them in one SQLite
/// transaction, so loads of concurrent streams never interleave on the shared connection.
struct SQLiteLoad: LoadTransaction {
    let destination: SQLiteDestination
    private let batches = Protected<[RowBatch]>([])

    init(destination: SQLiteDestination) { self.destination = destination }

    func write(_ batch: RowBatch) { batches.withLock { $0.append(batch) } }

    func commit(checkpoints: [RowBatch]) async throws {
        let all = batches.withLock { pending in
            defer { pending = [] }
            return pending
        }
        try await destination.apply(all + checkpoints)
    }

    func rollback() { batches.withLock { $0 = [] } }
}
