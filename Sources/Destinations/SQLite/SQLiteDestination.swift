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
public actor SQLiteDestination: SQLRowReading, SQLQuerying {
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

    /// Pages the WAL grows by before a commit copies them back into the database file (SQLite's default is 1,000).
    /// A sync's commits rewrite the same index pages again and again: each checkpoint writes a page back once however
    /// often it changed since the last, and syncs the file once, so a WAL of about 32 MB (8,000 pages of 4 KB) writes
    /// far less than eight of 4 MB. Measured with `tiktok-ads-bench --workload sync`, the two interleaved (README,
    /// Figures): about 10% more rows per second on 50 advertisers, 15–20% on the 1M-row backfill; larger WALs were no
    /// faster, and a bigger page cache only raised the peak RSS.
    static let walCheckpointPages = 8_000

    /// - Parameter busyTimeout: how long a statement waits for another connection's lock before it fails (seconds).
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "SQLiteDestination"
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=\(Self.walCheckpointPages);")
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
        // It fails only while a statement is still alive; this type keeps none outside an access, and GRDB finalizes
        // its cached ones first. The connection is then closed when the queue is released.
        try? await DispatchQueue(label: "SQLiteDestination.close").perform { try database.close() }
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

    /// SQLite keeps a column's declared type only as an affinity: a column stores our values unchanged when its
    /// affinity is the one of the type tiktok-ads declares (`VARCHAR(20)` is as good as `TEXT`; `NUMERIC` would turn
    /// an id like 00123 into 123, `TEXT` would keep spend as text). Upserts name the key (`ON CONFLICT`), so it must be
    /// the primary key or a unique index; a nullable column can always be added.
    public nonisolated var schemaRules: SchemaRules { Self.rules(path: path) }

    static func rules(path: String) -> SchemaRules {
        dialect.schemaRules(destination: displayName(path: path), typeName: { Self.sqlType($0) },
                            accepts: { declared, type in Self.affinity(declared) == Self.affinity(Self.sqlType(type)) },
                            caseInsensitiveNames: true, renameHow: ", e.g. in the sqlite3 shell", elsewhere: "pass another database with --sqlite")
    }

    /// SQLite's spelling of the shared SQL: plain quoted table names, `?` placeholders, a named index.
    static let dialect = SQLDialect(table: { SQLText.quote($0) }, columnType: { field, _ in sqlType(field.type) }, numberedPlaceholders: false,
                                    distinct: "IS NOT", comments: false,
                                    createIndex: { table, name, column in "CREATE INDEX IF NOT EXISTS \(SQLText.quote(name)) ON \(table) (\(column))" })

    /// The affinity SQLite gives a declared type (its rules, in order: INT, CHAR/CLOB/TEXT, BLOB or none, REAL/FLOA/DOUB, else NUMERIC).
    static func affinity(_ declared: String) -> String {
        let type = declared.uppercased()
        if type.contains("INT") { return "INTEGER" }
        if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") { return "TEXT" }
        if type.contains("BLOB") || type.trimmingCharacters(in: .whitespaces).isEmpty { return "BLOB" }
        if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") { return "REAL" }
        return "NUMERIC"
    }

    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        let path = path
        return try await access { db in
            do {
                return try Self.inspect(names, in: db)
            } catch {
                throw SyncError(.destination, "Cannot read the tables of \(path).", cause: error)
            }
        }
    }

    public func applySchema(_ plans: [TablePlan]) async throws {
        let cache = cache, path = path
        try await access { db in try Self.apply(plans, in: db, cache: cache, path: path) }
    }

    /// Checks and prepares tables inside one access (the write path's own, for tables not prepared yet).
    private static func prepare(_ schemas: [TableSchema], in db: Database, cache: Protected<SchemaCache>, path: String) throws {
        let found: [String: FoundTable]
        do {
            found = try inspect(schemas.map(\.name), in: db)
        } catch {
            throw SyncError(.destination, "Cannot read the tables of \(path).", cause: error)
        }
        try apply(SchemaCheck.plan(schemas, found: found, rules: rules(path: path)), in: db, cache: cache, path: path)
    }

    /// What exists of each table: its kind, its columns with their declared types, and the primary key and unique
    /// indexes (every unique index on plain columns that is not partial).
    static func inspect(_ names: [String], in db: Database) throws -> [String: FoundTable] {
        var found: [String: FoundTable] = [:]
        for name in names where found[name] == nil {
            let kinds = try query("SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')", [name], in: db)
            guard let kind = kinds.first?.first.flatMap(text) else { continue }
            let info = try query(#"SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)"#, [name], in: db)
            let primaryKey = info.compactMap { row -> (Int, String)? in
                guard let position = text(row[4]).flatMap(Int.init), position > 0, let column = text(row[0]) else { return nil }
                return (position, column)
            }.sorted { $0.0 < $1.0 }.map(\.1)
            let columns = info.compactMap { row -> FoundColumn? in
                guard let column = text(row[0]) else { return nil }
                let type = text(row[1]) ?? ""
                // A single INTEGER PRIMARY KEY is the rowid, which SQLite fills by itself.
                let isRowID = primaryKey == [column] && type.uppercased() == "INTEGER"
                let requiresValue = text(row[2]) == "1" && row[3].isNull && !isRowID
                return FoundColumn(name: column, type: type, requiresValue: requiresValue)
            }
            var uniqueKeys: [[String]] = primaryKey.isEmpty ? [] : [primaryKey]
            for index in try query(#"SELECT name, "unique", partial FROM pragma_index_list(?)"#, [name], in: db) {
                guard text(index[1]) == "1", text(index[2]) == "0", let indexName = text(index[0]) else { continue }
                let indexed = try query("SELECT name FROM pragma_index_info(?)", [indexName], in: db).map { $0.first.flatMap(text) }
                guard !indexed.isEmpty, !indexed.contains(nil) else { continue }  // an expression is no column key
                let key = indexed.compactMap { $0 }
                if !uniqueKeys.contains(key) { uniqueKeys.append(key) }
            }
            found[name] = FoundTable(name: name, columns: columns, uniqueKeys: uniqueKeys, kind: kind == "table" ? nil : kind)
        }
        return found
    }

    /// Creates the planned tables (typed columns, the key as primary key, an index on the time column) and adds
    /// planned columns, in one transaction.
    private static func apply(_ plans: [TablePlan], in db: Database, cache: Protected<SchemaCache>, path: String) throws {
        do {
            if plans.contains(where: \.changesSomething) {
                try db.inTransaction(.immediate) {
                    for statement in plans.flatMap(dialect.statements) { try db.execute(sql: statement) }
                    return .commit
                }
            }
        } catch {
            throw SyncError(.destination, "Cannot create or update tables in \(path).", cause: error)
        }
        cache.withLock { prepared in for plan in plans { prepared.prepared.insert(plan.schema.name) } }
    }

    private static func columns(of table: String, in db: Database) throws -> Set<String> {
        let rows = try query("SELECT name FROM pragma_table_info(?)", [table], in: db)
        return Set(rows.compactMap { $0.first.flatMap(text) })
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { BufferedLoad { try await self.apply($0) } }

    /// Upserts every batch, checkpoints last, in one transaction.
    func apply(_ batches: [RowBatch]) async throws {
        let cache = cache, path = path
        try await access { db in
            // Tables this destination has not prepared yet are checked (all of them before any is created) and prepared.
            let unprepared = batches.schemas(notIn: cache.withLock { $0.prepared })
            if !unprepared.isEmpty { try Self.prepare(unprepared, in: db, cache: cache, path: path) }
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
        let sql = dialect.upsert(schema, rows: "VALUES (\(Array(repeating: "?", count: schema.fields.count).joined(separator: ", ")))")
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

    /// The table's rows as `schema` lays them out (absent columns NULL), in `range` if one is given.
    public func select(_ schema: TableSchema, in range: RowRange?) async throws -> [[Value]] {
        try await access { db in
            let existing = try Self.columns(of: schema.name, in: db)
            guard !existing.isEmpty,
                  let statement = Self.dialect.select(schema, in: range, read: { existing.contains($0) ? SQLText.quote($0) : nil }) else { return [] }
            return try Self.query(statement.sql, StatementArguments(statement.binds.map(Self.sqliteValue)), in: db).map { row in
                zip(row, schema.fields).map { Value(text: Self.text($0), as: $1.type) }
            }
        }
    }

    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        try await access { db in
            guard try !Self.columns(of: schema.name, in: db).isEmpty,
                  let statement = Self.dialect.delete(schema, where: filter) else { return 0 }
            try db.cachedStatement(sql: statement.sql).execute(arguments: StatementArguments(statement.binds.map(Self.sqliteValue)))
            return db.changesCount
        }
    }

    // MARK: Inspection (tests, `state show`)

    /// Every row of a table as text, sorted, for comparing two databases' content.
    public func dump(table: String) async throws -> [String] {
        try await access { db in
            guard try !Self.columns(of: table, in: db).isEmpty else { return [] }
            return try Self.query("SELECT * FROM \(SQLText.quote(table))", in: db)
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

    public nonisolated func queryName(ofTable table: String) -> String { Self.dialect.table(table) }
    public nonisolated func queryName(ofColumn column: String) -> String { SQLText.quote(column) }
    public nonisolated var textTypeName: String { "TEXT" }

    /// Runs a read-only query and returns rows as text (the demo's sample query).
    public func select(_ sql: String) async throws -> [[String?]] {
        try await access { db in
            try Self.query(sql, in: db).map { $0.map(Self.text) }
        }
    }
}
