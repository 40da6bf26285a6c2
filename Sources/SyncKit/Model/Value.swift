/// One typed cell of a row.
public enum Value: Sendable, Hashable {
    case null
    case string(String)
    case integer(Int64)
    /// An exact decimal number kept as canonical text, e.g. `"20.00"`.
    case decimal(String)
    case float(Double)
    case boolean(Bool)
    /// `YYYY-MM-DD`.
    case date(String)
    /// `YYYY-MM-DD HH:MM:SS`.
    case datetime(String)
    /// Compact JSON text of an array or object.
    case json(String)

    /// The value as text, as a CSV file or a sheet would show it; nil for NULL.
    public var text: String? {
        switch self {
        case .null: nil
        case .string(let s), .decimal(let s), .date(let s), .datetime(let s), .json(let s): s
        case .integer(let i): String(i)
        case .float(let d): String(d)
        case .boolean(let b): b ? "true" : "false"
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension Value {
    /// A value of `type` read back from its text (as a destination stores or returns it); nil text is NULL.
    public init(text: String?, as type: FieldType) {
        guard let text else {
            self = .null
            return
        }
        switch type {
        case .string: self = .string(text)
        case .integer: self = Int64(text).map(Value.integer) ?? Double(text).flatMap { Int64(exactly: $0) }.map(Value.integer) ?? .string(text)
        case .decimal: self = .decimal(text)
        case .float: self = Double(text).map(Value.float) ?? .string(text)
        case .boolean: self = .boolean(text == "true" || text == "1" || text == "TRUE")
        case .date: self = .date(String(text.prefix(10)))
        case .datetime: self = .datetime(Value.canonicalDateTime(text))
        case .json: self = .json(text)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` from that form, from ISO 8601 (`…T…Z`, as older versions wrote), or with an
    /// explicit UTC offset (`+00`, `+00:00`: how PostgreSQL prints a timestamptz in the UTC sessions tiktok-ads opens).
    static func canonicalDateTime(_ text: String) -> String {
        var characters = Array(text)
        if characters.count >= 19, characters[10] == "T" { characters[10] = " " }
        if characters.last == "Z" {
            characters.removeLast()
        } else if let offset = ["+00:00", "+00"].first(where: { characters.count >= 19 + $0.count && characters.suffix($0.count) == Array($0) }) {
            characters.removeLast(offset.count)
        }
        return String(characters)
    }
}
