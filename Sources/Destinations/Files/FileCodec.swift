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
    }

    init(_ format: FileFormat) { self = format == .csv ? .csv : .jsonl }

    /// The cell a value is written as.
    func cell(_ value: Value) -> String? {
        guard self != .csv else { return value.text }
        switch value {
        case .null: return nil
        case .integer(let i): return String(i)
        case .float(let d): return d.isFinite ? String(d) : JSONText.quoted(String(d))
        case .boolean(let b): return b ? "true" : "false"
        case .json(let s): return s
        case .string(let s), .decimal(let s), .date(let s), .datetime(let s): return JSONText.quoted(s)
        }
    }

    /// The value a cell holds, read as `type`.
    func value(_ cell: String?, as type: FieldType) -> Value {
        guard let cell else { return .null }
        guard self != .csv else { return Value(text: cell, as: type) }
        if cell.hasPrefix("\""), let text = JSONScanner.unquote(Array(cell.utf8)) { return Value(text: text, as: type) }
        return type == .json ? .json(cell) : Value(text: cell, as: type)
    }

    /// The whole file.
    func encode(_ table: Table) -> String {
        switch self {
        case .csv: return Self.csvLine(table.columns) + encodeRows(table.rows, columns: table.columns)
        case .jsonl: return encodeRows(table.rows, columns: table.columns)
        case .jsonArray:
            let lines = table.rows.map { Self.jsonObject($0, columns: table.columns) }
            return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
        }
    }

    /// Rows without a header, as appended to a staging file.
    func encodeRows(_ rows: [[String?]], columns: [String]) -> String {
        var out = ""
        for row in rows {
            out += self == .csv ? Self.csvLine(row) : Self.jsonObject(row, columns: columns) + "\n"
        }
        return out
    }

    static func csvLine(_ cells: [String?]) -> String {
        cells.map { cell -> String in
            guard let cell else { return "" }
            guard cell.isEmpty || cell.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }

    static func jsonObject(_ cells: [String?], columns: [String]) -> String {
        "{" + zip(columns, cells).map { JSONText.quoted($0) + ":" + ($1 ?? "null") }.joined(separator: ",") + "}"
    }

    /// Reads a file this codec wrote; `file` names it in errors.
    func decode(_ text: String, file: String) throws -> Table {
        if self == .csv {
            let records = try Self.csvRecords(text, file: file)
            guard let header = records.first else { return Table(columns: [], rows: []) }
            let columns = header.map { $0 ?? "" }
            for (number, record) in records.enumerated() where record.count != columns.count {
                throw SyncError(.destination, "\(file), record \(number + 1): \(record.count) fields where the header has \(columns.count). It was not written by tiktok-ads (or was edited); move it away and sync its days again.")
            }
            return Table(columns: columns, rows: Array(records.dropFirst()))
        }
        var scanner = JSONScanner(text)
        let objects: [[(String, String?)]]
        do { objects = try scanner.objects() } catch {
            throw SyncError(.destination, "\(file) is not JSON as tiktok-ads writes it (at byte \(scanner.index)). Move it away and sync its days again.")
        }
        var columns: [String] = []
        var position: [String: Int] = [:]
        for object in objects {
            for (key, _) in object where position[key] == nil {
                position[key] = columns.count
                columns.append(key)
            }
        }
        let rows = objects.map { object -> [String?] in
            var row = [String?](repeating: nil, count: columns.count)
            for (key, token) in object { row[position[key]!] = token }  // every key was given a position above
            return row
        }
        return Table(columns: columns, rows: rows)
    }

    /// RFC 4180 records; an unquoted empty field is nil (NULL), a quoted one "".
    static func csvRecords(_ text: String, file: String) throws -> [[String?]] {
        let bytes = Array(text.utf8)
        var records: [[String?]] = [], record: [String?] = [], field: [UInt8] = [], quoted = false
        func endField() {
            record.append(quoted || !field.isEmpty ? String(decoding: field, as: UTF8.self) : nil)
            field = []
            quoted = false
        }
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == 0x22, field.isEmpty, !quoted {
                quoted = true
                while true {
                    guard i < bytes.count else { throw SyncError(.destination, "\(file) ends inside a quoted CSV field. Move it away and sync its days again.") }
                    let next = bytes[i]
                    i += 1
                    if next == 0x22 {
                        guard i < bytes.count, bytes[i] == 0x22 else { break }
                        i += 1
                    }
                    field.append(next)
                }
            } else if byte == 0x2C {
                endField()
            } else if byte == 0x0D || byte == 0x0A {
                endField()
                records.append(record)
                record = []
                if byte == 0x0D, i < bytes.count, bytes[i] == 0x0A { i += 1 }
            } else {
                field.append(byte)
            }
        }
        if quoted || !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}

/// Reads the JSON this destination writes: objects (one per line, or in an array), each value kept as its token.
struct JSONScanner {
    private let bytes: [UInt8]
    private(set) var index = 0

    struct Malformed: Error {}

    init(_ text: String) { bytes = Array(text.utf8) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skip(_ set: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]) {
        while let byte = current, set.contains(byte) { index += 1 }
    }

    /// A JSON string token as text (nil when it is not one).
    static func unquote(_ token: some Collection<UInt8>) -> String? {
        guard token.contains(0x5C) else { return token.count >= 2 ? String(decoding: token.dropFirst().dropLast(), as: UTF8.self) : nil }
        return try? JSONDecoder().decode(String.self, from: Data(token))
    }

    /// Every object in order: its keys and value tokens (nil for `null`).
    mutating func objects() throws -> [[(String, String?)]] {
        var objects: [[(String, String?)]] = []
        while true {
            skip([0x20, 0x09, 0x0A, 0x0D, 0x5B, 0x5D, 0x2C])  // also an array's brackets and commas
            guard let first = current else { return objects }
            guard first == 0x7B else { throw Malformed() }
            index += 1
            var pairs: [(String, String?)] = []
            skip()
            if current == 0x7D { index += 1 }
            while bytes[index - 1] != 0x7D {
                skip()
                let keyStart = index
                guard current == 0x22 else { throw Malformed() }
                try skipValue()
                guard let key = Self.unquote(bytes[keyStart..<index]) else { throw Malformed() }
                skip()
                guard current == 0x3A else { throw Malformed() }
                index += 1
                skip()
                let start = index
                try skipValue()
                let token = String(decoding: bytes[start..<index], as: UTF8.self)
                pairs.append((key, token == "null" ? nil : token))
                skip()
                guard let next = current, next == 0x2C || next == 0x7D else { throw Malformed() }
                index += 1
            }
            objects.append(pairs)
        }
    }

    /// Moves past one value: a string, an object or array (brackets matched outside strings), or a literal.
    private mutating func skipValue() throws {
        let start = index
        var depth = 0
        while let byte = current {
            if byte == 0x22 {
                index += 1
                while let inside = current, inside != 0x22 { index += inside == 0x5C ? 2 : 1 }
                guard current != nil else { throw Malformed() }
                index += 1
            } else if byte == 0x7B || byte == 0x5B {
                depth += 1
                index += 1
            } else if byte == 0x7D || byte == 0x5D {
                guard depth > 0 else { break }
                depth -= 1
                index += 1
            } else if depth == 0, [0x2C, 0x3A, 0x20, 0x09, 0x0A, 0x0D].contains(byte) {
                break
            } else {
                index += 1
            }
            if depth == 0, bytes[start] == 0x22 || bytes[start] == 0x7B || bytes[start] == 0x5B { break }
        }
        guard index > start, depth == 0 else { throw Malformed() }
    }
}
