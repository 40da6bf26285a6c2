import Foundation
import SyncKit

/// A destination whose "tables" are a message stream (Singer, Airbyte): the sync engine writes into it exactly as into
/// a database, and it turns each committed page into RECORD messages and each committed checkpoint into a STATE
/// message written after them, so a state never reaches the reader before the records it covers.
///
/// It keeps no storage: the bookkeeping tables live in memory, the stream state and the learned pace start from the
/// state the protocol handed in (`ProtocolState`) and go back out in STATE messages; the run history (and any other
/// `_tiktok_ads_…` table) is kept for the run only and never emitted. Data rows are not kept (read back, a stream is
/// empty), and rows it emitted cannot be deleted (the reader owns them), so retention is the reader's.
public final class ProtocolDestination: Destination {
    public let displayName: String
    public var loadScope: LoadScope { .page }
    private let dialect: any ProtocolDialect
    private let output: ProtocolOutput
    /// Object name → stream name.
    private let streamNames: [String: String]
    private let book: Protected<Book>

    struct Book: Sendable {
        var state: ProtocolState
        /// Other bookkeeping tables (`_tiktok_ads_…`: the run history, …), for the run only: table → key → row.
        var kept: [String: [[Value]: [Value]]] = [:]
        var started: Set<String> = []
        var sinceState: [String: Int] = [:]
    }

    /// - Parameters:
    ///   - streamNames: each object's stream name (objects missing here use their own name).
    ///   - state: where the run starts (the protocol's state input).
    public init(displayName: String, dialect: any ProtocolDialect, output: ProtocolOutput, streamNames: [String: String],
                state: ProtocolState) {
        self.displayName = displayName
        self.dialect = dialect
        self.output = output
        self.streamNames = streamNames
        self.book = Protected(Book(state: state))
    }

    /// The state as committed so far (what the last STATE message said).
    public var state: ProtocolState { book.value.state }

    func streamName(_ object: String) -> String { streamNames[object] ?? object }

    /// Whether a table is the tool's bookkeeping (`_tiktok_ads_state`, `_runs`, `_pacing`, …), never a stream.
    static func isBookkeeping(_ table: String) -> Bool { table.hasPrefix("_tiktok_ads_") }

    public var schemaRules: SchemaRules {
        SchemaRules(typeName: { $0.rawValue }, accepts: { _, _ in true }, keyRule: .columns, canAddColumns: true,
                    caseInsensitiveNames: false, destination: displayName, tableLabel: { "stream \($0)" },
                    tableFix: { _ in "pass another state" })
    }

    /// The bookkeeping tables the handed-in state fills (so the learned pace is read back); data streams never exist
    /// before the run (each run declares them).
    public func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
        let state = book.value.state
        var found: [String: FoundTable] = [:]
        for schema in [StateStore.schema, PacingStore.schema] where names.contains(schema.name) {
            let filled = schema.name == StateStore.schema.name ? !state.streams.isEmpty : !state.pacing.isEmpty
            if filled {
                found[schema.name] = FoundTable(name: schema.name, columns: schema.fields.map { FoundColumn(name: $0.name, type: $0.type.rawValue) })
            }
        }
        return found
    }

    /// Declares each data stream (Singer: a SCHEMA message), before any record.
    public func applySchema(_ plans: [TablePlan]) async throws {
        output.emit(plans.filter { !Self.isBookkeeping($0.schema.name) }.flatMap { plan in
            dialect.declare(plan.schema, stream: plan.schema.name)
        })
    }

    public func begin() async throws -> any LoadTransaction {
        BufferedLoad { [self] batches in publish(batches) }
    }

    public func rows(of schema: TableSchema) async throws -> [[Value]] {
        let book = book.value
        switch schema.name {
        case StateStore.schema.name: return book.state.stateRows
        case PacingStore.schema.name: return book.state.pacingRows
        default: return (book.kept[schema.name] ?? [:]).values.sorted { "\($0)" < "\($1)" }
        }
    }

    /// A snapshot's earlier rows (`.superseded`) are left to the target, which tells them apart by their `synced_at`:
    /// the message stream has no delete. Any other deletion is refused.
    public func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int {
        if case .superseded = filter { return 0 }
        throw SyncError(.destination, "\(displayName) cannot delete rows of \(schema.name): they were emitted as messages, and the target that read them owns them. Apply retention in the target.")
    }

    public func close() async {}

    /// Turns one committed load into messages: the data rows as RECORDs (stream by stream), then the checkpoints:
    /// the stream state and the learned pace as STATE messages, the run history kept in memory.
    func publish(_ batches: [RowBatch]) {
        let now = Date()
        book.withLock { book in
            var lines: [String] = []
            var changed: Set<String> = []
            for batch in batches {
                switch batch.schema.name {
                case StateStore.schema.name:
                    changed.formUnion(book.state.applyStateRows(batch.rows))
                case PacingStore.schema.name:
                    if book.state.applyPacingRows(batch.rows) { changed.insert("") }
                case let table where Self.isBookkeeping(table):
                    let key = batch.schema.key.compactMap(batch.schema.index(of:))
                    for row in batch.rows { book.kept[table, default: [:]][key.map { $0 < row.count ? row[$0] : .null }] = row }
                default:
                    guard !batch.rows.isEmpty else { continue }
                    let stream = batch.schema.name
                    if book.started.insert(stream).inserted { lines += dialect.beforeFirstRecord(of: stream, at: now) }
                    for row in batch.rows { lines.append(dialect.record(row, of: batch.schema, stream: stream, at: now)) }
                    book.sinceState[stream, default: 0] += batch.rows.count
                }
            }
            if !changed.isEmpty {
                let objects = changed.filter { !$0.isEmpty }.sorted()
                let records = book.sinceState
                lines += dialect.state(book.state, changed: objects, streamName: streamName, records: records)
                for object in objects { book.sinceState[streamName(object)] = 0 }
            }
            output.emit(lines)
        }
    }
}
