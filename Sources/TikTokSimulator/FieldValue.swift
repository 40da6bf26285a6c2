/// A value of an entity field, written as its real API JSON type.
enum FieldValue {
    case string(String)
    case id(UInt64)
    case int(Int64)
    /// A decimal number with two fraction digits (money in hundredths).
    case money(Int64)
    case bool(Bool)
    case strings([String])
    case null

    func write(to w: inout JSONWriter) {
        switch self {
        case .string(let s): w.string(s)
        case .id(let v): w.byte(34); w.uint(v); w.byte(34)
        case .int(let v): w.int(v)
        case .money(let v): w.fixed(v, decimals: 2)
        case .bool(let b): w.bool(b)
        case .strings(let list):
            w.byte(91)
            for (i, s) in list.enumerated() {
                if i > 0 { w.byte(44) }
                w.string(s)
            }
            w.byte(93)
        case .null: w.null()
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
