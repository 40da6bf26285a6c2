import Foundation
import SyncKit

/// Plain files in one directory: CSV or JSON Lines, a report table as one file per advertiser and local day
/// (`DIR/<table>/<advertiser_id>/<YYYY-MM-DD>.<ext>`, hourly tables too), an entity table as one file per advertiser
/// (`DIR/<table>/<advertiser_id>.<ext>`, replaced whole by each run's listing), and the bookkeeping tables as JSON
/// beside them (`_tiktok_ads_state.json`, `_tiktok_ads_runs.jsonl`, `_tiktok_ads_pacing.json`).
///
/// Every file is written whole to a temporary name in its directory, flushed and renamed into place (`AtomicFile`),
/// so a reader sees the old file or the new one, never part of one; rows are sorted by the table's key and columns
/// follow the catalog, so the same rows give the same bytes. A report page is merged into its partitions (rows with
/// the same key replaced), so a page may hold part of a day, or several days.
///
/// The load scope is `.page`: a commit is a few renames, and each page goes straight into its partitions, so memory
/// holds one page and one partition (one advertiser-day, or one advertiser's entity listing when it is complete),
/// never the run; `.run` would hold every row until the end. An entity listing's pages are kept (one advertiser's
/// listing at most, the size of the file it becomes) and published (sorted, renamed over the old file) only with the
/// page that carries the listing's checkpoint: a run that fails halfway leaves the previous complete file, never a
/// truncated one.
public final class FilesDestination: Destination {
    /// The directory, absolute.
    public let directory: String
    public let format: FileFormat
    public var displayName: String { Self.displayName(directory: directory) }
    public var loadScope: LoadScope { .page }

    /// How a directory is named in messages and locks.
    public static func displayName(directory: String) -> String { "files:\(directory)" }

    /// Runs every file operation in order, off the cooperative thread pool (fsync blocks).
    private let queue = DispatchQueue(label: "FilesDestination")
    /// Touched only on `queue`.
    let session = Protected(Session())

    struct Session {
        var claimed = false
        /// Entity listings in progress: table and advertiser → the rows of its pages so far (cells).
        var staging: [String: [[String?]]] = [:]
    }

    /// Opens `directory` (nothing is created until the first write). Throws `.badInput` when tiktok-ads wrote it in
    /// the other format.
    public init(directory: String, format: FileFormat) throws {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.format = format
        try checkMarker()
    }

    public func close() async {}

    // MARK: Layout

    var data: FileCodec { FileCodec(format) }

    static func isBookkeeping(_ table: String) -> Bool { table.hasPrefix("_") }

    func codec(_ table: String) -> FileCodec {
        guard Self.isBookkeeping(table) else { return data }
        return table == RunHistory.schema.name ? .jsonl : .jsonArray
    }

    /// A bookkeeping table's file, or a data table's directory.
    func path(of table: String) -> String {
        guard Self.isBookkeeping(table) else { return directory + "/" + table }
        return directory + "/" + table + (table == RunHistory.schema.name ? ".jsonl" : ".json")
    }

    /// The files holding a table's rows, sorted (hidden temporary and staging files left out).
    func files(of table: String) throws -> [String] {
        let root = path(of: table)
        guard !Self.isBookkeeping(table) else { return FileManager.default.fileExists(atPath: root) ? [root] : [] }
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        return walk.compactMap { $0 as? String }
            .filter { !($0 as NSString).lastPathComponent.hasPrefix(".") && $0.hasSuffix("." + format.rawValue) }
            .sorted().map { root + "/" + $0 }
    }

    func read(_ file: String, _ codec: FileCodec) throws -> FileCodec.Table? {
        try AtomicFile.read(file).map { try codec.decode($0, file: file) }
    }

    /// A file's column names, from its first line (its header, or its first object) where it has one per line.
    func header(of file: String, _ codec: FileCodec) throws -> [String]? {
        guard codec != .jsonArray else { return try read(file, codec)?.columns }
        return try AtomicFile.firstLine(file).map { try codec.decode($0, file: file).columns }
    }

