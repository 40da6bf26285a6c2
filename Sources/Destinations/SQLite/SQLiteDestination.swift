import Foundation
import SyncKit

/// The embedded default destination: one SQLite file, typed tables created from the catalog, rows
/// upserted on each table's unique key, and the stream state written in the same transaction as the
/// rows it describes.
public actor SQLiteDestination: Destination {
    public nonisolated let path: String
    public nonisolated var displayName: String { Self.displayName(path: path) }

    /// How a database at `path` is named in messages and locks.
    public static func displayName(path: String) -> String { "sqlite:\(path)" }
    private let connection: SQLiteConnection
    private var knownColumns: [String: Set<String>] = [:]

    static let stateTable = "_tiktok_ads_state"
    static let runsTable = "_tiktok_ads_runs"
    static let runObjectsTable = "_tiktok_ads_run_objects"

    public init(path: String) throws {
        self.path = path
        do {
            connection = try SQLiteConnection(path: path)
            try connection.execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                CREATE TABLE IF NOT EXISTS \(Self.stateTable) (
                    advertiser_id TEXT NOT NULL, object TEXT NOT NULL, bookmark TEXT, synced_at TEXT NOT NULL,
                    PRIMARY KEY (advertiser_id, object));
                CREATE TABLE IF NOT EXISTS \(Self.runsTable) (
                    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL,
                    rows INTEGER NOT NULL, requests INTEGER NOT NULL, skipped_advertisers TEXT NOT NULL, errors TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS \(Self.runObjectsTable) (
                    run_id TEXT NOT NULL, object TEXT NOT NULL, rows INTEGER NOT NULL, requests INTEGER NOT NULL,
                    retries INTEGER NOT NULL, errors INTEGER NOT NULL, PRIMARY KEY (run_id, object));
                """)
        } catch {
            throw SyncError(.destination, "Cannot open the SQLite database at \(path). Check the directory exists and is writable.", underlying: "\(error)")
        }
    }

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

    // MARK: Writing

    public func write(_ batch: RowBatch, checkpoint: StreamCheckpoint?) throws {
        let schema = batch.schema
        if !batch.isEmpty, knownColumns[schema.name] == nil { try prepare([schema]) }
        do {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                if !batch.isEmpty {
                    let statement = try connection.statement(upsertSQL(for: schema))
                    for row in batch.rows {
                        for (i, value) in row.enumerated() {
                            try connection.bind(Self.sqliteValue(value), to: statement, at: Int32(i + 1))
                        }
                        try connection.run(statement)
                    }
                }
                if let checkpoint { try saveState(checkpoint) }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        } catch {
            throw SyncError(.destination, "Cannot write \(schema.name) to \(path).", underlying: "\(error)")
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

    private func saveState(_ checkpoint: StreamCheckpoint) throws {
        try connection.update("""
            INSERT INTO \(Self.stateTable) (advertiser_id, object, bookmark, synced_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (advertiser_id, object) DO UPDATE SET bookmark = excluded.bookmark, synced_at = excluded.synced_at
            """, [.text(checkpoint.key.advertiserID), .text(checkpoint.key.object),
                  checkpoint.state.bookmark.map { .text($0.description) } ?? .null,
                  .text(Timestamps.format(checkpoint.state.syncedAt))])
    }

    public func finish(_ schema: TableSchema) {}

    // MARK: State

    public func loadState() throws -> [StreamKey: StreamState] {
        var state: [StreamKey: StreamState] = [:]
        for row in try connection.query("SELECT advertiser_id, object, bookmark, synced_at FROM \(Self.stateTable)") {
            guard let advertiser = row[0].text, let object = row[1].text else { continue }
            state[StreamKey(advertiserID: advertiser, object: object)] = StreamState(
                bookmark: row[2].text.flatMap { LocalDate($0) },
                syncedAt: row[3].text.flatMap(Timestamps.parse) ?? Date(timeIntervalSince1970: 0))
        }
        return state
    }

    public func resetState(advertiserID: String?, object: String?) throws -> Int {
        try connection.update("DELETE FROM \(Self.stateTable) WHERE (?1 IS NULL OR advertiser_id = ?1) AND (?2 IS NULL OR object = ?2)",
                              [advertiserID.map(SQLiteValue.text) ?? .null, object.map(SQLiteValue.text) ?? .null])
    }

    // MARK: Cleanup

    public func deleteRows(of schema: TableSchema, before cutoff: LocalDate) throws -> Int {
        guard let time = schema.timeField else { return 0 }
        guard try !columns(of: schema.name).isEmpty else { return 0 }
        return try connection.update("DELETE FROM \(quoteIdentifier(schema.name)) WHERE \(quoteIdentifier(time)) < ?", [.text(cutoff.description)])
    }

    // MARK: Run history

    public func recordRun(_ run: RunRecord) throws {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.update("""
                INSERT INTO \(Self.runsTable) (run_id, started_at, ended_at, status, rows, requests, skipped_advertisers, errors)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET ended_at = excluded.ended_at, status = excluded.status, rows = excluded.rows,
                    requests = excluded.requests, skipped_advertisers = excluded.skipped_advertisers, errors = excluded.errors
                """, [.text(run.id), .text(Timestamps.format(run.startedAt)), run.endedAt.map { .text(Timestamps.format($0)) } ?? .null,
                      .text(run.status.rawValue), .integer(Int64(run.totalRows)), .integer(Int64(run.totalRequests)),
                      .text(Self.jsonText(run.skippedAdvertisers)), .text(Self.jsonText(run.errors))])
            for (object, stats) in run.objects {
                try connection.update("""
                    INSERT INTO \(Self.runObjectsTable) (run_id, object, rows, requests, retries, errors) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, object) DO UPDATE SET rows = excluded.rows, requests = excluded.requests,
                        retries = excluded.retries, errors = excluded.errors
                    """, [.text(run.id), .text(object), .integer(Int64(stats.rows)), .integer(Int64(stats.requests)),
                          .integer(Int64(stats.retries)), .integer(Int64(stats.errors))])
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw SyncError(.destination, "Cannot record the run in \(path).", underlying: "\(error)")
        }
    }

    public func recentRuns(limit: Int) throws -> [RunRecord] {
        let rows = try connection.query("""
            SELECT run_id, started_at, ended_at, status, skipped_advertisers, errors FROM \(Self.runsTable)
            ORDER BY started_at DESC LIMIT ?
            """, [.integer(Int64(limit))])
        return try rows.map { row in
            let id = row[0].text ?? ""
            var objects: [String: ObjectStatistics] = [:]
            for o in try connection.query("SELECT object, rows, requests, retries, errors FROM \(Self.runObjectsTable) WHERE run_id = ?", [.text(id)]) {
                func int(_ v: SQLiteValue) -> Int { if case .integer(let i) = v { return Int(i) } else { return 0 } }
                objects[o[0].text ?? ""] = ObjectStatistics(rows: int(o[1]), requests: int(o[2]), retries: int(o[3]), errors: int(o[4]))
            }
            return RunRecord(id: id, startedAt: row[1].text.flatMap(Timestamps.parse) ?? Date(timeIntervalSince1970: 0),
                             endedAt: row[2].text.flatMap(Timestamps.parse), status: RunStatus(rawValue: row[3].text ?? "") ?? .failed,
                             objects: objects,
                             skippedAdvertisers: (try? JSONDecoder().decode([String: String].self, from: Data((row[4].text ?? "{}").utf8))) ?? [:],
                             errors: (try? JSONDecoder().decode([String].self, from: Data((row[5].text ?? "[]").utf8))) ?? [])
        }
    }

    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
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

/// UTC timestamps as the tool writes them: `YYYY-MM-DDTHH:MM:SSZ`.
enum Timestamps {
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
