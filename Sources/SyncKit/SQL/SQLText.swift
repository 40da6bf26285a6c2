import Foundation

/// The SQL that the SQL destinations (SQLite, PostgreSQL) write alike; each brings its own column types and
/// placeholders.
public enum SQLText {
    /// A quoted identifier: `"name"`, quotes doubled.
    public static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// A string literal: `'text'`, quotes doubled (for DDL; values are bound).
    public static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// `CREATE TABLE name (…)`: each column with its type, the key's columns NOT NULL, the key as primary key.
    public static func createTable(_ schema: TableSchema, named name: String, type: (Field) -> String) -> String {
        var columns = schema.fields.map { "\(quote($0.name)) \(type($0))\(schema.key.contains($0.name) ? " NOT NULL" : "")" }
        if !schema.key.isEmpty { columns.append("PRIMARY KEY (\(schema.key.map(quote).joined(separator: ", ")))") }
        return "CREATE TABLE \(name) (\n  \(columns.joined(separator: ",\n  "))\n)"
    }

    /// An upsert's conflict clause on the table's key: ` ON CONFLICT (key) DO UPDATE SET column = excluded.column, …
    /// WHERE <a column changed>` (`DO NOTHING` when every column is in the key); empty for a table without a key.
    /// A row whose columns all equal the stored row's is left alone: a re-read window (the lookback, a re-run) then
    /// writes only what TikTok restated, not every row again. `table` is the table's unqualified name, `distinct` the
    /// null-safe "not equal", `compared` the expression a column is compared as.
    public static func onConflictUpdate(_ schema: TableSchema, table: String, distinct: String,
                                        compared: (String) -> String = { $0 }) -> String {
        guard !schema.key.isEmpty else { return "" }
        let conflict = " ON CONFLICT (\(schema.key.map(quote).joined(separator: ", ")))"
        let columns = schema.fields.filter { !schema.key.contains($0.name) }.map { quote($0.name) }
        guard !columns.isEmpty else { return conflict + " DO NOTHING" }
        let changed = columns.map { "\(compared("\(quote(table)).\($0)")) \(distinct) \(compared("excluded.\($0)"))" }
        return conflict + " DO UPDATE SET \(columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))"
            + " WHERE \(changed.joined(separator: " OR "))"
    }

    /// The condition `column = placeholder` of each pair; `placeholder` gets the pair and its 1-based position.
    public static func equalities(_ pairs: [ColumnValue], placeholder: (ColumnValue, Int) -> String) -> [String] {
        pairs.enumerated().map { "\(quote($1.column)) = \(placeholder($1, $0 + 1))" }
    }

    /// A statement and the values bound to its placeholders, in order.
    public struct Statement: Sendable, Equatable {
        public var sql: String
        public var binds: [Value]
    }

    /// The SELECT of `table`'s rows as `schema` lays them out: each column as `read` gives it (its expression, nil
    /// where the table has no such column: NULL), and within `range` when one is given (its matching columns, and its
    /// days on the time column: dates and local hours alike sort before the next day). Nil when the table cannot
    /// answer the range (no time column, or a matching column it lacks). `placeholder` gets the field a value is
    /// compared with and the value's 1-based position.
    public static func select(_ schema: TableSchema, from table: String, in range: RowRange? = nil, read: (String) -> String?,
                              placeholder: (Field?, Int) -> String) -> Statement? {
        var sql = "SELECT \(schema.fields.map { read($0.name) ?? "NULL" }.joined(separator: ", ")) FROM \(table)"
        guard let range else { return Statement(sql: sql, binds: []) }
        guard let time = schema.timeField, read(time) != nil, range.matching.allSatisfy({ read($0.column) != nil }) else { return nil }
        let field = { (name: String) in schema.fields.first { $0.name == name } }
        let conditions = equalities(range.matching) { placeholder(field($0.column), $1) }
            + ["\(quote(time)) >= \(placeholder(field(time), range.matching.count + 1))",
               "\(quote(time)) < \(placeholder(field(time), range.matching.count + 2))"]
        sql += " WHERE " + conditions.joined(separator: " AND ")
        return Statement(sql: sql, binds: range.matching.map(\.value) + [.date(range.from.description), .date(range.through.adding(days: 1).description)])
    }

    /// The DELETE of the rows `filter` matches in `table`; nil when it matches none (`.before` on a table without a
    /// time column). `distinct` is the dialect's null-safe "not equal" (`IS DISTINCT FROM`; SQLite's `IS NOT`).
    public static func delete(_ schema: TableSchema, from table: String, where filter: RowFilter, distinct: String = "IS DISTINCT FROM",
                              placeholder: (Field?, Int) -> String) -> Statement? {
        let field = { (name: String) in schema.fields.first { $0.name == name } }
        switch filter {
        case .before(let cutoff):
            guard let time = schema.timeField else { return nil }
            return Statement(sql: "DELETE FROM \(table) WHERE \(quote(time)) < \(placeholder(field(time), 1))", binds: [.date(cutoff.description)])
        case .matching(let pairs):
            let conditions = equalities(pairs) { placeholder(field($0.column), $1) }
            return Statement(sql: "DELETE FROM \(table)" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")),
                             binds: pairs.map(\.value))
        case .superseded(let scope, let stamp):
            let conditions = equalities(scope) { placeholder(field($0.column), $1) }
                + ["\(quote(stamp.column)) \(distinct) \(placeholder(field(stamp.column), scope.count + 1))"]
            return Statement(sql: "DELETE FROM \(table) WHERE " + conditions.joined(separator: " AND "), binds: scope.map(\.value) + [stamp.value])
        }
    }
}
