import Foundation

/// One stored cell value of the Sheets fake; an empty cell is `nil` in a grid.
package enum SheetsFakeCell: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    /// A formula entered with `USER_ENTERED` (text starting with `=`); stored with its `=`.
    case formula(String)

    package var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .number(let d): return SheetsFakeJSON.format(d)
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .formula(let f): return f
        }
    }

    /// The value as it would appear in a `values` array with `UNFORMATTED_VALUE`, formulas shown as text.
    package var json: SheetsFakeJSON {
        switch self {
        case .string(let s): return .string(s)
        case .number(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .formula(let f): return .string(f)
        }
    }

    /// The text Sheets would display with `FORMATTED_VALUE` (default number format).
    package var formatted: String {
        switch self {
        case .string(let s): return s
        case .number(let d): return SheetsFakeJSON.format(d)
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .formula(let f): return f
        }
    }

    /// Parses text as if typed into the Sheets UI (`USER_ENTERED`): a leading `'` forces text, `=` starts a formula,
    /// numbers and TRUE/FALSE become typed values. Dates and currencies are not recognised by the fake.
    package static func userEntered(_ text: String) -> SheetsFakeCell? {
        if text.isEmpty { return nil }
        if text.hasPrefix("'") { return .string(String(text.dropFirst())) }
        if text.hasPrefix("=") { return .formula(text) }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.uppercased() == "TRUE" { return .bool(true) }
        if trimmed.uppercased() == "FALSE" { return .bool(false) }
        let plain = trimmed.replacingOccurrences(of: ",", with: "")
        if !plain.isEmpty, plain.allSatisfy({ "0123456789.-+eE".contains($0) }), let d = Double(plain) {
            return .number(d)
        }
        if trimmed.hasSuffix("%"), let d = Double(trimmed.dropLast()) { return .number(d / 100) }
        return .string(text)
    }
}
