import Foundation
import SyncKit

/// The embedded default destination: one SQLite file, typed tables created from the catalog, rows
/// upserted on each table's unique key. A load is one page: its rows and its checkpoints (the stream
/// state) commit in one SQLite transaction.
public actor SQLiteDestination: Destination {
    public nonisolated let path: String
    public nonisolated var displayName: String { Self.displayName(path: path) }

    /// How a database at `path` is named in messages and locks.
    public static func displayName(path: String) -> String { "sqlite:\(path)" }
    private let connection: SQLiteConnection
    private var knownColumns: [String: Set<String>] = [:]

    public init(path: String) throws {
        self.path = path
        do {
            connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        } catch {
            throw SyncError(.destination, "Cannot open the SQLite database at \(path). Check the directory exists and is writable.", underlying: "\(error)")
        }
    }

    public nonisolated var loadScope: LoadScope { .page }

    /// Closes the connection (checkpointing the WAL into the file).
    public func close() {
        connection.close()
    }

    // MARK: Schema

    static func sqlType(_ type: FieldType) -> String {
        switch type {
        case .string, .date, .datetime, .json: "TEXT"
        case .integer, .boolean: "INTEGER"
        case .decimal, .float: "REAL"
        }
    }

    public func prepare(_ schemas: [TableSchema]) throws {
        do {
            for schema in schemas { try prepare(schema) }
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.destination, "Cannot create or update tables in \(path).", underlying: "\(error)")
        }
    }

    private func prepare(_ schema: TableSchema) throws {
        let existing = try columns(of: schema.name)
        if existing.isEmpty {
            let columns = schema.fields.map { "\(quoteIdentifier($0.name)) \(Self.sqlType($0.type))\(schema.key.contains($0.name) ? " NOT NULL" : "")" }
            let key = schema.key.map(quoteIdentifier).joined(separator: ", ")
            try connection.execute("CREATE TABLE \(quoteIdentifier(schema.name)) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(key)))")
            if let time = schema.timeField {
                try connection.execute("CREATE INDEX IF NOT EXISTS \(quoteIdentifier("\(schema.name)_\(time)")) ON \(quoteIdentifier(schema.name)) (\(quoteIdentifier(time)))")
            }
        } else {
            for field in schema.fields where !existing.contains(field.name) {
                try connection.execute("ALTER TABLE \(quoteIdentifier(schema.name)) ADD COLUMN \(quoteIdentifier(field.name)) \(Self.sqlType(field.type))")
            }
        }
        knownColumns[schema.name] = try columns(of: schema.name)
    }

    private func columns(of table: String) throws -> Set<String> {
        let rows = try connection.query("SELECT name FROM pragma_table_info(?)", [.text(table)])
        return Set(rows.compactMap { $0.first?.text })
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { SQLiteLoad(destination: self) }

    /// Upserts every batch, checkpoints last, in one transaction.
    func apply(_ batches: [RowBatch]) throws {
        for batch in batches where !batch.isEmpty && knownColumns[batch.schema.name] == nil { try prepare([batch.schema]) }
        do {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                for batch in batches where !batch.isEmpty {
                    let statement = try connection.statement(upsertSQL(for: batch.schema))
                    for row in batch.rows {
                        for (i, value) in row.enumerated() {
                            try connection.bind(Self.sqliteValue(value), to: statement, at: Int32(i + 1))
                        }
                        try connection.run(statement)
                    }
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        } catch {
            throw SyncError(.destination, "Cannot write \(batches.map(\.schema.name).joined(separator: ", ")) to \(path).", underlying: "\(error)")
        }
    }

    private var upsertStatements: [TableSchema: String] = [:]

    private func upsertSQL(for schema: TableSchema) -> String {
        if let sql = upsertStatements[schema] { return sql }
        let columns = schema.fields.map { quoteIdentifier($0.name) }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let updates = schema.fields.filter { !schema.key.contains($0.name) }
            .map { "\(quoteIdentifier($0.name)) = excluded.\(quoteIdentifier($0.name))" }
        let conflict = schema.key.map(quoteIdentifier).joined(separator: ", ")
        let action = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", "))"
        let sql = "INSERT INTO \(quoteIdentifier(schema.name)) (\(columns.joined(separator: ", "))) VALUES (\(placeholders)) ON CONFLICT (\(conflict)) \(action)"
        upsertStatements[schema] = sql
        return sql
    }

    static func sqliteValue(_ value: Value) -> SQLiteValue {
        switch value {
        case .null: .null
        case .string(let s), .date(let s), .datetime(let s), .json(let s): .text(s)
        case .integer(let i): .integer(i)
        case .decimal(let s): Double(s).map(SQLiteValue.real) ?? .text(s)
        case .float(let d): .real(d)
        case .boolean(let b): .integer(b ? 1 : 0)
        }
    }

    // MARK: Reading and deleting

    public func rows(of schema: TableSchema) throws -> [[Value]] {
        let existing = try columns(of: schema.name)
        guard !existing.isEmpty else { return [] }
        let selected = schema.fields.map { existing.contains($0.name) ? quoteIdentifier($0.name) : "NULL" }
        return try connection.query("SELECT \(selected.joined(separator: ", ")) FROM \(quoteIdentifier(schema.name))").map { row in
            zip(row, schema.fields).map { Value(text: $0.text, as: $1.type) }
        }
    }

    public func deleteRows(of schema: TableSchema, where filter: RowFilter) throws -> Int {
        guard try !columns(of: schema.name).isEmpty else { return 0 }
        switch filter {
        case .before(let cutoff):
            guard let time = schema.timeField else { return 0 }
            return try connection.update("DELETE FROM \(quoteIdentifier(schema.name)) WHERE \(quoteIdentifier(time)) < ?", [.text(cutoff.description)])
        case .matching(let pairs):
            let conditions = pairs.map { "\(quoteIdentifier($0.column)) = ?" }
            let sql = "DELETE FROM \(quoteIdentifier(schema.name))" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            return try connection.update(sql, pairs.map { Self.sqliteValue($0.value) })
        }
    }

    // MARK: Inspection (tests, `state show`)

    /// Every row of a table as text, sorted, for comparing two databases' content.
    public func dump(table: String) throws -> [String] {
        guard try !columns(of: table).isEmpty else { return [] }
        return try connection.query("SELECT * FROM \(quoteIdentifier(table))")
            .map { $0.map { $0.text.map { "'\($0)'" } ?? "NULL" }.joined(separator: "|") }
            .sorted()
    }

    /// Names of the data tables (not the tool's own bookkeeping tables).
    public func tables() throws -> [String] {
        try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")
            .compactMap { $0.first?.text }
    }

    /// Runs a read-only query and returns rows as text (the demo's sample query).
    public func select(_ sql: String) throws -> [[String?]] {
        try connection.query(sql).map { $0.map(\.text) }
    }
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
