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
