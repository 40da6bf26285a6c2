import Foundation
import SyncKit

/// JSON text as both protocols carry it: rows as objects with exact values, and a column's JSON Schema.
public enum ProtocolJSON {
    /// A row as a JSON object in the schema's column order: ids and text as strings, counts as integers, money as a
    /// JSON number written with the exact digits TikTok sent (never through a double), rates as numbers, dates as
    /// `YYYY-MM-DD`, date-times as `YYYY-MM-DDTHH:MM:SS`, JSON fields as the JSON value itself.
    public static func object(_ row: [Value], schema: TableSchema) -> String {
        var out = "{"
        for (index, field) in schema.fields.enumerated() {
            if index > 0 { out += "," }
            JSONText.appendQuoted(field.name, to: &out)
            out += ":"
            append(index < row.count ? row[index] : .null, to: &out)
        }
        return out + "}"
    }

    /// Appends one value (`JSONText.appendValue` with money as numbers), date-times in ISO 8601.
    public static func append(_ value: Value, to out: inout String) {
        if case .datetime(let text) = value {
            JSONText.appendQuoted(isoDateTime(text), to: &out)
        } else {
            JSONText.appendValue(value, decimals: .number, to: &out)
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` as ISO 8601 (`T` between date and time), the form JSON Schema's `date-time` reads.
    public static func isoDateTime(_ text: String) -> String {
        var characters = Array(text)
        if characters.count >= 19, characters[10] == " " { characters[10] = "T" }
        return String(characters)
    }

    /// A column's JSON Schema (every column may be null). `airbyte`: date-times also say Airbyte's
    /// `timestamp_without_timezone` (TikTok's local hours and UTC entity times carry no offset).
    public static func schema(of field: Field, airbyte: Bool) -> String {
        var out = "{"
        switch field.type {
        case .string: out += #""type":["null","string"]"#
        case .integer: out += #""type":["null","integer"]"#
        case .decimal, .float: out += #""type":["null","number"]"#
        case .boolean: out += #""type":["null","boolean"]"#
        case .date: out += #""type":["null","string"],"format":"date""#
        case .datetime:
            out += #""type":["null","string"],"format":"date-time""#
            if airbyte { out += #","airbyte_type":"timestamp_without_timezone""# }
        case .json: out += #""type":["null","array","object","string","number","boolean"]"#
        }
        out += ",\"description\":"
        JSONText.appendQuoted(field.description, to: &out)
        return out + "}"
    }

    /// An object schema of `fields` (`{"type":"object","properties":{…}}`).
    public static func objectSchema(_ fields: [Field], airbyte: Bool) -> String {
        var out = #"{"type":"object","additionalProperties":false,"properties":{"#
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            JSONText.appendQuoted(field.name, to: &out)
            out += ":" + schema(of: field, airbyte: airbyte)
        }
        return out + "}}"
    }

    /// A JSON array of strings.
    public static func strings(_ values: [String]) -> String {
        "[" + values.map(JSONText.quoted).joined(separator: ",") + "]"
    }

    /// Milliseconds since 1970, as Airbyte's `emitted_at`.
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
