import Foundation
import PostgresNIO
import SyncKit

extension PostgresDestination {
    // MARK: Schema

    public nonisolated var schemaRules: SchemaRules {
        let schema = configuration.schema
        return dialect.schemaRules(destination: displayName, typeName: { PostgresSQL.typeName($0) }, accepts: { PostgresSQL.accepts($0, $1) },
                                   caseInsensitiveNames: false, tableLabel: { "table \(schema).\($0)" },
                                   elsewhere: "pass another schema with --postgres-schema")
    }

    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        try await session("read the tables of schema \(configuration.schema)", writing: false) { connection, _ in try await inspect(names, on: connection) }
    }

    /// Each table's kind, columns (`format_type` names, in order) and unique keys (primary key and unique indexes on
    /// plain columns, not partial).
    private func inspect(_ names: [String], on connection: PostgresConnection) async throws -> [String: FoundTable] {
        let scope = "n.nspname = $1 AND c.relname = ANY(ARRAY[\(names.map(SQLText.literal).joined(separator: ", "))]::text[])"
        let columns = try await Self.strings(connection, """
            SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod),
                   (a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '')::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE \(scope) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname, a.attnum
            """, [configuration.schema])
        let keys = try await Self.strings(connection, """
            SELECT c.relname, string_agg(quote_ident(a.attname), ',' ORDER BY k.ord)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE \(scope) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
            GROUP BY c.relname, i.indexrelid
            """, [configuration.schema])
        let kinds = ["v": "view", "m": "materialized view", "f": "foreign table"]
        var found: [String: FoundTable] = [:]
        for row in columns {
            guard let name = row[0], let kind = row[1] else { continue }
            var table = found[name] ?? FoundTable(name: name, columns: [], uniqueKeys: [], kind: kinds[kind])
            if let column = row[2] { table.columns.append(FoundColumn(name: column, type: row[3] ?? "", requiresValue: row[4] == "true")) }
            found[name] = table
        }
        for row in keys {
            guard let name = row[0], let list = row[1] else { continue }
            // quote_ident quotes names with commas or quotes; the catalog's key columns never need it.
            found[name]?.uniqueKeys?.append(list.split(separator: ",").map { String($0) })
        }
        return found
    }

    public func applySchema(_ plans: [TablePlan]) async throws {
        if plans.contains(where: \.changesSomething) {
            try await session("create tables in schema \(configuration.schema)", writing: true) { connection, _ in
                try await transaction(connection, creatingSchema: true) {
                    for statement in plans.flatMap(dialect.statements) { try await Self.run(connection, statement) }
                }
            }
        }
        for plan in plans { prepared.insert(plan.schema.name) }
    }

    /// Proves the user may create the schema (if missing) and tables in it: creates both in a transaction it rolls back.
    public func checkWritable() async throws {
        try await session("create a table in schema \(configuration.schema)", writing: false) { connection, _ in
            try await transaction(connection, rehearsal: true, creatingSchema: true) {
                try await Self.run(connection, "CREATE TABLE \(dialect.table("_tiktok_ads_check")) (probe integer)")
            }
        }
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { BufferedLoad { try await self.apply($0) } }

    /// Loads each batch, checkpoints last, in one transaction: copied (COPY) into its staging table and merged into its
    /// table. While none of a table's pages has met a row already there (a first sync, a backfill of new days), its
    /// pages are copied straight into the table instead, under a savepoint: a page with a key the table holds fails
    /// whole (unique violation), is rolled back to the savepoint and merged, and so are the table's pages after it.
    /// Either way the table ends as the merge leaves it. A load's text is encoded once it has a connection, off the
    /// actor (in the committing stream's task, while the actor hands connections to other streams): COPY text exists
    /// for as many pages as there are connections, however many streams wait for one with their pages.
    func apply(_ batches: [RowBatch]) async throws {
        let batches = batches.filter { !$0.isEmpty }
        guard !batches.isEmpty else { return }
        let unprepared = batches.schemas(notIn: prepared)
        if !unprepared.isEmpty { try await prepare(unprepared) }
        try await session("write \(batches.map(\.schema.name).joined(separator: ", ")) to schema \(configuration.schema)", writing: true) { connection, lane in
            let texts = await Self.encode(batches)
            for batch in batches where lanes[lane].staging[batch.schema] == nil {
                // Created outside the transaction (a rollback would drop it), with its merge prepared once per connection.
                let name = "_tiktok_ads_stage_\(lanes[lane].staging.count + 1)"
                try await Self.run(connection, PostgresSQL.createStaging(name, for: batch.schema))
                try await Self.run(connection, "PREPARE \(name)_merge AS " + dialect.upsert(batch.schema, rows: "SELECT * FROM pg_temp.\(SQLText.quote(name))"))
                lanes[lane].staging[batch.schema] = name
            }
            try await transaction(connection) {
                var used: Set<String> = []
                for (batch, text) in zip(batches, texts) {
                    guard let stage = lanes[lane].staging[batch.schema] else { continue }
                    if !merging.contains(batch.schema.name) {
                        try await Self.run(connection, "SAVEPOINT page")
                        do {
                            try await copy(text, into: batch.schema.name, batch.schema.columnNames, on: connection)
                            continue
                        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                            try await Self.run(connection, "ROLLBACK TO SAVEPOINT page")
                            merging.insert(batch.schema.name)
                        }
                    }
                    if !used.insert(stage).inserted { try await Self.run(connection, "TRUNCATE pg_temp.\(SQLText.quote(stage))") }
                    try await copy(text, into: stage, [], on: connection)
                    try await Self.run(connection, "EXECUTE \(stage)_merge")
                }
            }
        }
    }

    /// The COPY text of each batch; static, so it runs off the actor.
    private static func encode(_ batches: [RowBatch]) async -> [ByteBuffer] { batches.map { PostgresCopyText.encode($0.lastPerKey) } }

    /// COPY of `text` into `table` (a staging table, or a table of the schema: the connections' search path), in a task
    /// of its own: COPY gives up when its task is cancelled, and a cancelled run still commits the page in hand.
    private func copy(_ text: ByteBuffer, into table: String, _ columns: [String], on connection: PostgresConnection) async throws {
        let logger = logger
        try await Task { try await connection.copyFrom(table: table, columns: columns, logger: logger) { try await $0.write(text) } }.value
    }

    // MARK: Reading and deleting

    /// The table's rows as `table` lays them out (absent columns NULL, every cell read as text, UTC instants without
    /// their offset), in `range` if one is given.
    public func select(_ table: TableSchema, in range: RowRange?) async throws -> [[Value]] {
        try await session("read \(configuration.schema).\(table.name)", writing: false) { connection, _ in
            guard let found = try await inspect([table.name], on: connection)[table.name] else { return [] }
            let types = Dictionary(found.columns.map { ($0.name, $0.type ?? "") }, uniquingKeysWith: { first, _ in first })
            let statement = dialect.select(table, in: range) { column in
                types[column].map { $0 == "timestamp with time zone" ? "(\(SQLText.quote(column)) AT TIME ZONE 'UTC')::text" : "\(SQLText.quote(column))::text" }
            }
            guard let statement else { return [] }
            return try await Self.strings(connection, statement.sql, statement.binds.map(\.text))
                .map { row in zip(row, table.fields).map { Value(text: $0, as: $1.type) } }
        }
    }

    public func deleteRows(of table: TableSchema, where filter: RowFilter) async throws -> Int {
        try await session("delete rows of \(configuration.schema).\(table.name)", writing: true) { connection, _ in
            guard try await inspect([table.name], on: connection)[table.name] != nil, let delete = dialect.delete(table, where: filter) else { return 0 }
            let sql = "WITH deleted AS (\(delete.sql) RETURNING 1) SELECT count(*)::text FROM deleted"
            return try await Self.strings(connection, sql, delete.binds.map(\.text)).first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
        }
    }

    public nonisolated func queryName(ofTable table: String) -> String { dialect.table(table) }
    public nonisolated func queryName(ofColumn column: String) -> String { SQLText.quote(column) }
    public nonisolated var textTypeName: String { "text" }

    /// Runs a query and returns its rows as text (tests, the bench, `countRows`); cast non-text columns with `::text`.
    public func select(_ sql: String) async throws -> [[String?]] {
        try await session("run a query", writing: false) { connection, _ in try await Self.strings(connection, sql) }
    }
}
