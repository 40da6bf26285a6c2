import Foundation
import SyncKit

/// Lenient conversion of API values to typed cells: metrics arrive as strings (sometimes numbers),
/// placeholders (`"-"`, `"<5"`, empty, null) become NULL, never 0.
public enum ValueConversion {
    public static func value(_ json: JSONValue?, as type: FieldType) -> Value {
        guard let json else { return .null }
        switch json {
        case .null: return .null
        case .array, .object:
            return type == .json || type == .string ? .json(json.jsonText) : .null
        default: break
        }
        switch type {
        case .string:
            switch json {
            case .string(let s): return .string(s)
            case .number(let n): return .string(n)
            case .bool(let b): return .string(b ? "true" : "false")
            default: return .null
            }
        case .integer:
            guard let text = scalarText(json), !isPlaceholder(text) else { return .null }
            if let i = Int64(text) { return .integer(i) }
            if let d = Double(text), d.isFinite, abs(d) < 9.2e18 { return .integer(Int64(d.rounded())) }
            return .null
        case .decimal:
            guard let text = scalarText(json), !isPlaceholder(text) else { return .null }
            return canonicalDecimal(text).map(Value.decimal) ?? .null
        case .float:
            guard let text = scalarText(json), !isPlaceholder(text) else { return .null }
            let trimmed = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let d = Double(trimmed), d.isFinite else { return .null }
            return .float(d)
        case .boolean:
            switch json {
            case .bool(let b): return .boolean(b)
            case .number(let n): return n == "0" ? .boolean(false) : .boolean(true)
            case .string(let s):
                switch s.lowercased() {
                case "true", "1", "yes": return .boolean(true)
                case "false", "0", "no": return .boolean(false)
                default: return .null
                }
            default: return .null
            }
        case .date:
            // A real `YYYY-MM-DD` (a time after it ignored) is its own description: keep its first ten bytes.
            guard let text = scalarText(json), LocalDate(text) != nil else { return .null }
            return .date(String(decoding: text.utf8.prefix(10), as: UTF8.self))
        case .datetime:
            guard let text = scalarText(json), !isPlaceholder(text) else { return .null }
            if text.utf8.count >= 19, LocalDate(text) != nil { return .datetime(String(text.prefix(19))) }
            if text.utf8.count == 10, LocalDate(text) != nil { return .datetime(text + " 00:00:00") }
            if let epoch = Int64(text) { return .datetime(formatUTC(epochSeconds: epoch)) }
            return .null
        case .json:
            switch json {
            case .string(let s):
                // Some fields carry JSON as text (e.g. audience `rule`); keep valid JSON as is, quote the rest.
                if let parsed = try? JSONParser.parse(s), parsed.arrayValue != nil || parsed.objectValue != nil { return .json(parsed.jsonText) }
                return .json(json.jsonText)
            default: return .json(json.jsonText)
            }
        }
    }

    static func scalarText(_ json: JSONValue) -> String? {
        switch json {
        case .string(let s):
            // Metrics rarely carry spaces; trim only when they do (Foundation's trimming is costly per cell).
            s.utf8.first == 0x20 || s.utf8.last == 0x20 ? s.trimmingCharacters(in: .whitespaces) : s
        case .number(let n): n
        case .bool(let b): b ? "1" : "0"
        default: nil
        }
    }

    /// Values TikTok uses for "no value": `-`, `<5` (too few to show), `N/A`, empty.
    static func isPlaceholder(_ text: String) -> Bool {
        // Checked for every metric cell: most start with a digit, which no placeholder does.
        switch text.utf8.first {
        case nil: true
        case UInt8(ascii: "-"): text == "-" || text == "--"
        case UInt8(ascii: "<"): true
        case UInt8(ascii: "N"): text == "N/A"
        case UInt8(ascii: "n"): text == "null"
        default: false
        }
    }

    /// A plain decimal literal (`-12.30`, `5`, `1e3` becomes `1000`), or nil when it is not a number.
    static func canonicalDecimal(_ text: String) -> String? {
        let utf8 = text.utf8
        var sawDigit = false
        var sawDot = false
        var plain = true
        for (i, c) in utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."): if sawDot { return nil } else { sawDot = true }
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if i != 0 { plain = false }
            default: plain = false
            }
        }
        if plain, sawDigit { return text.hasPrefix("+") ? String(text.dropFirst()) : text }
        guard let d = Double(text), d.isFinite else { return nil }
        return String(format: "%.6f", d).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }

    static func formatUTC(epochSeconds: Int64) -> String {
        let days = Int((Double(epochSeconds) / 86_400).rounded(.down))
        let secondsOfDay = Int(epochSeconds) - days * 86_400
        let date = LocalDate(dayNumber: days)
        return date.description + String(format: " %02d:%02d:%02d", secondsOfDay / 3600, secondsOfDay % 3600 / 60, secondsOfDay % 60)
    }
}
