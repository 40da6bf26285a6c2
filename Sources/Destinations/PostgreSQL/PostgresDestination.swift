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
public actor PostgresDestination: SQLRowReading, SQLQuerying, WritabilityChecking {
    public nonisolated let configuration: PostgresConfiguration
    public nonisolated var displayName: String { configuration.displayName }
    public nonisolated var loadScope: LoadScope { .page }
    nonisolated let dialect: SQLDialect

    /// PostgresNIO's own log lines (each query at trace level) only from warnings up.
    let logger: Logger
    /// The data connections and the temporary staging table of each table layout on each.
    var lanes: [(connection: PostgresConnection?, staging: [TableSchema: String])]
    private var free: [Int]
    private var waiting: [CheckedContinuation<Int, Never>] = []
    private var lockConnection: PostgresConnection?
    private var locking: Task<Void, any Error>?
    private var connections = 0
    /// Tables created or widened by this destination (or found up to date).
    var prepared: Set<String> = []
    /// Tables a page of which met a row already there: their pages are merged, not copied straight in (`apply`).
    var merging: Set<String> = []
    private let lockWait: Duration

    /// - Parameter lanes: data connections; several let pages' server work overlap (3 measured best, bench `postgres`).
    public init(configuration: PostgresConfiguration, logger: Logger, lanes: Int = 3, lockWait: Duration = .seconds(5)) {
        self.configuration = configuration
        dialect = PostgresSQL.dialect(schema: configuration.schema)
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
            ("search_path", c.schema),
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
    func session<T>(_ action: String, writing: Bool, _ body: (PostgresConnection, Int) async throws -> T) async throws -> T {
        let lane = await acquire()
        defer { release(lane) }
        if writing { try await lockSchema() }
        if lanes[lane].connection?.isClosed ?? true { lanes[lane] = (try await connect(action), [:]) }
        do {
            return try await body(lanes[lane].connection!, lane)  // connected just above
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

    /// Runs `statements` in one transaction, rolled back on failure (and after success too where `rehearsal`);
    /// the schema is created first if it is missing.
    func transaction(_ connection: PostgresConnection, rehearsal: Bool = false, creatingSchema: Bool = false,
                             _ body: () async throws -> Void = {}) async throws {
        let schema = configuration.schema
        let missing = creatingSchema ? try await Self.strings(connection, "SELECT nspname::text FROM pg_namespace WHERE nspname = $1", [schema]).isEmpty : false
        try await Self.run(connection, "BEGIN")
        do {
            if missing { try await Self.run(connection, "CREATE SCHEMA \(SQLText.quote(schema))") }
            try await body()
            try await Self.run(connection, rehearsal ? "ROLLBACK" : "COMMIT")
        } catch {
            try? await Self.run(connection, "ROLLBACK")
            throw error
        }
    }
}
