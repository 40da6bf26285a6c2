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
        if cell.hasPrefix("\"") {
            var scanner = JSONScanner(cell)
            if let text = try? scanner.string() { return Value(text: text, as: type) }
        }
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

/// Reads the JSON this destination writes: objects (alone on their lines, or in an array), keeping each value's
/// token as written.
struct JSONScanner {
    private let bytes: [UInt8]
    private(set) var index = 0

    struct Malformed: Error {}

    init(_ text: String) { bytes = Array(text.utf8) }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw Malformed() }
        index += 1
    }

    /// Every object, in order: its keys and value tokens (nil for `null`).
    mutating func objects() throws -> [[(String, String?)]] {
        var objects: [[(String, String?)]] = []
        skipSpace()
        let isArray = index < bytes.count && bytes[index] == 0x5B
        if isArray { index += 1 }
        while true {
            skipSpace()
            guard index < bytes.count else { break }
            if isArray, bytes[index] == 0x5D || bytes[index] == 0x2C {
                index += 1
                continue
            }
            objects.append(try object())
        }
        return objects
    }

    private mutating func object() throws -> [(String, String?)] {
        try expect(0x7B)
        var pairs: [(String, String?)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return pairs
        }
        while true {
            skipSpace()
            let key = try string()
            try expect(0x3A)
            skipSpace()
            let start = index
            try skipValue()
            let token = String(decoding: bytes[start..<index], as: UTF8.self)
            pairs.append((key, token == "null" ? nil : token))
            skipSpace()
            guard index < bytes.count else { throw Malformed() }
            index += 1
            if bytes[index - 1] == 0x7D { return pairs }
            guard bytes[index - 1] == 0x2C else { throw Malformed() }
        }
    }

    private mutating func skipValue() throws {
        guard index < bytes.count else { throw Malformed() }
        switch bytes[index] {
        case 0x22:
            _ = try string()
        case 0x7B, 0x5B:
            var depth = 0
            repeat {
                guard index < bytes.count else { throw Malformed() }
                switch bytes[index] {
                case 0x22: _ = try string(); continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D: depth -= 1
                default: break
                }
                index += 1
            } while depth > 0
        default:
            let start = index
            while index < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            guard index > start else { throw Malformed() }
        }
    }

    /// A string literal at the current position, unescaped.
    mutating func string() throws -> String {
        try expect(0x22)
        var out: [UInt8] = []
        var pendingHigh: UInt32?
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x22 { return String(decoding: out, as: UTF8.self) }
            guard byte == 0x5C else {
                out.append(byte)
                continue
            }
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x75:
                guard index + 4 <= bytes.count, let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else { throw Malformed() }
                index += 4
                if (0xD800..<0xDC00).contains(unit) {
                    pendingHigh = unit
                    continue
                }
                let scalarValue = pendingHigh.map { 0x10000 + (($0 - 0xD800) << 10) + (unit - 0xDC00) } ?? unit
                pendingHigh = nil
                out.append(contentsOf: Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(escape)  // \" \\ \/
            }
        }
        throw Malformed()
    }
}
