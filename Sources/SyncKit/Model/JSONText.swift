/// JSON string literals, shared by everything that writes JSON by hand (API values, NDJSON load files).
public enum JSONText {
    /// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }
}

extension JSONText {
    /// How a decimal (money) goes into JSON: a string of the API's exact digits, or a number with those same digits.
    public enum DecimalStyle: Sendable {
        case string, number
    }

    /// Appends a typed value as JSON, as every JSON writer of rows needs it (load files, data files, protocol
    /// messages): ids, text and dates as strings, counts as integers, rates as numbers (one that is not finite as
    /// null), booleans, JSON columns as the JSON itself (empty: null), NULL as null; decimals as `decimals` says (a
    /// `.number` that is not a plain decimal literal stays a string, so no digit is lost).
    public static func appendValue(_ value: Value, decimals: DecimalStyle, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .string(let text), .date(let text), .datetime(let text): appendQuoted(text, to: &out)
        case .integer(let number): out += String(number)
        case .decimal(let text):
            if decimals == .number, let number = number(text) { out += number } else { appendQuoted(text, to: &out) }
        case .float(let number): out += number.isFinite ? String(number) : "null"
        case .boolean(let flag): out += flag ? "true" : "false"
        case .json(let text): out += text.isEmpty ? "null" : text
        }
    }

    /// A typed value as JSON text (`appendValue`).
    public static func value(_ value: Value, decimals: DecimalStyle) -> String {
        var out = ""
        appendValue(value, decimals: decimals, to: &out)
        return out
    }

    /// A decimal's text as a JSON number with the same value and digits (`.5` → `0.5`, `5.` → `5`, `007` → `7`);
    /// nil when it is not a plain decimal literal.
    public static func number(_ text: String) -> String? {
        var rest = Substring(text)
        var sign = ""
        if rest.first == "-" || rest.first == "+" {
            if rest.first == "-" { sign = "-" }
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = whole.drop { $0 == "0" }
        return sign + (digits.isEmpty ? "0" : String(digits)) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
