import Foundation
import SyncKit

/// A cell as `UNFORMATTED_VALUE` reads return it.
enum SheetsCell: Decodable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let d = try? container.decode(Double.self) { self = .number(d) }
        else { self = .string(try container.decode(String.self)) }
    }

    /// The text used to match keys and dates.
    var text: String {
        switch self {
        case .string(let s): s
        case .number(let d): SheetsA1.numberText(d)
        case .bool(let b): b ? "true" : "false"
        }
    }
}

/// `values.get` / one entry of `values:batchGet`.
struct SheetsValueRange: Decodable {
    var range: String?
    var values: [[SheetsCell]]?
}

struct SheetsBatchGet: Decodable {
    var valueRanges: [SheetsValueRange]?
}

struct SheetsSpreadsheet: Decodable {
    struct Sheet: Decodable { var properties: TabProperties }
    struct TabProperties: Decodable {
        struct Grid: Decodable {
            var rowCount: Int?
            var columnCount: Int?
            var frozenRowCount: Int?
        }
        var sheetId: Int
        var title: String
        var hidden: Bool?
        var gridProperties: Grid?
    }
    var sheets: [Sheet]?
}

struct SheetsBatchUpdateReply: Decodable {
    struct Reply: Decodable {
        struct AddSheet: Decodable { var properties: SheetsSpreadsheet.TabProperties }
        var addSheet: AddSheet?
    }
    var replies: [Reply]?
}

/// A1 notation and cell encoding.
enum SheetsA1 {
    /// `'name'`, with inner quotes doubled (always quoted, so names like `A1` stay names).
    static func quote(_ title: String) -> String { "'" + title.replacingOccurrences(of: "'", with: "''") + "'" }

    /// 0-based column index → `A`, `Z`, `AA`…
    static func column(_ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// `'tab'!B3:D7` for 0-based rows and columns (inclusive ranges given as half-open).
    static func range(_ title: String, rows: Range<Int>, columns: Range<Int>) -> String {
        "\(quote(title))!\(column(columns.lowerBound))\(rows.lowerBound + 1):\(column(columns.upperBound - 1))\(rows.upperBound)"
    }

    /// A whole column, e.g. `'tab'!C:C`.
    static func wholeColumn(_ title: String, _ index: Int) -> String { "\(quote(title))!\(column(index)):\(column(index))" }

    static func numberText(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// The JSON text of a value written `RAW`: numbers as JSON numbers, everything else (ids, dates, JSON) as text,
    /// NULL as "" (clears the cell). Integers beyond 2^53 and non-finite floats are written as text so they stay exact.
    static func appendJSON(_ value: Value, maxCharacters: Int, to out: inout String) {
        switch value {
        case .null: out += "\"\""
        case .integer(let i):
            if abs(i) <= 1 << 53 { out += String(i) } else { JSONText.appendQuoted(String(i), to: &out) }
        case .decimal(let s):
            if let d = Double(s), d.isFinite, s.filter(\.isNumber).count <= 15 { out += String(d) } else { JSONText.appendQuoted(s, to: &out) }
        case .float(let d):
            if d.isFinite { out += String(d) } else { JSONText.appendQuoted(String(d), to: &out) }
        case .boolean(let b): out += b ? "true" : "false"
        case .string(let s), .date(let s), .datetime(let s), .json(let s):
            JSONText.appendQuoted(truncated(s, maxCharacters: maxCharacters), to: &out)
        }
    }

    /// `s`, or its beginning followed by the truncation marker when longer than `maxCharacters` (UTF-16 units, the strictest count).
    static func truncated(_ s: String, maxCharacters: Int) -> String {
        guard s.utf16.count > maxCharacters else { return s }
        let marker = GoogleSheetsConfiguration.truncationMarker
        let budget = maxCharacters - marker.utf16.count
        var kept = ""
        var used = 0
        for character in s {
            let n = character.utf16.count
            if used + n > budget { break }
            kept.append(character)
            used += n
        }
        return kept + marker
    }

    /// The text a key or date value is matched on, the same for a value and for the cell it was written as.
    static func matchText(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .integer(let i): return abs(i) <= 1 << 53 ? numberText(Double(i)) : String(i)
        case .decimal(let s): return Double(s).map(numberText) ?? s
        case .float(let d): return numberText(d)
        default: return value.text ?? ""
        }
    }
}
