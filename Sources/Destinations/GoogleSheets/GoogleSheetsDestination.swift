import HTTPTransport
import Foundation
import Logging
import NIOHTTP1
import SyncKit

/// Writes synced rows into a Google Sheets spreadsheet: one tab per table (named as the table) with a frozen header
/// row of field names, upserted in place by the table's unique key; tables whose name starts with `_` (the state and
/// run history) are hidden tabs. A load lasts the run: rows are staged per table, and the commit grows the grid,
/// writes them with `values:batchUpdate` requests of about 2 MB, and only then writes the checkpoints (a crash in
/// between repeats work but never duplicates a row, because the next run reads the key columns again and updates
/// the rows it finds). Values are written `RAW`.
public actor GoogleSheetsDestination: Destination {
    struct Tab {
        var sheetId: Int
        var title: String
        var rowCount: Int
        var columnCount: Int
    }

    /// One table's pending work in this run.
    struct Plan {
        var schema: TableSchema
        /// Grid row (0-based) of each key already in the sheet or staged in this run.
        var rowOfKey: [String: Int]
        /// The first grid row after the data.
        var nextRow: Int
        /// Grid row → values in the order of `schema.fields`.
        var pending: [Int: [Value]] = [:]
    }

    public nonisolated let configuration: GoogleSheetsConfiguration
    public nonisolated var displayName: String { "sheets:\(configuration.spreadsheetID)" }
    let client: SheetsClient
    let logger: Logger
    var tabs: [String: Tab]?
    /// Table → field name → sheet column (0-based), from the header row.
    var headers: [String: [String: Int]] = [:]
    var plans: [String: Plan] = [:]

    /// - Parameters:
    ///   - clock: paces requests (`configuration.writeRequestsPerMinute` writes and `readRequestsPerMinute` reads in any minute)
    ///     and times the backoff between retries.
    ///   - identity: who the requests run as (a service account's email), named in permission errors.
    public init<C: Clock>(configuration: GoogleSheetsConfiguration, auth: any GoogleAccessTokenProvider, transport: HTTPTransport = .shared,
                          logger: Logger, clock: C, identity: String? = nil) where C.Duration == Duration {
        self.configuration = configuration
        self.client = SheetsClient(configuration: configuration, transport: transport, auth: auth, logger: logger, clock: clock,
                                   writePacer: RateLimiter(budget: RateBudget(perMinute: configuration.writeRequestsPerMinute), clock: clock),
                                   readPacer: RateLimiter(budget: RateBudget(perMinute: configuration.readRequestsPerMinute), clock: clock),
                                   counter: RequestCounter(), identity: identity)
        self.logger = logger
    }

    public init(configuration: GoogleSheetsConfiguration, auth: any GoogleAccessTokenProvider, transport: HTTPTransport = .shared,
                logger: Logger, identity: String? = nil) {
        self.init(configuration: configuration, auth: auth, transport: transport, logger: logger, clock: ContinuousClock(), identity: identity)
    }

    /// Opens the destination with application-default credentials (an explicit file, `GOOGLE_APPLICATION_CREDENTIALS`,
    /// gcloud's file, the metadata server).
    public static func open(configuration: GoogleSheetsConfiguration, credentialsFile: String? = nil, tokenURL: String? = nil,
                            transport: HTTPTransport = .shared, logger: Logger,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GoogleSheetsDestination {
        let credentials: GoogleCredentials
        do {
            credentials = try GoogleCredentials.resolve(file: credentialsFile, environment: environment)
        } catch let error as GoogleAuthError {
            throw SyncError(.badInput, error.message)
        }
        var identity: String?
        if case .serviceAccount(let key) = credentials { identity = key.clientEmail }
        let auth = GoogleTokenSource(credentials: credentials,
                                     configuration: .init(scopes: ["https://www.googleapis.com/auth/spreadsheets"], tokenURL: tokenURL,
                                                          environment: environment),
                                     transport: transport, logger: logger)
        return GoogleSheetsDestination(configuration: configuration, auth: auth, transport: transport, logger: logger, identity: identity)
    }

    public nonisolated var loadScope: LoadScope { .run }

    public func close() async {
        plans = [:]
    }

    /// Requests sent so far (every attempt), and how many were retries.
    public var requestCounts: (reads: Int, writes: Int, retries: Int) {
        (client.counter.reads, client.counter.writes, client.counter.retries)
    }

    func destinationError(_ error: any Error, _ doing: String) -> SyncError {
        if let known = SyncError.known(error) { return known }
        return SyncError(.destination, "Google Sheets failed while \(doing) in \(displayName).", cause: error)
    }

    // MARK: Requests

    func getJSON<T: Decodable>(_ type: T.Type, _ suffix: String, what: String) async throws -> T {
        let data = try await client.send(.GET, suffix, what: what)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw SyncError(.destination, "Google Sheets answered something unexpected while \(what).", cause: error)
        }
    }

    /// `:batchUpdate` with the given request objects (JSON text each); returns the reply.
    @discardableResult
    func batchUpdate(_ requests: [String], what: String) async throws -> SheetsBatchUpdateReply {
        let data = try await client.send(.POST, ":batchUpdate", body: "{\"requests\":[\(requests.joined(separator: ","))]}", what: what)
        return (try? JSONDecoder().decode(SheetsBatchUpdateReply.self, from: data)) ?? SheetsBatchUpdateReply(replies: nil)
    }

    /// `values:batchUpdate` (RAW) of data entries (JSON text each).
    func valuesBatchUpdate(_ entries: [String], what: String) async throws {
        guard !entries.isEmpty else { return }
        let body = "{\"valueInputOption\":\"RAW\",\"includeValuesInResponse\":false,\"data\":[\(entries.joined(separator: ","))]}"
        _ = try await client.send(.POST, "/values:batchUpdate", body: body, what: what)
    }

    /// One data entry: `values` (JSON rows) at `range`.
    static func entry(_ range: String, _ rows: [String]) -> String {
        "{\"range\":\(JSONText.quoted(range)),\"majorDimension\":\"ROWS\",\"values\":[\(rows.joined(separator: ","))]}"
    }

    static func textRow(_ cells: [String]) -> String { "[" + cells.map(JSONText.quoted).joined(separator: ",") + "]" }

    /// Reads several ranges at once (UNFORMATTED_VALUE, ROWS).
    func batchGet(_ ranges: [String], what: String) async throws -> [[[SheetsCell]]] {
        guard !ranges.isEmpty else { return [] }
        let query = ranges.map { "ranges=\(SheetsClient.encode($0))" }.joined(separator: "&")
        let reply = try await getJSON(SheetsBatchGet.self, "/values:batchGet?\(query)&majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING", what: what)
        let results = (reply.valueRanges ?? []).map { $0.values ?? [] }
        return results + Array(repeating: [], count: max(0, ranges.count - results.count))
    }

    // MARK: Tabs

    func loadTabs() async throws -> [String: Tab] {
        if let tabs { return tabs }
        let fields = SheetsClient.encode("sheets.properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount,frozenRowCount))")
        let sheet = try await getJSON(SheetsSpreadsheet.self, "?fields=\(fields)", what: "reading the spreadsheet")
        var result: [String: Tab] = [:]
        for s in sheet.sheets ?? [] {
            let p = s.properties
            result[p.title] = Tab(sheetId: p.sheetId, title: p.title, rowCount: p.gridProperties?.rowCount ?? 0,
                                  columnCount: p.gridProperties?.columnCount ?? 0)
        }
        tabs = result
        return result
    }

    var totalCells: Int { (tabs ?? [:]).values.reduce(0) { $0 + $1.rowCount * $1.columnCount } }

    /// Creates the missing tabs (one `:batchUpdate`), each with a frozen header row, and writes their headers.
    func createTabs(_ wanted: [(title: String, columns: [String], hidden: Bool)]) async throws {
        var known = try await loadTabs()
        let missing = wanted.filter { known[$0.title] == nil }
        guard !missing.isEmpty else { return }
        let added = missing.reduce(0) { $0 + 2 * max(1, $1.columns.count) }
        try checkCells(adding: added, what: "creating tabs \(missing.map(\.title).joined(separator: ", "))")
        let requests = missing.map { tab in
            "{\"addSheet\":{\"properties\":{\"title\":\(JSONText.quoted(tab.title)),\"hidden\":\(tab.hidden),\"gridProperties\":{\"rowCount\":2,\"columnCount\":\(max(1, tab.columns.count)),\"frozenRowCount\":1}}}}"
        }
        let reply = try await batchUpdate(requests, what: "creating tabs")
        for (i, tab) in missing.enumerated() {
            guard let replies = reply.replies, i < replies.count, let p = replies[i].addSheet?.properties else {
                tabs = nil
                known = try await loadTabs()
                break
            }
            known[tab.title] = Tab(sheetId: p.sheetId, title: p.title, rowCount: p.gridProperties?.rowCount ?? 2,
                                   columnCount: p.gridProperties?.columnCount ?? max(1, tab.columns.count))
        }
        tabs = known
        try await valuesBatchUpdate(missing.map { tab in
            Self.entry(SheetsA1.range(tab.title, rows: 0..<1, columns: 0..<max(1, tab.columns.count)), [Self.textRow(tab.columns)])
        }, what: "writing header rows")
        for tab in missing {
            headerCells[tab.title] = tab.columns
            headers[tab.title] = Self.columnMap(tab.columns)
            headerWidth[tab.title] = tab.columns.count
        }
        logger.info("sheets tabs created", metadata: ["sheets.tabs": "\(missing.map(\.title).joined(separator: ","))"])
    }

    /// Fails, before anything is written, when adding `cells` grid cells would pass the spreadsheet's cell limit.
    func checkCells(adding cells: Int, what: String) throws {
        let projected = totalCells + cells
        guard cells > 0, projected > configuration.maxCells else { return }
        throw SyncError(.destination, """
            Google Sheets holds at most \(configuration.maxCells.formatted()) cells per spreadsheet; \(what) would make \
            spreadsheet \(configuration.spreadsheetID) hold \(projected.formatted()) cells (it has \(totalCells.formatted()) now), \
            so nothing was written. Keep fewer rows with a retention window (--retention-days, e.g. 90), select fewer fields \
            (--fields), delete tabs you no longer need, or sync this data to BigQuery instead (--destination bigquery).
            """)
    }

    // MARK: Schema

    /// A tab is matched by its header row: cells are untyped, the key is found by the tool itself (key columns must be
    /// there), columns are added, and the tool's columns must stand in catalog order, so a header another tool wrote
    /// with the same names, or one rearranged by hand (header cells moved without their rows), is refused.
    public nonisolated var schemaRules: SchemaRules {
        let spreadsheet = configuration.spreadsheetID
        return SchemaRules(
            typeName: { _ in nil }, accepts: { _, _ in true }, keyRule: .columns, canAddColumns: true, keepsColumnOrder: true,
            caseInsensitiveNames: false, destination: "spreadsheet \(spreadsheet)", tableLabel: { "tab '\($0)'" },
            tableFix: { tab in
                "Keep that tab under another name (e.g. \(tab)_old), and the next sync creates it afresh (--start-date refills past days); "
                    + "or pass another spreadsheet with --spreadsheet."
            })
    }

    /// The header row of each existing tab (and, for a tab whose header is blank, whether it holds anything at all).
    /// A header this destination wrote or read in this run is not read again.
    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        do {
            let known = try await loadTabs()
            var existing: [String] = []
            for name in names where known[name] != nil && !existing.contains(name) { existing.append(name) }
            let unread = existing.filter { headerCells[$0] == nil }
            for (name, cells) in zip(unread, try await batchGet(unread.map { "\(SheetsA1.quote($0))!1:1" }, what: "reading header rows")) {
                headerCells[name] = (cells.first ?? []).map(\.text)
            }
            var found: [String: FoundTable] = [:]
            for name in existing {
                let header = headerCells[name] ?? []
                var isEmpty: Bool?
                if header.allSatisfy(\.isEmpty) {
                    // No header: an empty tab, or someone else's rows.
                    let grid = try await batchGet([SheetsA1.quote(name)], what: "reading \(name)").first ?? []
                    isEmpty = !grid.contains { $0.contains { !$0.text.isEmpty } }
                }
                let columns = header.enumerated().filter { !$0.element.isEmpty }.map {
                    FoundColumn(name: $0.element, type: nil, place: "column \(SheetsA1.column($0.offset))")
                }
                found[name] = FoundTable(name: name, columns: columns, isEmpty: isEmpty)
            }
            return found
        } catch {
            throw destinationError(error, "reading the header rows")
        }
    }

    /// Creates the planned tabs (frozen header row) and puts each planned column where catalog order wants it.
    public func applySchema(_ plans: [TablePlan]) async throws {
        do {
            try await createTabs(plans.filter { !$0.exists }.map { ($0.schema.name, $0.schema.columnNames, $0.schema.name.hasPrefix("_")) })
            for plan in plans where plan.exists {
                let header = headerCells[plan.schema.name] ?? []
                headers[plan.schema.name] = Self.columnMap(header)
                headerWidth[plan.schema.name] = header.count
            }
            try await addColumns(plans.filter { $0.exists && !$0.addedColumns.isEmpty })
        } catch {
            throw destinationError(error, "preparing tabs")
        }
    }

    /// Header width (used columns in row 1, user columns included) per table read this run.
    var headerWidth: [String: Int] = [:]
    /// The header row of each tab `inspectTables` read (blank cells as "").
    var headerCells: [String: [String]] = [:]

    /// Field name → column, from a header row (the first cell of a name wins; `SchemaCheck` refuses duplicates).
    static func columnMap(_ header: [String]) -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, name) in header.enumerated() where map[name] == nil && !name.isEmpty { map[name] = i }
        return map
    }

    /// Adds each planned column in catalog order: inserted just before the first of the tool's columns that follows it
    /// (cells to its right move with their rows), or, when none follows, after every used column.
    func addColumns(_ plans: [TablePlan]) async throws {
        var requests: [String] = []
        var entries: [String] = []
        var added = 0
        var finished: [(name: String, header: [String], columnCount: Int)] = []
        for plan in plans {
            let schema = plan.schema
            guard let tab = tabs?[schema.name] else { continue }
            let order = schema.knownColumns.isEmpty ? schema.columnNames : schema.knownColumns
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var header = headerCells[schema.name] ?? []
            var columnCount = tab.columnCount
            for field in plan.addedColumns {
                let own = rank[field.name] ?? Int.max
                if let next = header.firstIndex(where: { rank[$0].map { $0 > own } ?? false }) {
                    requests.append("{\"insertDimension\":{\"range\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"COLUMNS\",\"startIndex\":\(next),\"endIndex\":\(next + 1)},\"inheritFromBefore\":false}}")
                    header.insert(field.name, at: next)
                    columnCount += 1
                } else {
                    header.append(field.name)
                    if header.count > columnCount {
                        requests.append("{\"appendDimension\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"COLUMNS\",\"length\":\(header.count - columnCount)}}")
                        columnCount = header.count
                    }
                }
            }
            added += (columnCount - tab.columnCount) * tab.rowCount
            for field in plan.addedColumns {
                guard let column = header.firstIndex(of: field.name) else { continue }
                entries.append(Self.entry(SheetsA1.range(schema.name, rows: 0..<1, columns: column..<column + 1), [Self.textRow([field.name])]))
            }
            finished.append((schema.name, header, columnCount))
        }
        guard !entries.isEmpty else { return }
        try checkCells(adding: added, what: "adding columns")
        if !requests.isEmpty { try await batchUpdate(requests, what: "adding columns") }
        for (name, header, columnCount) in finished {
            tabs?[name]?.columnCount = columnCount
            headerCells[name] = header
            headers[name] = Self.columnMap(header)
            headerWidth[name] = header.count
        }
        try await valuesBatchUpdate(entries, what: "writing new header cells")
    }

    // MARK: Writing

    static func keyText(_ row: [Value], _ indexes: [Int]) -> String {
        indexes.map { SheetsA1.matchText(row[$0]) }.joined(separator: "\u{1F}")
    }

    /// The plan of `schema`'s table: reads its key columns (once per run) the first time.
    func plan(for schema: TableSchema) async throws -> Plan {
        if let plan = plans[schema.name] { return plan }
        if headers[schema.name] == nil || schema.columnNames.contains(where: { headers[schema.name]?[$0] == nil }) {
            try await prepare([schema])
        }
        guard let map = headers[schema.name] else { throw SyncError(.destination, "Tab \(schema.name) has no header row.") }
        let keys = schema.key.isEmpty ? schema.columnNames : schema.key
        let columns = keys.compactMap { map[$0] }
        let read = try await batchGet(columns.map { SheetsA1.wholeColumn(schema.name, $0) }, what: "reading the key columns of \(schema.name)")
        let height = read.map(\.count).max() ?? 1
        var rowOfKey: [String: Int] = [:]
        var lastRow = 0
        for row in 1..<max(1, height) {
            let parts = read.map { column in row < column.count ? (column[row].first?.text ?? "") : "" }
            guard parts.contains(where: { !$0.isEmpty }) else { continue }
            lastRow = row
            rowOfKey[parts.joined(separator: "\u{1F}")] = row
        }
        // Another stream of the same table may have made the plan while this one awaited the read: keep the first.
        if let existing = plans[schema.name] { return existing }
        let plan = Plan(schema: schema, rowOfKey: rowOfKey, nextRow: lastRow + 1)
        plans[schema.name] = plan
        return plan
    }

    public func begin() -> any LoadTransaction { SheetsLoad(destination: self) }

    /// Stages rows in the table's plan (upsert in place by key); nothing is written before `commit`.
    func stage(_ batch: RowBatch) async throws {
        let schema = batch.schema
        do {
            _ = try await plan(for: schema)
            // Read the plan again after the await and update it without suspending, so concurrent streams of one
            // table never overwrite each other's staged rows (actor reentrancy).
            guard var plan = plans[schema.name] else { throw SyncError(.destination, "The plan of \(schema.name) disappeared.") }
            let keys = (schema.key.isEmpty ? schema.columnNames : schema.key).compactMap { schema.index(of: $0) }
            for row in batch.rows {
                let key = Self.keyText(row, keys)
                let index: Int
                if let existing = plan.rowOfKey[key] {
                    index = existing
                } else {
                    index = plan.nextRow
                    plan.nextRow += 1
                    plan.rowOfKey[key] = index
                }
                plan.pending[index] = row
            }
            plans[schema.name] = plan
            try checkCells(adding: pendingGrowth(), what: "adding the rows of this run")
        } catch {
            throw destinationError(error, "staging rows of \(schema.name)")
        }
    }

    /// Grid cells the staged rows of every table would add.
    func pendingGrowth() -> Int {
        plans.values.reduce(0) { total, plan in
            guard let tab = tabs?[plan.schema.name], plan.nextRow > tab.rowCount else { return total }
            return total + (plan.nextRow - tab.rowCount) * tab.columnCount
        }
    }

    /// Writes the staged rows of `tables`, then stages and writes the checkpoint rows.
    func commit(_ tables: Set<String>, checkpoints: [RowBatch]) async throws {
        for name in tables.sorted() {
            guard let plan = plans.removeValue(forKey: name) else { continue }
            do {
                if !plan.pending.isEmpty { try await writeRows(plan) }
            } catch {
                throw destinationError(error, "writing \(name)")
            }
        }
        for batch in checkpoints where !batch.isEmpty {
            try await stage(batch)
            guard let plan = plans.removeValue(forKey: batch.schema.name) else { continue }
            do {
                try await writeRows(plan)
            } catch {
                throw destinationError(error, "writing \(batch.schema.name)")
            }
        }
    }

    /// Forgets the staged rows of `tables`.
    func discard(_ tables: Set<String>) {
        for name in tables { plans[name] = nil }
    }

    /// Grows the grid if needed, then writes the staged rows in `values:batchUpdate` requests of about `maxRequestBytes`.
    func writeRows(_ plan: Plan) async throws {
        let schema = plan.schema
        guard let map = headers[schema.name], var tab = tabs?[schema.name] else { return }
        if plan.nextRow > tab.rowCount {
            let length = plan.nextRow - tab.rowCount
            try checkCells(adding: length * tab.columnCount, what: "adding \(length) rows to \(schema.name)")
            try await batchUpdate(["{\"appendDimension\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"ROWS\",\"length\":\(length)}}"],
                                  what: "growing \(schema.name)")
            tab.rowCount += length
            tabs?[schema.name] = tab
        }
        // Contiguous runs of sheet columns, so columns the user put between ours are never written.
        let placed = schema.fields.indices.compactMap { i in map[schema.fields[i].name].map { (field: i, column: $0) } }.sorted { $0.column < $1.column }
        var segments: [[(field: Int, column: Int)]] = []
        for item in placed {
            if let last = segments.last?.last, last.column + 1 == item.column { segments[segments.count - 1].append(item) } else { segments.append([item]) }
        }
        let rows = plan.pending.keys.sorted()
        let requests = Self.chunkedEntries(plan: plan, rows: rows, segments: segments, limit: configuration.maxRequestBytes,
                                           maxCharacters: configuration.maxCellCharacters)
        for entries in requests {
            try await valuesBatchUpdate(entries, what: "writing rows of \(schema.name)")
        }
        logger.debug("sheets rows written", metadata: ["sheets.tab": "\(schema.name)", "sheets.rows": "\(rows.count)",
                                                       "sheets.requests": "\(requests.count)"])
    }

    /// The data entries of the staged rows, grouped into requests of at most about `limit` bytes: consecutive rows
    /// form one range per contiguous run of columns.
    static func chunkedEntries(plan: Plan, rows: [Int], segments: [[(field: Int, column: Int)]], limit: Int,
                               maxCharacters: Int) -> [[String]] {
        let schema = plan.schema
        var requests: [[String]] = []
        var entries: [String] = []
        var bytes = 200
        var runStart = -1
        var runRows: [String] = []
        var runBytes = 0
        func flush() {
            guard !entries.isEmpty else { return }
            requests.append(entries)
            entries = []
            bytes = 200
        }
        for segment in segments {
            guard let first = segment.first, let last = segment.last else { continue }
            let columns = first.column..<last.column + 1
            func closeRun() {
                guard !runRows.isEmpty else { return }
                let entry = entry(SheetsA1.range(schema.name, rows: runStart..<runStart + runRows.count, columns: columns), runRows)
                if bytes + entry.utf8.count > limit { flush() }
                entries.append(entry)
                bytes += entry.utf8.count + 1
                runRows = []
                runBytes = 0
            }
            for row in rows {
                guard let values = plan.pending[row] else { continue }
                var text = "["
                for (n, item) in segment.enumerated() {
                    if n > 0 { text += "," }
                    SheetsA1.appendJSON(values[item.field], maxCharacters: maxCharacters, to: &text)
                }
                text += "]"
                if !runRows.isEmpty, runStart + runRows.count != row || bytes + runBytes + text.utf8.count + 300 > limit {
                    closeRun()
                }
                if runRows.isEmpty { runStart = row }
                runRows.append(text)
                runBytes += text.utf8.count + 1
            }
            closeRun()
        }
        flush()
        return requests
    }

    // MARK: Reading and deleting

    /// The tab's rows as text, with the column of each of `schema`'s fields (nil when the tab lacks it).
    func readTab(_ schema: TableSchema) async throws -> (rows: [[SheetsCell]], columns: [Int?])? {
        guard try await loadTabs()[schema.name] != nil else { return nil }
        let grid = try await batchGet(["\(SheetsA1.quote(schema.name))"], what: "reading \(schema.name)").first ?? []
        var map: [String: Int] = [:]
        for (i, cell) in (grid.first ?? []).enumerated() where map[cell.text] == nil && !cell.text.isEmpty { map[cell.text] = i }
        return (Array(grid.dropFirst()), schema.fields.map { map[$0.name] })
    }

    public func rows(of schema: TableSchema) async throws -> [[Value]] {
        do {
            guard let (rows, columns) = try await readTab(schema) else { return [] }
            return rows.compactMap { row in
                let texts = columns.map { column -> String in column.map { $0 < row.count ? row[$0].text : "" } ?? "" }
                guard texts.contains(where: { !$0.isEmpty }) else { return nil }
                return zip(texts, schema.fields).map { text, field in Value(text: text.isEmpty ? nil : text, as: field.type) }
            }
        } catch {
            throw destinationError(error, "reading \(schema.name)")
        }
    }

    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        do {
            guard let tab = try await loadTabs()[schema.name], let (rows, columns) = try await readTab(schema) else { return 0 }
            func text(_ row: [SheetsCell], _ field: String) -> String? {
                guard let index = schema.index(of: field), let column = columns[index], column < row.count else { return nil }
                return row[column].text
            }
            var doomed: [Int] = []
            for (offset, row) in rows.enumerated() {
                let matches: Bool
                switch filter {
                case .before(let cutoff):
                    guard let time = schema.timeField else { return 0 }
                    matches = text(row, time).flatMap { LocalDate($0) }.map { $0 < cutoff } ?? false
                case .matching, .superseded:
                    guard row.contains(where: { !$0.text.isEmpty }) else { continue }
                    matches = filter.matches { text(row, $0).flatMap { $0.isEmpty ? nil : $0 } }
                }
                if matches { doomed.append(offset + 1) }
            }
            guard !doomed.isEmpty else { return 0 }
            var spans: [Range<Int>] = []
            for row in doomed {
                if let last = spans.last, last.upperBound == row { spans[spans.count - 1] = last.lowerBound..<row + 1 } else { spans.append(row..<row + 1) }
            }
            let requests = spans.reversed().map {
                "{\"deleteDimension\":{\"range\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"ROWS\",\"startIndex\":\($0.lowerBound),\"endIndex\":\($0.upperBound)}}}"
            }
            try await batchUpdate(requests, what: "deleting rows of \(schema.name)")
            tabs?[schema.name]?.rowCount -= doomed.count
            plans[schema.name] = nil
            return doomed.count
        } catch {
            throw destinationError(error, "deleting rows of \(schema.name)")
        }
    }

    // MARK: Check

    /// Checks that the spreadsheet is reachable and writable: creates the hidden tabs if needed and rewrites the state
    /// header (after checking that an existing state tab is the tool's).
    public func checkWritable() async throws {
        do {
            let state = StateStore.schema
            _ = try await checkSchemas([state])
            try await createTabs([(state.name, state.columnNames, true)])
            try await valuesBatchUpdate([Self.entry(SheetsA1.range(state.name, rows: 0..<1, columns: 0..<state.fields.count),
                                                    [Self.textRow(state.columnNames)])], what: "writing a test value")
        } catch {
            throw destinationError(error, "checking the spreadsheet")
        }
    }
}

/// One run's load into the spreadsheet: rows are staged in the destination's per-table plans; `commit` writes
/// them, then the checkpoints.
struct SheetsLoad: LoadTransaction {
    let destination: GoogleSheetsDestination
    private let tables = Protected<Set<String>>([])

    init(destination: GoogleSheetsDestination) { self.destination = destination }

    func write(_ batch: RowBatch) async throws {
        guard !batch.isEmpty else { return }
        tables.withLock { _ = $0.insert(batch.schema.name) }
        try await destination.stage(batch)
    }

    func commit(checkpoints: [RowBatch]) async throws {
        try await destination.commit(tables.value, checkpoints: checkpoints)
    }

    func rollback() async {
        await destination.discard(tables.value)
    }
}
