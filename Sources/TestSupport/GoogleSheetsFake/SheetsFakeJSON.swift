import Foundation
import SyncKit

/// A JSON value as the Sheets fake reads and writes it: numbers are doubles (as Google stores them), objects keep key order.
package indirect enum SheetsFakeJSON: Sendable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([SheetsFakeJSON])
    case object([(String, SheetsFakeJSON)])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([SheetsFakeJSON].self) {
            self = .array(a)
        } else {
            let o = try container.decode([String: SheetsFakeJSON].self)
            self = .object(o.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }

    /// Parses a request body; an empty body is an empty object.
    package static func parse(_ bytes: [UInt8]) throws -> SheetsFakeJSON {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object([]) }
        return try JSONDecoder().decode(SheetsFakeJSON.self, from: Data(bytes))
    }

    package subscript(key: String) -> SheetsFakeJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// An integer given as a JSON number or (as proto3 JSON allows for int64) a string.
    package var intValue: Int? {
        switch self {
        case .number(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        case .string(let s): return Int(s)
        default: return nil
        }
    }

    package var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    package var arrayValue: [SheetsFakeJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    package var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// Compact JSON text, written by SyncKit's `JSONValue` (numbers in this fake's form).
    package var text: String { jsonValue.jsonText }

    private var jsonValue: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let d): .number(Self.format(d))
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(\.jsonValue))
        case .object(let pairs): .object(pairs.map { ($0.0, $0.1.jsonValue) })
        }
    }

    /// Integers without a fraction, other numbers in Swift's shortest round-trip form.
    package static func format(_ d: Double) -> String {
        if !d.isFinite { return "0" }
        if d.rounded() == d && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}
