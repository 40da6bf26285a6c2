import HTTPTransport
import Foundation
import Logging
import NIOHTTP1
import SyncKit

/// Loads synced rows into BigQuery: each run stages every table's rows in a local NDJSON file, then `finish`
/// runs ONE load job into a staging table that expires by itself and ONE de-duplicating MERGE on the
/// table's unique key, drops the staging table, and only then writes the stream checkpoints to the state
/// table. A crash between MERGE and state repeats work but never duplicates rows. Never uses insertAll.
public actor BigQueryDestination: Destination {
    /// Points where a test can stop `finish`, as a crash there would.
    public enum Step: String, Sendable {
        /// The staging table is loaded; the MERGE has not run.
        case afterLoad
        /// The MERGE ran; the state is not written.
        case afterMerge
    }

    public nonisolated let configuration: BigQueryConfiguration
    public nonisolated var displayName: String { "bigquery:\(configuration.project).\(configuration.dataset)" }
    let client: BigQueryClient
    let logger: Logger
    /// Called at each step of `finish`; throwing there simulates a crash.
    private let faultHook: (@Sendable (Step, String) async throws -> Void)?
    /// Distinguishes this run's staging tables and job ids.
    public nonisolated let runID: String
    private let stagingDirectory: String
    private var staging: [String: StagingFile] = [:]
    private var preparedTables: [String: Set<String>] = [:]
    private var bookkeepingReady = false
    private var jobSequence = 0
    /// Jobs run so far, per kind.
    public private(set) var jobCounts: [BigQueryJobKind: Int] = [:]
    /// Jobs run so far, per kind and table (load and merge).
    public private(set) var tableJobCounts: [String: [BigQueryJobKind: Int]] = [:]

    static let stateTable = "_tiktok_ads_state"
    static let runsTable = "_tiktok_ads_runs"

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

    public func close() async {
        for file in staging.values { file.remove() }
        staging = [:]
        try? FileManager.default.removeItem(atPath: stagingDirectory)
    }

    var datasetName: String { configuration.dataset }
    func qualified(_ table: String) -> String { BigQuerySQL.table(configuration.project, configuration.dataset, table) }

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
        if let error = error as? SyncError { return error }
        if let error = error as? BigQueryError {
            return SyncError(error.code == .unauthenticated ? .authentication : .destination, error.message)
        }
        if error is CancellationError { return SyncError(.cancelled, "The run was cancelled.") }
        return SyncError(.destination, "BigQuery failed while \(doing) in \(displayName).", underlying: "\(error)")
    }

    // MARK: Schema

    public func prepare(_ schemas: [TableSchema]) async throws {
        do {
            try await prepareBookkeeping()
            for schema in schemas { try await prepareTable(schema) }
        } catch {
            throw destinationError(error, "creating tables")
        }
    }

    /// Checks the dataset (exists, right location; created if allowed) and creates the state and run tables.
    func prepareBookkeeping() async throws {
        guard !bookkeepingReady else { return }
        try await checkDataset()
        try await ensureTable(TableSchema(name: Self.stateTable, fields: [
            Field("advertiser_id", .string, "Advertiser ID"), Field("object", .string, "Object name"),
            Field("bookmark", .date, "Last committed local date"), Field("synced_at", .datetime, "When the stream last committed (UTC)"),
        ], key: ["advertiser_id", "object"]))
        try await ensureTable(Self.runsSchema)
        bookkeepingReady = true
    }

    private func checkDataset() async throws {
        let url = client.datasetURL()
        let dataset: [String: Any]
        do {
            dataset = try await client.send(.GET, url, what: "reading dataset \(configuration.dataset)").json
        } catch let error as BigQueryError where error.code == .datasetNotFound || error.code == .notFound {
            guard configuration.createDatasetIfMissing else {
                throw BigQueryClient.datasetNotFound(configuration: configuration, detail: error.message)
            }
            var body: [String: Any] = ["datasetReference": ["projectId": configuration.project, "datasetId": configuration.dataset]]
            if let location = configuration.location { body["location"] = location }
            _ = try await client.send(.POST, "\(client.projectPath)/datasets", json: body, what: "creating dataset \(configuration.dataset)")
            logger.info("bigquery dataset created", metadata: ["bigquery.dataset": "\(configuration.dataset)"])
            return
        }
        if let expected = configuration.location, let actual = dataset["location"] as? String,
           expected.lowercased() != actual.lowercased() {
            throw BigQueryError(.wrongLocation,
                "BigQuery dataset \(configuration.project):\(configuration.dataset) is in location \(actual), not \(expected). Set --bigquery-location \(actual) (or bigquery location: \(actual) in the config file).")
        }
    }

    private func prepareTable(_ schema: TableSchema) async throws {
        for field in schema.fields where !BigQuerySQL.isPlainIdentifier(field.name) {
            throw SyncError(.badInput, "Column '\(field.name)' of \(schema.name) is not a valid BigQuery column name.")
        }
        try await ensureTable(schema)
    }

    /// Creates the table, or adds the columns it lacks: tables.patch (the API's schema), then
    /// `ALTER TABLE … ADD COLUMN IF NOT EXISTS` (emulators store it there; a no-op on BigQuery).
    /// Compares the schema first, so an unchanged table is not patched.
    func ensureTable(_ schema: TableSchema) async throws {
        if let known = preparedTables[schema.name], schema.fields.allSatisfy({ known.contains($0.name) }) { return }
        let url = client.tableURL(schema.name)
        guard let existing = try await client.getIfExists(url, what: "reading table \(schema.name)") else {
            let body = BigQuerySQL.tableResource(schema, project: configuration.project, dataset: configuration.dataset)
            _ = try await client.send(.POST, "\(client.datasetURL())/tables", json: body, what: "creating table \(schema.name)")
            logger.info("bigquery table created", metadata: ["bigquery.table": "\(schema.name)"])
            preparedTables[schema.name] = Set(schema.columnNames)
            return
        }
        let fields = (existing["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []
        let names = Set(fields.compactMap { $0["name"] as? String })
        // BigQuery column names are case-insensitive.
        var existingTypes: [String: String] = [:]
        for field in fields {
            if let name = field["name"] as? String { existingTypes[name.lowercased()] = BigQuerySQL.canonical(field["type"] as? String ?? "") }
        }
        try checkColumnTypes(schema, existingTypes: existingTypes)
        let missing = schema.fields.filter { existingTypes[$0.name.lowercased()] == nil }
        if !missing.isEmpty {
            let added: [[String: Any]] = missing.map { ["name": $0.name, "type": BigQuerySQL.type(of: $0.type), "mode": "NULLABLE",
                                                        "description": $0.description] }
            _ = try await client.send(.PATCH, url, json: ["schema": ["fields": fields + added]], what: "adding columns to \(schema.name)")
            for field in missing {
                count(.ddl)
                _ = try await client.query(
                    "ALTER TABLE \(qualified(schema.name)) ADD COLUMN IF NOT EXISTS \(BigQuerySQL.column(field.name)) \(BigQuerySQL.type(of: field.type))",
                    jobID: jobID(.ddl, schema.name), what: "adding column \(field.name) to \(schema.name)")
            }
            logger.info("bigquery columns added", metadata: ["bigquery.table": "\(schema.name)",
                                                             "bigquery.columns": "\(missing.map(\.name).joined(separator: ","))"])
        }
        preparedTables[schema.name] = names.union(schema.columnNames)
    }

    /// Fails when an existing column's type differs from the catalog's: loads and MERGEs would fail or coerce
    /// values, and the tool never changes a column's type by itself.
    private func checkColumnTypes(_ schema: TableSchema, existingTypes: [String: String]) throws {
        let mismatches = schema.fields.compactMap { field -> (name: String, actual: String, expected: String)? in
            let expected = BigQuerySQL.type(of: field.type)
            guard let actual = existingTypes[field.name.lowercased()], actual != expected else { return nil }
            return (field.name, actual, expected)
        }
        guard let first = mismatches.first else { return }
        let table = "\(configuration.project):\(configuration.dataset).\(schema.name)"
        let list = mismatches.map { "\($0.name) is \($0.actual) but tiktok-ads writes \($0.expected)" }.joined(separator: "; ")
        throw BigQueryError(.schemaMismatch, """
            Table \(table) has \(mismatches.count == 1 ? "a column" : "columns") of the wrong type: \(list). \
            tiktok-ads never changes a column's type. Drop the column (ALTER TABLE \(qualified(schema.name)) DROP COLUMN \(first.name); \
            the next sync adds it back as \(first.expected), and --start-date refills past days), or rename the table to keep its data \
            and let the next sync create a new one, or leave the field out with --fields.
            """)
    }

    // MARK: Writing

    public func write(_ batch: RowBatch, checkpoint: StreamCheckpoint?) async throws {
        let schema = batch.schema
        do {
            var file: StagingFile
            if let existing = staging[schema.name] {
                file = existing
            } else {
                try FileManager.default.createDirectory(atPath: stagingDirectory, withIntermediateDirectories: true)
                file = try StagingFile(directory: stagingDirectory, schema: schema)
            }
            try file.append(batch)
            if let checkpoint { file.checkpoints[checkpoint.key] = checkpoint.state }
            staging[schema.name] = file
        } catch {
            throw destinationError(error, "staging rows of \(schema.name)")
        }
    }

    public func finish(_ schema: TableSchema) async throws {
        guard let file = staging.removeValue(forKey: schema.name) else { return }
        defer { file.remove() }
        file.close()
        do {
            if file.rows > 0 { try await loadAndMerge(file) }
            try await faultHook?(.afterMerge, schema.name)
            try await writeState(file.checkpoints)
        } catch {
            throw destinationError(error, "loading \(schema.name)")
        }
    }

    /// One load job into `_stage_<table>_<run>` (expires by itself), one MERGE, then the staging table is dropped.
    private func loadAndMerge(_ file: StagingFile) async throws {
        let schema = file.schema
        try await ensureTable(schema)
        let stagingName = "_stage_\(schema.name)_\(runID)"
        var stagingSchema = schema
        stagingSchema.name = stagingName
        stagingSchema.fields.append(Field(BigQuerySQL.sequenceColumn, .integer, "Order in which the run wrote the row"))
        let stagingFields = BigQuerySQL.fieldsJSON(stagingSchema, allNullable: true)
        let expiration = Int64((Date().timeIntervalSince1970 + configuration.stagingExpiration) * 1000)
        _ = try await client.send(.POST, "\(client.datasetURL())/tables", json: [
            "tableReference": ["projectId": configuration.project, "datasetId": configuration.dataset, "tableId": stagingName],
            "schema": ["fields": stagingFields], "expirationTime": "\(expiration)",
        ], what: "creating staging table \(stagingName)")

        count(.load, table: schema.name)
        let load = try await client.runJob(id: jobID(.load, schema.name), configuration: ["load": [
            "destinationTable": ["projectId": configuration.project, "datasetId": configuration.dataset, "tableId": stagingName],
            "sourceFormat": "NEWLINE_DELIMITED_JSON", "writeDisposition": "WRITE_TRUNCATE", "createDisposition": "CREATE_IF_NEEDED",
            "schema": ["fields": stagingFields],
        ] as [String: Any]], upload: UploadSource(path: file.path, size: file.bytes), what: "loading \(file.rows) rows of \(schema.name)")
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

    // MARK: State

    private func writeState(_ checkpoints: [StreamKey: StreamState]) async throws {
        guard !checkpoints.isEmpty else { return }
        let entries = checkpoints.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: entries.count, by: 200) {
            let chunk = entries[start..<min(start + 200, entries.count)]
            var selects: [String] = []
            var parameters: [QueryParameter] = []
            for (i, (key, state)) in chunk.enumerated() {
                selects.append("SELECT @a\(i) AS advertiser_id, @o\(i) AS object, CAST(NULLIF(@b\(i), '') AS DATE) AS bookmark, CAST(@s\(i) AS DATETIME) AS synced_at")
                parameters += [QueryParameter(name: "a\(i)", type: "STRING", value: key.advertiserID),
                               QueryParameter(name: "o\(i)", type: "STRING", value: key.object),
                               QueryParameter(name: "b\(i)", type: "STRING", value: state.bookmark?.description ?? ""),
                               QueryParameter(name: "s\(i)", type: "STRING", value: Self.utcText(state.syncedAt))]
            }
            let sql = """
                MERGE \(qualified(Self.stateTable)) T
                USING (\(selects.joined(separator: " UNION ALL "))) S
                ON T.advertiser_id = S.advertiser_id AND T.object = S.object
                WHEN MATCHED THEN UPDATE SET bookmark = S.bookmark, synced_at = S.synced_at
                WHEN NOT MATCHED THEN INSERT (advertiser_id, object, bookmark, synced_at) VALUES (S.advertiser_id, S.object, S.bookmark, S.synced_at)
                """
            count(.state)
            _ = try await client.query(sql, parameters: parameters, jobID: jobID(.state, "state"), what: "writing the stream state")
        }
    }

    public func loadState() async throws -> [StreamKey: StreamState] {
        do {
            try await prepareBookkeeping()
            count(.query)
            let job = try await client.query(
                "SELECT advertiser_id, object, CAST(bookmark AS STRING), CAST(synced_at AS STRING) FROM \(qualified(Self.stateTable))",
                jobID: jobID(.query, "state"), what: "reading the stream state")
            var state: [StreamKey: StreamState] = [:]
            for row in try await client.rows(of: job, what: "reading the stream state") {
                guard row.count == 4, let advertiser = row[0], let object = row[1] else { continue }
                state[StreamKey(advertiserID: advertiser, object: object)] = StreamState(
                    bookmark: row[2].flatMap { LocalDate($0) }, syncedAt: row[3].flatMap(Self.parseUTC) ?? Date(timeIntervalSince1970: 0))
            }
            return state
        } catch {
            throw destinationError(error, "reading the stream state")
        }
    }

    public func resetState(advertiserID: String?, object: String?) async throws -> Int {
        do {
            try await prepareBookkeeping()
            var conditions = ["TRUE"]
            var parameters: [QueryParameter] = []
            if let advertiserID {
                conditions.append("advertiser_id = @advertiser_id")
                parameters.append(QueryParameter(name: "advertiser_id", type: "STRING", value: advertiserID))
            }
            if let object {
                conditions.append("object = @object")
                parameters.append(QueryParameter(name: "object", type: "STRING", value: object))
            }
            count(.query)
            let job = try await client.query("DELETE FROM \(qualified(Self.stateTable)) WHERE \(conditions.joined(separator: " AND "))",
                                             parameters: parameters, jobID: jobID(.query, "state"), what: "resetting the stream state")
            return job.affectedRows
        } catch {
            throw destinationError(error, "resetting the stream state")
        }
    }

    // MARK: Cleanup

    public func deleteRows(of schema: TableSchema, before cutoff: LocalDate) async throws -> Int {
        guard let sql = BigQuerySQL.deleteBefore(schema, target: qualified(schema.name)),
              let type = BigQuerySQL.parameterType(of: schema) else { return 0 }
        do {
            guard try await client.getIfExists(client.tableURL(schema.name), what: "reading table \(schema.name)") != nil else { return 0 }
            let value = type == "DATETIME" ? "\(cutoff) 00:00:00" : cutoff.description
            count(.query)
            let job = try await client.query(sql, parameters: [QueryParameter(name: "cutoff", type: type, value: value)],
                                             jobID: jobID(.query, schema.name), what: "deleting rows of \(schema.name) before \(cutoff)")
            return job.affectedRows
        } catch {
            throw destinationError(error, "deleting old rows of \(schema.name)")
        }
    }

    // MARK: Inspection (tests, `check`)

    /// Every row of a table as text, sorted, for comparing two datasets' content (JSON columns as JSON text).
    public func dump(table: String) async throws -> [String] {
        guard let existing = try await client.getIfExists(client.tableURL(table), what: "reading table \(table)") else { return [] }
        let fields = ((existing["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { field -> String? in
            guard let name = field["name"] as? String else { return nil }
            let type = BigQuerySQL.canonical(field["type"] as? String ?? "")
            return type == "JSON" ? "TO_JSON_STRING(\(BigQuerySQL.column(name)))" : "CAST(\(BigQuerySQL.column(name)) AS STRING)"
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
        let existing = try await client.getIfExists(client.tableURL(table), what: "reading table \(table)")
        return ((existing?["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// The table resource (partitioning, clustering, schema), or nil when it does not exist.
    public func tableResource(_ table: String) async throws -> [String: any Sendable]? {
        guard let resource = try await client.getIfExists(client.tableURL(table), what: "reading table \(table)") else { return nil }
        let data = try JSONSerialization.data(withJSONObject: resource)
        return try JSONSerialization.jsonObject(with: data) as? [String: any Sendable]
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
                                       parameters: [QueryParameter(name: "now", type: "STRING", value: Self.utcText(Date()))],
                                       jobID: jobID(.query, scratch), what: "writing a test row")
            _ = try await client.send(.DELETE, client.tableURL(scratch), what: "dropping the scratch table \(scratch)")
            preparedTables[scratch] = nil
        } catch {
            throw destinationError(error, "checking the dataset")
        }
    }

    // MARK: Time

    /// `YYYY-MM-DD HH:MM:SS.ffffff` in UTC (DATETIME text).
    static func utcText(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = Int(micros.quotientAndRemainder(dividingBy: 1_000_000).quotient - (micros < 0 && micros % 1_000_000 != 0 ? 1 : 0))
        let fraction = Int(micros - Int64(seconds) * 1_000_000)
        let day = LocalDate(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
        let secondOfDay = seconds - day.dayNumber * 86_400
        return String(format: "%@ %02d:%02d:%02d.%06d", day.description, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, fraction)
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` as UTC.
    static func parseUTC(_ text: String) -> Date? {
        guard let day = LocalDate(text), text.utf8.count >= 19 else { return nil }
        let parts = text.dropFirst(11).split(separator: ":")
        guard parts.count == 3, let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Double(parts[2]) else { return nil }
        return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + hours * 3600 + minutes * 60) + seconds)
    }
}
