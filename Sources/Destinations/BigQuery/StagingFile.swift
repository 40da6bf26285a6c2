import Foundation
import SyncKit

/// One table's rows of the current run, as newline-delimited JSON on local disk, with the date range they
/// cover and the checkpoints that wait for them to be merged.
struct StagingFile {
    let path: String
    let schema: TableSchema
    private let handle: FileHandle
    private(set) var rows = 0
    private(set) var bytes = 0
    private(set) var earliest: String?
    private(set) var latest: String?
    /// The latest checkpoint per stream; written to the state table only after the MERGE.
    var checkpoints: [StreamKey: StreamState] = [:]

    init(directory: String, schema: TableSchema) throws {
        path = "\(directory)/\(schema.name).ndjson"
        self.schema = schema
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SyncError(.destination, "Cannot create the staging file \(path). Check that the temporary directory is writable and has space.")
        }
        self.handle = handle
    }

    /// Appends rows as JSON lines (each with its sequence number) and widens the date range.
    mutating func append(_ batch: RowBatch) throws {
        guard !batch.isEmpty else { return }
        let names = batch.schema.fields.map { Self.quoted($0.name) }
        let timeIndex = schema.timeField.flatMap { batch.schema.index(of: $0) }
        var text = ""
        text.reserveCapacity(batch.rows.count * 256)
        for row in batch.rows {
            rows += 1
            text += "{"
            for (i, value) in row.enumerated() where !value.isNull {
                text += names[i]
                text += ":"
                // NUMERIC as a string (exact), JSON columns as the raw JSON.
                JSONText.appendValue(value, decimals: .string, to: &text)
                text += ","
            }
            text += "\"\(BigQuerySQL.sequenceColumn)\":\(rows)}\n"
            if let timeIndex, let time = row[timeIndex].text {
                if earliest.map({ time < $0 }) ?? true { earliest = time }
                if latest.map({ time > $0 }) ?? true { latest = time }
            }
        }
        let data = Data(text.utf8)
        try handle.write(contentsOf: data)
        bytes += data.count
    }

    func close() {
        try? handle.close()
    }

    func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String { JSONText.quoted(s) }
}