    /// A value as a path component: refused when it could leave its directory or hide a file.
    static func component(_ value: Value, _ column: String, of table: String) throws -> String {
        guard let text = value.text, !text.isEmpty, !text.hasPrefix("."), !text.contains("/"), !text.contains("\0") else {
            throw SyncError(.destination, "A row of \(table) has \(column) \(value.text.map { "'\($0)'" } ?? "NULL"), which cannot name a file.")
        }
        return text
    }

    // MARK: Schema

    /// Files declare no types (a CSV header is names), so only names are compared: duplicates and the key columns.
    /// Columns follow the schema in the files written; a column that is new (or no longer selected) changes the header
    /// of the partitions written from then on, and older partitions keep theirs (`inspectTables` reports only the
    /// columns every file has, so a new column is always "added", which costs nothing).
    public var schemaRules: SchemaRules {
        let directory = directory
        return SchemaRules(
            typeName: { _ in nil }, accepts: { _, _ in true }, keyRule: .columns, canAddColumns: true, caseInsensitiveNames: false,
            destination: displayName, tableLabel: { "table \($0) (\(directory)/\($0))" },
            tableFix: { "Move \(directory)/\($0) out of the way (or delete it), and the next sync writes it afresh (--start-date refills past days); or pass another --directory." })
    }

    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        try await queue.perform { [self] in
            var found: [String: FoundTable] = [:]
            for name in names where found[name] == nil {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path(of: name), isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue == Self.isBookkeeping(name) {
                    found[name] = FoundTable(name: name, columns: [], kind: isDirectory.boolValue ? "directory" : "file")
                    continue
                }
                // The columns every file has, in the first file's order (a name twice in a header counts twice).
                var common: [String]?
                for file in try files(of: name) {
                    guard let header = try header(of: file, codec(name)), !header.isEmpty else { continue }
                    common = common.map { seen in seen.filter(header.contains) } ?? header
                }
                found[name] = FoundTable(name: name, columns: (common ?? []).map { FoundColumn(name: $0, type: nil) }, isEmpty: common == nil)
            }
            return found
        }
    }

    /// Creates each data table's directory (added columns need nothing: partitions get them when next written), after
    /// removing temporary files a killed run left (`claimOnce`). Only a sync calls this, holding the directory's lock.
    public func applySchema(_ plans: [TablePlan]) async throws {
        try await queue.perform { [self] in
            try claimOnce()
            for plan in plans where !Self.isBookkeeping(plan.schema.name) { try AtomicFile.makeDirectory(path(of: plan.schema.name)) }
        }
    }

    // MARK: Reading and deleting

    public func rows(of schema: TableSchema) async throws -> [[Value]] {
        try await queue.perform { [self] in
            let codec = codec(schema.name)
            var result: [[Value]] = []
            for file in try files(of: schema.name) {
                guard let table = try read(file, codec) else { continue }
                for row in table.rows(in: schema.columnNames) {
                    result.append(zip(row, schema.fields).map { codec.value($0, as: $1.type) })
                }
            }
            return result
        }
    }

    /// `.before(date)` removes the partition files of earlier days; `.matching` rewrites the files that hold a match.
    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        try await queue.perform { [self] in
            let codec = codec(schema.name)
            var deleted = 0
            for file in try files(of: schema.name) {
                switch filter {
                case .before(let cutoff):
                    let day = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                    guard schema.timeField != nil, !Self.isBookkeeping(schema.name), let date = LocalDate(day), date < cutoff else { continue }
                    try claimOnce()
                    deleted += try read(file, codec)?.rows.count ?? 0
                    try AtomicFile.remove(file)
                case .matching, .superseded:
                    guard var table = try read(file, codec) else { continue }
                    let positions = Dictionary(table.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                    let kept = table.rows.filter { row in
                        !filter.matches { column in codec.value(positions[column].flatMap { row[$0] }, as: .string).text }
                    }
                    guard kept.count < table.rows.count else { continue }
                    try claimOnce()
                    deleted += table.rows.count - kept.count
                    table.rows = kept
                    try AtomicFile.write(codec.encode(table), to: file)
                }
            }
            return deleted
        }
    }

    // MARK: Loading

    public func begin() -> any LoadTransaction { BufferedLoad { try await self.commit($0) } }

    /// Writes one load: data first (report pages merged into partitions, entity pages kept, and published when the
    /// load carries its listing's checkpoint), then the checkpoints (bookkeeping rows, upserted into their files).
    func commit(_ batches: [RowBatch]) async throws {
        try await queue.perform { [self] in
            try claimOnce()
            let finished = Set(batches.filter { $0.schema.name == StateStore.schema.name }.flatMap { $0.rows.compactMap { $0.first?.text } })
            for batch in batches {
                let schema = batch.schema
                if Self.isBookkeeping(schema.name) {
                    try upsert(batch.rows.map { $0.map(codec(schema.name).cell) }, into: path(of: schema.name), schema: schema)
                    continue
                }
                // Rows of one advertiser: its own column (always there in report tables), else the stream's.
                let column = schema.index(of: "advertiser_id")
                var groups: [String: (advertiser: String, rows: [[String?]])] = [:]
                for row in batch.rows {
                    let owner = column.map { row[$0] } ?? batch.stream.map { .string($0.advertiserID) } ?? .null
                    let advertiser = try Self.component(owner, "advertiser_id", of: schema.name)
                    var file = path(of: schema.name) + "/" + advertiser
                    if let time = schema.timeField.flatMap(schema.index(of:)) {
                        guard let day = row[time].text.flatMap({ LocalDate($0.prefix(10)) }) else {
                            throw SyncError(.destination, "A row of \(schema.name) has \(schema.timeField ?? "") \(row[time].text ?? "NULL"), not a date.")
                        }
                        file += "/\(day).\(format.rawValue)"
                    }
                    groups[file, default: (advertiser, [])].rows.append(row.map(data.cell))
                }
                for (file, group) in groups.sorted(by: { $0.key < $1.key }) {
                    if schema.timeField != nil {
                        try AtomicFile.makeDirectory(URL(fileURLWithPath: file).deletingLastPathComponent().path)
                        try upsert(group.rows, into: file, schema: schema)
                    } else {
                        session.withLock { $0.staging[schema.name + "/" + group.advertiser, default: []] += group.rows }
                    }
                }
                if schema.timeField == nil, !finished.isEmpty {
                    let listed = Set(groups.values.map(\.advertiser)).union(batch.stream.map { [$0.advertiserID] } ?? finished)
                    for advertiser in listed.sorted() { try publish(schema, advertiser: advertiser) }
                }
            }
        }
    }

    /// Replaces an advertiser's entity file with its listing (an empty one when nothing was listed).
    private func publish(_ schema: TableSchema, advertiser: String) throws {
        let id = try Self.component(.string(advertiser), "advertiser_id", of: schema.name)
        let rows = session.withLock { $0.staging.removeValue(forKey: schema.name + "/" + id) } ?? []
        try upsert(rows, into: path(of: schema.name) + "/" + id + "." + format.rawValue, schema: schema, replacing: true)
    }

    /// Merges rows (cells in `schema` order) into the file on the table's key and writes it back: a row with a key
    /// already there replaces that row (keeping its columns the schema no longer has), the others are added; rows
    /// sorted by key (the run history keeps its order). `replacing`: the file's rows are dropped first.
    private func upsert(_ rows: [[String?]], into file: String, schema: TableSchema, replacing: Bool = false) throws {
        let codec = codec(schema.name)
        let existing = replacing ? nil : try read(file, codec)
        let names = schema.columnNames
        let columns = names + (existing?.columns.filter { !names.contains($0) } ?? [])
        let key = schema.key.compactMap(schema.index(of:))
        var merged = KeyedRows<String?>(key: key)
        for row in existing?.rows(in: columns) ?? [] { merged.upsert(row) }
        for row in rows {
            merged.upsert(row + [String?](repeating: nil, count: columns.count - names.count)) { old, new in
                Array(new[..<names.count] + old[names.count...])
            }
        }
        var table = FileCodec.Table(columns: columns, rows: merged.rows)
        if schema.name != RunHistory.schema.name {
            table.rows.sort { left, right in
                for index in key where left[index] != right[index] { return (left[index] ?? "") < (right[index] ?? "") }
                return false
            }
        }
        try AtomicFile.write(codec.encode(table), to: file)
    }
}
