import Foundation
import SyncKit

/// The statements the PostgreSQL destination sends and the types it declares: pure functions, so `discover --format
/// postgres` prints the same DDL a sync runs, and tests read them.
public enum PostgresSQL {
    /// The column type of a catalog type. Times are `timestamptz` (entity times are UTC instants), except a report's
    /// hour (`columnType`), which is the account's local time.
    public static func typeName(_ type: FieldType) -> String {
        switch type {
        case .string: "text"
        case .integer: "bigint"
        case .decimal, .float: "numeric"
        case .boolean: "boolean"
        case .date: "date"
        case .datetime: "timestamp with time zone"
        case .json: "jsonb"
        }
    }

    /// The type a column of `schema` is created with: an hourly report's hour is `timestamp` (without time zone), the
    /// local hour of the account as TikTok reports it (the row's `timezone` column says which zone).
    public static func columnType(_ field: Field, in schema: TableSchema) -> String {
        field.type == .datetime && field.name == schema.timeField ? "timestamp without time zone" : typeName(field.type)
    }

    /// Whether a column declared `declared` (as `format_type` prints it) stores values of `type` unchanged: the type
    /// itself, or for numbers another exact one (`double precision` holds a rate's double exactly; `numeric(10,2)`
    /// would round spend, `integer` overflow a count), for times either timestamp.
    public static func accepts(_ declared: String, _ type: FieldType) -> Bool {
        switch type {
        case .string: ["text", "character varying"].contains(declared)
        case .float: ["numeric", "double precision"].contains(declared)
        case .datetime: ["timestamp with time zone", "timestamp without time zone"].contains(declared)
        case .json: ["jsonb", "json"].contains(declared)
        default: declared == typeName(type)
        }
    }

    /// PostgreSQL's spelling of the shared SQL in `schema`: tables qualified by it, placeholders typed as their column,
    /// the date column's index named by PostgreSQL (so a renamed older table keeping its index name never collides),
    /// each column's catalog description as its comment; an upsert compares columns as text (`json` has no equality,
    /// and `numeric` would call 1.0 and 1.00 equal where tiktok-ads keeps the API's text).
    public static func dialect(schema: String) -> SQLDialect {
        SQLDialect(table: { "\(SQLText.quote(schema)).\(SQLText.quote($0))" }, columnType: { columnType($0, in: $1) },
                   numberedPlaceholders: true, distinct: "IS DISTINCT FROM", comments: true, compared: { "(\($0))::text" },
                   createIndex: { table, _, column in "CREATE INDEX ON \(table) (\(column))" })
    }

    /// The staging table a page is copied into: the table's columns and types, no key, emptied at each commit.
    static func createStaging(_ name: String, for table: TableSchema) -> String {
        let columns = table.fields.map { "\(SQLText.quote($0.name)) \(columnType($0, in: table))" }
        return "CREATE TEMPORARY TABLE \(SQLText.quote(name)) (\(columns.joined(separator: ", "))) ON COMMIT DELETE ROWS"
    }

    /// The whole DDL of `tables`, as `discover --format postgres` prints it.
    public static func script(_ tables: [TableSchema], schema: String = PostgresConfiguration.defaultSchema) -> String {
        (["CREATE SCHEMA IF NOT EXISTS \(SQLText.quote(schema))"] + tables.flatMap { dialect(schema: schema).statements(for: TablePlan(schema: $0, exists: false)) })
            .map { $0 + ";\n" }.joined(separator: "\n")
    }
}
