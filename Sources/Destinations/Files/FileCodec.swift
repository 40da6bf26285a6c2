import Foundation
import SyncKit

/// The format of the data files a `FilesDestination` writes.
public enum FileFormat: String, Sendable, CaseIterable, Decodable {
    /// RFC 4180: a header row of column names, CRLF line ends, fields with a comma, quote or line break quoted (quotes
    /// doubled, line breaks kept), NULL an empty field, an empty text `""`.
    case csv
    /// JSON Lines: one object per line with every column; ids, dates and money as strings, counts as integers, rates as
    /// numbers, booleans, JSON columns as JSON, NULL as `null`.
    case jsonl

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let format = FileFormat(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text.prefix(40))' is not a file format; use csv or jsonl"))
        }
        self = format
    }
}

/// How one file's rows are written and read back. Cells are kept as they are written (CSV text, JSON tokens; nil is
/// NULL), so a partition read back and written again is the same bytes.
enum FileCodec: Sendable, Equatable {
    case csv, jsonl
    /// A JSON array with one object per line (the state and pace files).
    case jsonArray

    /// The rows of one file: column names and cells in their order.
    struct Table: Sendable {
        var columns: [String]
        var rows: [[String?]]

        /// The rows with the cells of `names` in that order (nil where the file has no such column).
        func rows(in names: [String]) -> [[String?]] {
            let from = names.map { columns.firstIndex(of: $0) }
            return rows.map { row in from.map { $0.flatMap { row[$0] } } }
        }
    }

    init(_ format: FileFormat) { self = format == .csv ? .csv : .jsonl }

    /// The cell a value is written as: its text in CSV, its JSON token otherwise (money as strings: README).
    func cell(_ value: Value) -> String? {
        guard !value.isNull else { return nil }
        return self == .csv ? value.text : JSONText.value(value, decimals: .string)
    }

    /// The value a cell holds, read as `type`.
    func value(_ cell: String?, as type: FieldType) -> Value {
        guard let cell else { return .null }
        guard self != .csv else { return Value(text: cell, as: type) }
        if cell.hasPrefix("\""), case .string(let text)? = try? JSONParser.parse(cell) { return Value(text: text, as: type) }
        return type == .json ? .json(cell) : Value(text: cell, as: type)
    }

    /// The whole file.
    func encode(_ table: Table) -> String {
        let lines = table.rows.map { self == .csv ? CSV.line($0) : Self.jsonObject($0, columns: table.columns) }
        switch self {
        case .csv: return CSV.line(table.columns) + lines.joined()
        case .jsonl: return lines.map { $0 + "\n" }.joined()
        case .jsonArray: return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
        }
    }

    static func jsonObject(_ cells: [String?], columns: [String]) -> String {
        "{" + zip(columns, cells).map { JSONText.quoted($0) + ":" + ($1 ?? "null") }.joined(separator: ",") + "}"
    }

    /// Reads a file this codec wrote; `file` names it in errors.
    func decode(_ text: String, file: String) throws -> Table {
        func unreadable(_ problem: String) -> SyncError {
            SyncError(.destination, "\(file) \(problem). It was not written by tiktok-ads (or was edited); move it away and sync its days again.")
        }
        if self == .csv {
            guard let records = CSV.records(text) else { throw unreadable("ends inside a quoted CSV field") }
            guard let header = records.first else { return Table(columns: [], rows: []) }
            let columns = header.map { $0 ?? "" }
            for (number, record) in records.enumerated() where record.count != columns.count {
                throw unreadable("has \(record.count) fields in record \(number + 1) where the header has \(columns.count)")
            }
            return Table(columns: columns, rows: Array(records.dropFirst()))
        }
        // JSON Lines read as one array of its lines.
        let document = self == .jsonArray ? text : "[" + text.split(separator: "\n").joined(separator: ",") + "]"
        let values = (try? JSONParser.parse(document))?.arrayValue ?? [.null]
        let objects = values.compactMap(\.objectValue)
        guard objects.count == values.count else { throw unreadable("is not JSON as tiktok-ads writes it") }
        // Columns in the order their keys first appear; a key an object lacks is NULL.
        var position: [String: Int] = [:]
        for (key, _) in objects.joined() where position[key] == nil { position[key] = position.count }
        let rows = objects.map { object in
            var row = [String?](repeating: nil, count: position.count)
            for (key, value) in object { row[position[key]!] = value == .null ? nil : value.jsonText }  // each key has one
            return row
        }
        return Table(columns: position.sorted { $0.value < $1.value }.map(\.key), rows: rows)
    }
}
