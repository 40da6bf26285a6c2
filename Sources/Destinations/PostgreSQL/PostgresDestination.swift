import Foundation
import Logging
import PostgresNIO
import SyncKit

/// A PostgreSQL schema as the destination: typed tables created from the catalog, each page copied (COPY) into a
/// temporary staging table and merged on the table's key (`INSERT … ON CONFLICT DO UPDATE`) in one transaction with
/// its checkpoint. Writers hold an advisory lock keyed on the schema, on a connection of its own, so two syncs never
/// write one schema at once, even from two machines.
///
/// Connections open on first use: `lanes` data connections, each running one piece of work at a time (concurrent
/// streams' pages wait for a free one, first come first served), and the lock connection, which only holds the lock.
public actor PostgresDestination: Destination, WritabilityChecking {
    public nonisolated let configuration: PostgresConfiguration
    public nonisolated var displayName: String { configuration.displayName }
    public nonisolated var loadScope: LoadScope { .page }

    /// PostgresNIO's own log lines (each query at trace level) only from warnings up.
    private let logger: Logger
    /// The data connections and the temporary staging table of each table layout on each.
    private var lanes: [(connection: PostgresConnection?, staging: [TableSchema: String])]
    private var free: [Int]
    private var lockConnection: PostgresConnection?
    private var locking: Task<Void, any Error>?
    private var connections = 0
    private var waiting: [CheckedContinuation<Int, Never>] = []
    /// Tables created or widened by this destination (or found up to date).
    private var prepared: Set<String> = []
    private let lockWait: Duration

    /// - Parameter lanes: data connections; several let pages' server work overlap (3 measured best, bench `postgres`).
    public init(configuration: PostgresConfiguration, logger: Logger, lanes: Int = 3, lockWait: Duration = .seconds(5)) {
        self.configuration = configuration
        self.lanes = Array(repeating: (nil, [:]), count: max(1, lanes))
        free = Array((0..<max(1, lanes)).reversed())
        self.lockWait = lockWait
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        self.logger = quiet
    }

    // MARK: Connections

    private func connect(_ action: String) async throws -> PostgresConnection {
        let c = configuration
        var settings = PostgresConnection.Configuration(host: c.host, port: c.port, username: c.user, password: c.password,
                                                        database: c.database, tls: try tls())
        settings.options.additionalStartupParameters = [
            ("application_name", "tiktok-ads"), ("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("client_encoding", "UTF8"),
        ]
        if c.sslMode == .verifyFull { settings.options.tlsServerName = c.host }
        connections += 1
        let id = connections, logger = logger
        do {
            // In a task of its own: connecting gives up when its task is cancelled, and a cancelled run still commits
            // the page in hand and records itself.
            return try await Task { try await PostgresConnection.connect(configuration: settings, id: id, logger: logger) }.value
        } catch {
            throw PostgresFailure.describe(error, doing: action, in: c)
        }
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.sslMode {
        case .disable: return .disable
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        let context = try NIOSSLContext(configuration: tls)
        return configuration.sslMode == .prefer ? .prefer(context) : .require(context)
    }

    /// Waits for a free data connection (FIFO) and returns its lane.
    private func acquire() async -> Int {
        if let lane = free.popLast() { return lane }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func release(_ lane: Int) {
        if waiting.isEmpty { free.append(lane) } else { waiting.removeFirst().resume(returning: lane) }
    }

    /// Runs `body` on a free data connection, connecting it first if needed; a writer takes the lock first.
    private func session<T>(_ action: String, writing: Bool, _ body: (PostgresConnection, Int) async throws -> T) async throws -> T {
        let lane = await acquire()
        defer { release(lane) }
        if writing { try await lockSchema() }
        let current: PostgresConnection
        if let connection = lanes[lane].connection, !connection.isClosed {
            current = connection
        } else {
            current = try await connect(action)
            lanes[lane] = (current, [:])
        }
        do {
            return try await body(current, lane)
        } catch {
            throw PostgresFailure.describe(error, doing: action, in: configuration)
        }
    }

    /// Takes the advisory lock on the schema (if this destination does not hold it yet), or throws naming the session
    /// that holds it. It waits up to `lockWait` first: the server frees a killed sync's lock only once it notices the
    /// closed connection. `sync`, `cleanup` and `state reset` take it as they open; any write takes it first.
    public func lockSchema() async throws {
        if let lockConnection, !lockConnection.isClosed { return }
        // Writers on several connections wait for one attempt, rather than competing with each other for the lock.
        if let locking { return try await locking.value }
        let attempt = Task { try await takeLock() }
        locking = attempt
        defer { locking = nil }
        try await attempt.value
    }

    private func takeLock() async throws {
        let candidate = try await connect("connect to take the sync lock")
        let schema = SQLText.literal(configuration.schema)
        do {
            try await Self.run(candidate, "SET lock_timeout = \(max(1, Int(lockWait / .milliseconds(1))))")
            do {
                try await Self.run(candidate, "SELECT pg_advisory_lock(hashtext('tiktok-ads'), hashtext(\(schema)))")
                lockConnection = candidate
                return
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {}
            let holder = try await Self.strings(candidate, """
                SELECT a.pid::text, coalesce(nullif(a.application_name, ''), '?'), coalesce(host(a.client_addr), 'a local socket'),
                       to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND (l.classid::bigint, l.objid::bigint) = (hashtext('tiktok-ads')::bigint & 4294967295, hashtext(\(schema))::bigint & 4294967295)
                """).first.map { "session \($0[0] ?? "?") (\($0[1] ?? "?"), from \($0[2] ?? "?"), connected since \($0[3] ?? "?"))" }
            try? await candidate.close()
            throw SyncError(.destination, "Another sync is writing to \(displayName): a sync already holds its lock (PostgreSQL "
                            + "\(holder ?? "session unknown")). Wait for it to finish, or stop it, then run again.")
        } catch {
            if lockConnection !== candidate { try? await candidate.close() }
            throw PostgresFailure.describe(error, doing: "take the sync lock", in: configuration)
        }
    }

    /// Releases the lock and closes every connection, after the work in progress.
    public func close() async {
        var held: [Int] = []
        for _ in lanes { held.append(await acquire()) }
        for lane in held {
            try? await lanes[lane].connection?.close()
            lanes[lane] = (nil, [:])
            release(lane)
        }
        try? await lockConnection?.close()
        lockConnection = nil
    }

    // MARK: Queries

    /// Every row of `sql`, each cell as text (nil for NULL); `binds` are text parameters $1, $2, ….
    static func strings(_ connection: PostgresConnection, _ sql: String, _ binds: [String?] = []) async throws -> [[String?]] {
        var bindings = PostgresBindings()
        for bind in binds { bindings.append(bind) }
        var rows: [[String?]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: silent) {
            rows.append(try row.map { try $0.decode(String?.self) })
        }
        return rows
    }

    /// Runs one statement to its end: `query` returns once the result's shape is known, and a failure (a lock wait
    /// that timed out, a row the table refused) only surfaces while the rows are read.
    static func run(_ connection: PostgresConnection, _ sql: String) async throws {
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: silent) {}
    }

    /// Queries log every statement at trace level; the tool's log has no use for them.
    static let silent = Logger(label: "postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` in one transaction, rolled back on failure (and after success too where `rehearsal`).
    private func transaction(_ connection: PostgresConnection, rehearsal: Bool = false, _ body: () async throws -> Void) async throws {
        try await Self.run(connection, "BEGIN")
        do {
            try await body()
            try await Self.run(connection, rehearsal ? "ROLLBACK" : "COMMIT")
        } catch {
            try? await Self.run(connection, "ROLLBACK")
            throw error
        }
    }

    // MARK: Schema

    public nonisolated var schemaRules: SchemaRules {
        let schema = configuration.schema, quote = SQLText.quote
        return SchemaRules(
            typeName: { PostgresSQL.typeName($0) }, accepts: { PostgresSQL.accepts($0, $1) },
            keyRule: .uniqueConstraint, canAddColumns: true, caseInsensitiveNames: false, destination: displayName,
            tableLabel: { "table \(schema).\($0)" },
            tableFix: { table in
                "Keep that table under another name (ALTER TABLE \(quote(schema)).\(quote(table)) RENAME TO \(quote(table + "_old"))) or drop it, "
                    + "and the next sync creates it afresh (--start-date refills past days); or pass another schema with --postgres-schema."
            },
            dropColumn: { table, column in "ALTER TABLE \(quote(schema)).\(quote(table)) DROP COLUMN \(quote(column))" })
    }

    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        try await session("read the tables of schema \(configuration.schema)", writing: false) { connection, _ in try await inspect(names, on: connection) }
    }

    /// Each table's kind, columns (`format_type` names, in order) and unique keys (primary key and unique indexes on
    /// plain columns, not partial).
    private func inspect(_ names: [String], on connection: PostgresConnection) async throws -> [String: FoundTable] {
        let wanted = "ARRAY[\(names.map(SQLText.literal).joined(separator: ", "))]::text[]"
        let scope = "n.nspname = $1 AND c.relname = ANY(\(wanted))"
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
        let schema = configuration.schema
        if plans.contains(where: \.changesSomething) {
            try await session("create tables in schema \(schema)", writing: true) { connection, _ in
                let exists = try await Self.strings(connection, "SELECT nspname::text FROM pg_namespace WHERE nspname = $1", [schema])
                try await transaction(connection) {
                    if exists.isEmpty { try await Self.run(connection, "CREATE SCHEMA \(SQLText.quote(schema))") }
                    for plan in plans {
                        let statements = plan.exists ? plan.addedColumns.map { PostgresSQL.addColumn($0, to: plan.schema, in: schema) }
                            : PostgresSQL.createTable(plan.schema, in: schema)
                        for statement in statements { try await Self.run(connection, statement) }
                    }
                }
            }
        }
        for plan in plans { prepared.insert(plan.schema.name) }
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { BufferedLoad { try await self.apply($0) } }

    /// Copies each batch into its staging table and merges it into its table, checkpoints last, in one transaction.
    /// Encoding runs off the actor, in the committing stream's task: concurrent streams encode their pages in
    /// parallel, and while one encodes, the actor hands connections to the others.
    nonisolated func apply(_ batches: [RowBatch]) async throws {
        let batches = batches.filter { !$0.isEmpty }
        guard !batches.isEmpty else { return }
        try await load(batches, texts: batches.map { PostgresCopyText.encode(PostgresCopyText.lastPerKey($0)) })
    }

    private func load(_ batches: [RowBatch], texts: [ByteBuffer]) async throws {
        let unprepared = batches.schemas(notIn: prepared)
        if !unprepared.isEmpty { try await prepare(unprepared) }
        let names = batches.map(\.schema.name).joined(separator: ", ")
        try await session("write \(names) to schema \(configuration.schema)", writing: true) { connection, lane in
            for batch in batches where lanes[lane].staging[batch.schema] == nil {
                // Created outside the transaction (a rollback would drop it), with its merge prepared once per connection.
                let name = "_tiktok_ads_stage_\(lanes[lane].staging.count + 1)"
                try await Self.run(connection, PostgresSQL.createStaging(name, for: batch.schema))
                try await Self.run(connection, "PREPARE \(name)_merge AS " + PostgresSQL.merge(from: name, into: batch.schema, in: configuration.schema))
                lanes[lane].staging[batch.schema] = name
            }
            try await transaction(connection) {
                var used: Set<String> = []
                for (batch, text) in zip(batches, texts) {
                    guard let stage = lanes[lane].staging[batch.schema] else { continue }
                    if !used.insert(stage).inserted { try await Self.run(connection, "TRUNCATE pg_temp.\(SQLText.quote(stage))") }
                    let logger = logger
                    // COPY gives up when its task is cancelled; a cancelled run still commits the page in hand.
                    try await Task { try await connection.copyFrom(table: stage, logger: logger) { try await $0.write(text) } }.value
                    try await Self.run(connection, "EXECUTE \(stage)_merge")
                }
            }
        }
    }

    // MARK: Reading and deleting

    public func rows(of table: TableSchema) async throws -> [[Value]] {
        try await select(table, in: nil)
    }

    public func rows(of table: TableSchema, in range: RowRange) async throws -> [[Value]] {
        try await select(table, in: range)
    }

    /// `$n::type`, typed as the table declares the column (`text` for one it does not have).
    private static func placeholder(in table: TableSchema) -> (Field?, Int) -> String {
        { field, number in "$\(number)::" + (field.map { PostgresSQL.columnType($0, in: table) } ?? "text") }
    }

    /// The table's rows as `table` lays them out (absent columns NULL, every cell read as text, UTC instants without
    /// their offset), in `range` if one is given.
    private func select(_ table: TableSchema, in range: RowRange?) async throws -> [[Value]] {
        let schema = configuration.schema
        return try await session("read \(schema).\(table.name)", writing: false) { connection, _ in
            guard let found = try await inspect([table.name], on: connection)[table.name] else { return [] }
            let types = Dictionary(found.columns.map { ($0.name, $0.type ?? "") }, uniquingKeysWith: { first, _ in first })
            let read = { (column: String) in
                types[column].map { type in
                    type == "timestamp with time zone" ? "(\(SQLText.quote(column)) AT TIME ZONE 'UTC')::text" : "\(SQLText.quote(column))::text"
                }
            }
            guard let statement = SQLText.select(table, from: PostgresSQL.qualified(schema, table.name), in: range, read: read,
                                                 placeholder: Self.placeholder(in: table)) else { return [] }
            return try await Self.strings(connection, statement.sql, statement.binds.map(\.text))
                .map { row in zip(row, table.fields).map { Value(text: $0, as: $1.type) } }
        }
    }

    public func deleteRows(of table: TableSchema, where filter: RowFilter) async throws -> Int {
        let schema = configuration.schema
        return try await session("delete rows of \(schema).\(table.name)", writing: true) { connection, _ in
            guard try await inspect([table.name], on: connection)[table.name] != nil,
                  let delete = SQLText.delete(table, from: PostgresSQL.qualified(schema, table.name), where: filter,
                                              placeholder: Self.placeholder(in: table)) else { return 0 }
            let sql = "WITH deleted AS (\(delete.sql) RETURNING 1) SELECT count(*)::text FROM deleted"
            return try await Self.strings(connection, sql, delete.binds.map(\.text)).first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
        }
    }

    /// Proves the user may create the schema (if missing) and tables in it: creates both in a transaction it rolls back.
    public func checkWritable() async throws {
        let schema = configuration.schema
        try await session("create a table in schema \(schema)", writing: false) { connection, _ in
            let exists = try await Self.strings(connection, "SELECT nspname::text FROM pg_namespace WHERE nspname = $1", [schema])
            try await transaction(connection, rehearsal: true) {
                if exists.isEmpty { try await Self.run(connection, "CREATE SCHEMA \(SQLText.quote(schema))") }
                try await Self.run(connection, "CREATE TABLE \(PostgresSQL.qualified(schema, "_tiktok_ads_check")) (probe integer)")
            }
        }
    }

    /// Runs a query and returns its rows as text (tests, the bench); cast non-text columns with `::text`.
    public func select(_ sql: String) async throws -> [[String?]] {
        try await session("run a query", writing: false) { connection, _ in try await Self.strings(connection, sql) }
    }
}
