import HTTPTransport
import Foundation
import Logging
import NIOHTTP1
import SyncKit

/// Loads synced rows into BigQuery. A load lasts the whole run: every table's rows are staged in a local
/// NDJSON file, and the commit runs ONE load job into a staging table that expires by itself and ONE
/// de-duplicating MERGE on the table's unique key per table, drops the staging tables, and only then
/// merges the checkpoints (the stream state). A crash between MERGE and state repeats work but never
/// duplicates rows. Never uses insertAll.
public actor BigQueryDestination: SQLQuerying {
    /// Points where a test can stop `finish`, as a crash there would.
    public enum Step: String, Sendable {
        /// The staging table is loaded; the MERGE has not run.
        case afterLoad
        /// The table's MERGE ran; the checkpoints are not written.
        case afterMerge
    }

    public nonisolated let configuration: BigQueryConfiguration
    public nonisolated var displayName: String { "bigquery:\(configuration.project).\(configuration.dataset)" }
    let client: BigQueryClient
    let logger: Logger
    /// Called at each step of `finish`; throwing there simulates a crash.
    let faultHook: (@Sendable (Step, String) async throws -> Void)?
    /// Distinguishes this run's staging tables and job ids.
    public nonisolated let runID: String
    let stagingDirectory: String
    private var loadSequence = 0
    private var preparedTables: [String: Set<String>] = [:]
    /// The table resources `inspectTables` read, whose columns a patch keeps.
    private var inspected: [String: BigQueryTableResource] = [:]
    private var bookkeepingReady = false
    private var jobSequence = 0
    /// Jobs run so far, per kind.
    public private(set) var jobCounts: [BigQueryJobKind: Int] = [:]
    /// Jobs run so far, per kind and table (load and merge).
    public private(set) var tableJobCounts: [String: [BigQueryJobKind: Int]] = [:]

    public init(configuration: BigQueryConfiguration, auth: any GoogleAccessTokenProvider, transport: HTTPTransport = .shared,
                logger: Logger, faultHook: (@Sendable (Step, String) async throws -> Void)? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        self.client = BigQueryClient(configuration: configuration, transport: transport, auth: auth, logger: logger)
        self.logger = logger
        self.faultHook = faultHook
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        self.runID = String(id.prefix(16))
        stagingDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-bigquery-\(runID)").path
    }

    /// Opens a destination with application-default credentials (an explicit key file, `GOOGLE_APPLICATION_CREDENTIALS`,
    /// gcloud's file, the metadata server), or none when `BIGQUERY_EMULATOR_HOST` / the configuration points at an emulator.
    public static func open(configuration: BigQueryConfiguration, credentialsFile: String? = nil, tokenURL: String? = nil,
                            transport: HTTPTransport = .shared, logger: Logger,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            faultHook: (@Sendable (Step, String) async throws -> Void)? = nil) throws -> BigQueryDestination {
        let auth: any GoogleAccessTokenProvider
        if configuration.isEmulator {
            auth = NoGoogleAuthentication()
        } else {
            let credentials: GoogleCredentials
            do {
                credentials = try GoogleCredentials.resolve(file: credentialsFile, environment: environment)
            } catch let error as GoogleAuthError {
                throw SyncError(.badInput, error.message)
            }
            auth = GoogleTokenSource(credentials: credentials,
                                     configuration: .init(scopes: ["https://www.googleapis.com/auth/bigquery"], tokenURL: tokenURL,
                                                          environment: environment),
                                     transport: transport, logger: logger)
        }
        return try BigQueryDestination(configuration: configuration, auth: auth, transport: transport, logger: logger,
                                       faultHook: faultHook)
    }

    public nonisolated var loadScope: LoadScope { .run }

    public func close() async {
        try? FileManager.default.removeItem(atPath: stagingDirectory)
    }

    var datasetName: String { configuration.dataset }
    nonisolated func qualified(_ table: String) -> String { BigQuerySQL.table(configuration.project, configuration.dataset, table) }
    public nonisolated func queryName(ofTable table: String) -> String { qualified(table) }
    public nonisolated func queryName(ofColumn column: String) -> String { BigQuerySQL.column(column) }
    public nonisolated var textTypeName: String { "STRING" }

    /// A job id unique to this run and deterministic within it: a retried insert of the same step reuses it.
    func jobID(_ kind: BigQueryJobKind, _ table: String) -> String {
        jobSequence += 1
        return "tiktok_ads_\(kind.rawValue)_\(table)_\(runID)_\(jobSequence)"
    }

    func count(_ kind: BigQueryJobKind, table: String? = nil) {
        jobCounts[kind, default: 0] += 1
        if let table { tableJobCounts[table, default: [:]][kind, default: 0] += 1 }
    }

    /// Wraps any failure in a destination error that stops the run and says what to do.
    func destinationError(_ error: any Error, _ doing: String) -> SyncError {
        if let known = SyncError.known(error) { return known }
        if let error = error as? BigQueryError {
            return SyncError(error.code == .unauthenticated ? .authentication : .destination, error.message)
        }
        return SyncError(.destination, "BigQuery failed while \(doing) in \(displayName).", cause: error)
    }

    // MARK: Schema

    /// BigQuery types are compared by their standard names (`INTEGER` is `INT64`); a REPEATED or RECORD column is
    /// never ours. Tables have no enforced unique key: a MERGE matches rows on the key columns, which tiktok-ads creates
    /// REQUIRED, so a key column that accepts NULL marks a table it did not create. Nullable columns are added
    /// (tables.patch, plus ALTER TABLE for emulators).
    public nonisolated var schemaRules: SchemaRules {
        let configuration = configuration
        return SchemaRules(
            typeName: { BigQuerySQL.type(of: $0) },
            accepts: { declared, type in BigQuerySQL.canonical(declared) == BigQuerySQL.type(of: type) },
            keyRule: .requiredColumns, canAddColumns: true, caseInsensitiveNames: true,
            destination: "BigQuery dataset \(configuration.project):\(configuration.dataset)",
            tableLabel: { "table \(configuration.project):\(configuration.dataset).\($0)" },
            tableFix: { table in
                "Keep that table under another name (ALTER TABLE \(BigQuerySQL.table(configuration.project, configuration.dataset, table)) "
                    + "RENAME TO \(table)_old) or drop it, and the next sync "
                    + "creates it afresh (--start-date refills past days); or pass another dataset with --bigquery-dataset."
            },
            dropColumn: { table, column in
                "ALTER TABLE \(BigQuerySQL.table(configuration.project, configuration.dataset, table)) DROP COLUMN \(column)"
            })
    }

    /// tables.get of each table (after checking the dataset: exists, right location; created if allowed and missing,
    /// when there is no table to find in it).
    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        do {
            try await prepareBookkeeping()
            var found: [String: FoundTable] = [:]
            for name in names where found[name] == nil {
                guard let resource = try await client.tableIfExists(name, what: "reading table \(name)") else {
                    inspected[name] = nil
                    continue
                }
                inspected[name] = resource
                let columns = resource.fields.map { field -> FoundColumn in
                    let mode = field.mode?.uppercased() ?? "NULLABLE"
                    let type = BigQuerySQL.canonical(field.type)
                    return FoundColumn(name: field.name, type: mode == "REPEATED" ? "ARRAY<\(type)>" : type, requiresValue: mode == "REQUIRED")
                }
                let kind = resource.type.map { $0.uppercased() }.flatMap { $0 == "TABLE" ? nil : $0.lowercased().replacingOccurrences(of: "_", with: " ") }
                found[name] = FoundTable(name: name, columns: columns, kind: kind)
            }
            return found
        } catch {
            throw destinationError(error, "reading tables")
        }
    }

    /// Creates planned tables (typed, partitioned and clustered) and adds planned columns: tables.patch (the API's
    /// schema), then `ALTER TABLE … ADD COLUMN IF NOT EXISTS` (emulators store it there; a no-op on BigQuery).
    public func applySchema(_ plans: [TablePlan]) async throws {
        do {
            for plan in plans {
                for field in plan.schema.fields where !BigQuerySQL.isPlainIdentifier(field.name) {
                    throw SyncError(.badInput, "Column '\(field.name)' of \(plan.schema.name) is not a valid BigQuery column name.")
                }
            }
            for plan in plans { try await apply(plan) }
        } catch {
            throw destinationError(error, "creating tables")
        }
    }

    private func apply(_ plan: TablePlan) async throws {
        let schema = plan.schema
        guard plan.exists else {
            let body = BigQuerySQL.tableResource(schema, project: configuration.project, dataset: configuration.dataset)
            _ = try await client.send(.POST, "\(client.datasetURL())/tables", json: body, what: "creating table \(schema.name)")
            logger.info("bigquery table created", metadata: ["bigquery.table": "\(schema.name)"])
            preparedTables[schema.name] = Set(schema.columnNames)
            return
        }
        let fields = inspected[schema.name]?.fields ?? []
        let missing = plan.addedColumns
        if !missing.isEmpty {
            let added = missing.map { BigQueryTableResource.Field(name: $0.name, type: BigQuerySQL.type(of: $0.type), mode: "NULLABLE",
                                                                  description: $0.description) }
            _ = try await client.send(.PATCH, client.tableURL(schema.name), json: BigQueryTableResource(fields: fields + added),
                                      what: "adding columns to \(schema.name)")
            for field in missing {
                count(.ddl)
                _ = try await client.query(
                    "ALTER TABLE \(qualified(schema.name)) ADD COLUMN IF NOT EXISTS \(BigQuerySQL.column(field.name)) \(BigQuerySQL.type(of: field.type))",
                    jobID: jobID(.ddl, schema.name), what: "adding column \(field.name) to \(schema.name)")
            }
            logger.info("bigquery columns added", metadata: ["bigquery.table": "\(schema.name)",
                                                             "bigquery.columns": "\(missing.map(\.name).joined(separator: ","))"])
        }
        preparedTables[schema.name] = Set(fields.map(\.name)).union(schema.columnNames)
    }

    /// Checks the dataset once (exists, right location; created if allowed).
    func prepareBookkeeping() async throws {
        guard !bookkeepingReady else { return }
        try await checkDataset()
        bookkeepingReady = true
    }

    private func checkDataset() async throws {
        let url = client.datasetURL()
        let what = "reading dataset \(configuration.dataset)"
        let dataset: BigQueryDatasetResource
        do {
            dataset = try await client.send(.GET, url, what: what).decode(BigQueryDatasetResource.self, what: what)
        } catch let error as BigQueryError where error.code == .datasetNotFound || error.code == .notFound {
            guard configuration.createDatasetIfMissing else {
                throw BigQueryResponseClassifier.datasetNotFound(configuration: configuration, detail: error.message)
            }
            let body = BigQueryDatasetResource(
                datasetReference: .init(projectId: configuration.project, datasetId: configuration.dataset), location: configuration.location)
            _ = try await client.send(.POST, "\(client.projectPath)/datasets", json: body, what: "creating dataset \(configuration.dataset)")
            logger.info("bigquery dataset created", metadata: ["bigquery.dataset": "\(configuration.dataset)"])
            return
        }
        if let expected = configuration.location, let actual = dataset.location,
           expected.lowercased() != actual.lowercased() {
            throw BigQueryError(.wrongLocation,
                "BigQuery dataset \(configuration.project):\(configuration.dataset) is in location \(actual), not \(expected). Set --bigquery-location \(actual) (or bigquery location: \(actual) in the config file).")
        }
    }

    /// Checks and prepares a table the first time this destination writes it (or when it needs more columns).
    func ensureTable(_ schema: TableSchema) async throws {
        if let known = preparedTables[schema.name], schema.fields.allSatisfy({ known.contains($0.name) }) { return }
        try await prepare([schema])
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction {
        loadSequence += 1
        return BigQueryLoad(destination: self, directory: "\(stagingDirectory)/load-\(loadSequence)")
    }

    /// One load job into `_stage_<table>_<run>` (expires by itself), one MERGE, then the staging table is dropped.
    func loadAndMerge(_ file: StagingFile) async throws {
        let schema = file.schema
        try await ensureTable(schema)
        let stagingName = "_stage_\(schema.name)_\(runID)"
        var stagingSchema = schema
        stagingSchema.name = stagingName
        stagingSchema.fields.append(Field(BigQuerySQL.sequenceColumn, .integer, "Order in which the run wrote the row"))
        let stagingFields = BigQuerySQL.tableFields(stagingSchema, allNullable: true)
        let stagingTable = BigQueryTableResource.Reference(projectId: configuration.project, datasetId: configuration.dataset, tableId: stagingName)
        let expiration = Int64((Date().timeIntervalSince1970 + configuration.stagingExpiration) * 1000)
        _ = try await client.send(.POST, "\(client.datasetURL())/tables",
                                  json: BigQueryTableResource(tableReference: stagingTable, fields: stagingFields, expirationTime: "\(expiration)"),
                                  what: "creating staging table \(stagingName)")

        count(.load, table: schema.name)
        let load = try await client.runJob(
            id: jobID(.load, schema.name),
            configuration: BigQueryJobConfiguration(load: .init(destinationTable: stagingTable, schema: .init(fields: stagingFields))),
            upload: UploadSource(path: file.path, size: file.bytes), what: "loading \(file.rows) rows of \(schema.name)")
        logger.debug("bigquery staging loaded", metadata: ["bigquery.table": "\(schema.name)", "bigquery.rows": "\(file.rows)",
                                                          "bigquery.job": "\(load.id)"])
        try await faultHook?(.afterLoad, schema.name)

        var parameters: [QueryParameter] = []
        if let type = BigQuerySQL.parameterType(of: schema), let earliest = file.earliest, let latest = file.latest {
            parameters = [QueryParameter(name: "range_start", type: type, value: earliest),
                          QueryParameter(name: "range_end", type: type, value: latest)]
        }
        let sql: String
        if schema.timeField != nil, parameters.isEmpty {
            // Every staged row lacks a date (cannot happen for report rows): merge without the range.
            var unranged = schema
            unranged.timeField = nil
            sql = BigQuerySQL.merge(unranged, target: qualified(schema.name), staging: qualified(stagingName))
        } else {
            sql = BigQuerySQL.merge(schema, target: qualified(schema.name), staging: qualified(stagingName))
        }
        count(.merge, table: schema.name)
        let merge = try await client.query(sql, parameters: parameters, jobID: jobID(.merge, schema.name), what: "merging \(schema.name)")
        logger.debug("bigquery merged", metadata: ["bigquery.table": "\(schema.name)", "bigquery.affected": "\(merge.affectedRows)"])
        do {
            _ = try await client.send(.DELETE, client.tableURL(stagingName), what: "dropping staging table \(stagingName)")
        } catch {
            logger.warning("bigquery staging table not dropped; it expires by itself",
                           metadata: ["bigquery.table": "\(stagingName)", "error": "\(error)"])
        }
    }

    // MARK: Small upserts (checkpoints, run history)

    /// Upserts a few rows with one parameterized MERGE per 200 rows: cheaper than a load job for the
    /// bookkeeping rows a commit carries.
    func mergeRows(_ batch: RowBatch) async throws {
        let schema = batch.schema
        try await prepareBookkeeping()
        try await ensureTable(schema)
        let columns = schema.fields.map { BigQuerySQL.column($0.name) }
        let key = schema.key.map(BigQuerySQL.column)
        let updates = schema.fields.filter { !schema.key.contains($0.name) }.map { "\(BigQuerySQL.column($0.name)) = S.\(BigQuerySQL.column($0.name))" }
        for start in stride(from: 0, to: batch.rows.count, by: 200) {
            var selects: [String] = []
            var parameters: [QueryParameter] = []
            for (r, row) in batch.rows[start..<min(start + 200, batch.rows.count)].enumerated() {
                let cells = zip(row, schema.fields).enumerated().map { c, pair -> String in
                    let (value, field) = pair
                    let type = BigQuerySQL.type(of: field.type)
                    guard let text = value.text else { return "CAST(NULL AS \(type)) AS \(columns[c])" }
                    parameters.append(QueryParameter(name: "p\(r)_\(c)", type: "STRING", value: text))
                    let cast = type == "JSON" ? "PARSE_JSON(@p\(r)_\(c))" : "CAST(@p\(r)_\(c) AS \(type))"
                    return "\(cast) AS \(columns[c])"
                }
                selects.append("SELECT " + cells.joined(separator: ", "))
            }
            var sql = """
                MERGE \(qualified(schema.name)) T
                USING (\(selects.joined(separator: " UNION ALL "))) S
                ON \(key.map { "T.\($0) = S.\($0)" }.joined(separator: " AND "))
                """
            if !updates.isEmpty { sql += "\nWHEN MATCHED THEN UPDATE SET \(updates.joined(separator: ", "))" }
            sql += "\nWHEN NOT MATCHED THEN INSERT (\(columns.joined(separator: ", "))) VALUES (\(columns.map { "S.\($0)" }.joined(separator: ", ")))"
            let kind: BigQueryJobKind = schema.name == StateStore.schema.name ? .state : .query
            count(kind)
            _ = try await client.query(sql, parameters: parameters, jobID: jobID(kind, schema.name), what: "writing \(schema.name)")
        }
    }

    // MARK: Reading and deleting

    public func rows(of schema: TableSchema) async throws -> [[Value]] {
        try await select(schema, where: "", parameters: [])
    }

    public func rows(of schema: TableSchema, in range: RowRange) async throws -> [[Value]] {
        guard let time = schema.timeField, let timeType = BigQuerySQL.parameterType(of: schema) else { return [] }
        var parameters: [QueryParameter] = []
        var conditions = Self.equalities(range.matching, of: schema, parameters: &parameters)
        // On the partitioning column, so only the range's partitions are read; a local hour of the last day is before the next day.
        func bound(_ day: LocalDate) -> String { timeType == "DATETIME" ? "\(day) 00:00:00" : day.description }
        conditions += ["\(BigQuerySQL.column(time)) >= @from", "\(BigQuerySQL.column(time)) < @until"]
        parameters += [QueryParameter(name: "from", type: timeType, value: bound(range.from)),
                       QueryParameter(name: "until", type: timeType, value: bound(range.through.adding(days: 1)))]
        return try await select(schema, where: " WHERE " + conditions.joined(separator: " AND "), parameters: parameters)
    }

    /// `column = CAST(@vN AS type)` for each pair, its value appended to `parameters` as text.
    private static func equalities(_ pairs: [ColumnValue], of schema: TableSchema, parameters: inout [QueryParameter]) -> [String] {
        pairs.map { pair in
            let name = "v\(parameters.count)"
            let type = schema.fields.first { $0.name == pair.column }.map { BigQuerySQL.type(of: $0.type) } ?? "STRING"
            parameters.append(QueryParameter(name: name, type: "STRING", value: pair.value.text ?? ""))
            return "\(BigQuerySQL.column(pair.column)) = CAST(@\(name) AS \(type))"
        }
    }

    /// The table's rows as `schema` lays them out (absent columns NULL), filtered by `condition` over `parameters`.
    private func select(_ schema: TableSchema, where condition: String, parameters: [QueryParameter]) async throws -> [[Value]] {
        do {
            try await prepareBookkeeping()
            guard let existing = try await client.tableIfExists(schema.name, what: "reading table \(schema.name)") else { return [] }
            let present = Set(existing.fields.map { $0.name.lowercased() })
            let selected = schema.fields.map { field -> String in
                guard present.contains(field.name.lowercased()) else { return "NULL" }
                let column = BigQuerySQL.column(field.name)
                return field.type == .json ? "TO_JSON_STRING(\(column))" : "CAST(\(column) AS STRING)"
            }
            count(.query)
            let job = try await client.query("SELECT \(selected.joined(separator: ", ")) FROM \(qualified(schema.name))\(condition)",
                                             parameters: parameters, jobID: jobID(.query, schema.name), what: "reading \(schema.name)")
            return try await client.rows(of: job, what: "reading \(schema.name)").map { row in
                zip(row, schema.fields).map { Value(text: $0, as: $1.type) }
            }
        } catch {
            throw destinationError(error, "reading \(schema.name)")
        }
    }

    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        do {
            guard try await client.tableIfExists(schema.name, what: "reading table \(schema.name)") != nil else { return 0 }
            let sql: String
            var parameters: [QueryParameter] = []
            switch filter {
            case .before(let cutoff):
                guard let delete = BigQuerySQL.deleteBefore(schema, target: qualified(schema.name)),
                      let type = BigQuerySQL.parameterType(of: schema) else { return 0 }
                sql = delete
                parameters = [QueryParameter(name: "cutoff", type: type, value: type == "DATETIME" ? "\(cutoff) 00:00:00" : cutoff.description)]
            case .matching(let pairs):
                let conditions = ["TRUE"] + Self.equalities(pairs, of: schema, parameters: &parameters)
                sql = "DELETE FROM \(qualified(schema.name)) WHERE \(conditions.joined(separator: " AND "))"
            case .superseded(let scope, let stamp):
                let current = Self.equalities([stamp], of: schema, parameters: &parameters)[0]
                let conditions = Self.equalities(scope, of: schema, parameters: &parameters)
                    + ["(\(BigQuerySQL.column(stamp.column)) IS NULL OR NOT (\(current)))"]
                sql = "DELETE FROM \(qualified(schema.name)) WHERE \(conditions.joined(separator: " AND "))"
            }
            count(.query)
            let job = try await client.query(sql, parameters: parameters, jobID: jobID(.query, schema.name), what: "deleting rows of \(schema.name)")
            return job.affectedRows
        } catch {
            throw destinationError(error, "deleting rows of \(schema.name)")
        }
    }

    // MARK: Inspection (tests, `check`)

    /// Every row of a table as text, sorted, for comparing two datasets' content (JSON columns as JSON text).
    public func dump(table: String) async throws -> [String] {
        guard let existing = try await client.tableIfExists(table, what: "reading table \(table)") else { return [] }
        let fields = existing.fields.map { field in
            let column = BigQuerySQL.column(field.name)
            return BigQuerySQL.canonical(field.type) == "JSON" ? "TO_JSON_STRING(\(column))" : "CAST(\(column) AS STRING)"
        }
        count(.query)
        let job = try await client.query("SELECT \(fields.joined(separator: ", ")) FROM \(qualified(table))",
                                         jobID: jobID(.query, table), what: "reading \(table)")
        return try await client.rows(of: job, what: "reading \(table)")
            .map { $0.map { $0.map { "'\($0)'" } ?? "NULL" }.joined(separator: "|") }
            .sorted()
    }

    /// Runs a read-only GoogleSQL query and returns its rows as text (tests, `check`, the benchmark).
    public func select(_ sql: String) async throws -> [[String?]] {
        count(.query)
        let job = try await client.query(sql, jobID: jobID(.query, "select"), what: "running a query")
        return try await client.rows(of: job, what: "reading query results")
    }

    /// The column names of a table as tables.get reports them (empty when it does not exist).
    public func columns(of table: String) async throws -> [String] {
        try await client.tableIfExists(table, what: "reading table \(table)")?.fields.map(\.name) ?? []
    }

    /// The table resource (partitioning, clustering, schema), or nil when it does not exist.
    public func tableResource(_ table: String) async throws -> BigQueryTableResource? {
        try await client.tableIfExists(table, what: "reading table \(table)")
    }

    /// Checks that the dataset is reachable and writable: creates, writes and drops a scratch table.
    public func checkWritable() async throws {
        do {
            try await prepareBookkeeping()
            let scratch = "_tiktok_ads_check_\(runID)"
            let schema = TableSchema(name: scratch, fields: [Field("checked_at", .datetime, "When check ran")], key: [])
            try await ensureTable(schema)
            count(.query)
            _ = try await client.query("INSERT INTO \(qualified(scratch)) (checked_at) VALUES (CAST(@now AS DATETIME))",
                                       parameters: [QueryParameter(name: "now", type: "STRING", value: UTCText.format(Date()))],
                                       jobID: jobID(.query, scratch), what: "writing a test row")
            _ = try await client.send(.DELETE, client.tableURL(scratch), what: "dropping the scratch table \(scratch)")
            preparedTables[scratch] = nil
        } catch {
            throw destinationError(error, "checking the dataset")
        }
    }
}
