import Foundation

// Counts and sums a destination gives per value of a column, for `status`, `sync --plan --no-probe` and the
// reconciliation: `RowCount` and its defaults read every row; `SQLQuerying` databases answer with one query.

/// A table's rows for one value of a column (e.g. one advertiser's), and how many local days they cover: what `status`
/// shows per stream and what `sync --plan --no-probe` estimates from.
public struct RowCount: Sendable, Hashable {
    public var rows: Int
    /// Distinct local days (the first ten characters, `YYYY-MM-DD`, of the day column's text); 0 when none was asked for.
    public var days: Int

    public init(rows: Int, days: Int = 0) {
        self.rows = rows
        self.days = days
    }

    /// The count every destination can give (`Destination.countRows`'s default): the two columns of every row,
    /// read through `rows(of:)` and counted here. Rows without a value in `column` are not counted.
    public static func readingEveryRow(of table: String, by column: String, days: String?, in destination: any Destination) async throws -> [String: RowCount]? {
        let names = [column] + (days.map { [$0] } ?? [])
        guard try await hasColumns(names, table, in: destination) else { return nil }
        let rows = try await destination.rows(of: TableSchema(name: table, fields: names.map { Field($0, .string, "") }, key: [column]))
        var counts: [String: Int] = [:]
        var seen: [String: Set<Substring>] = [:]
        for row in rows {
            guard let group = row[0].text else { continue }
            counts[group, default: 0] += 1
            if row.count > 1, let day = row[1].text { seen[group, default: []].insert(day.prefix(10)) }
        }
        return counts.reduce(into: [:]) { result, entry in result[entry.key] = RowCount(rows: entry.value, days: seen[entry.key]?.count ?? 0) }
    }

    /// The sums every destination can give (`Destination.dailySums`'s default): the range's rows read through
    /// `rows(of:in:)` and summed here, as decimals (exact).
    public static func summingEveryRow(of table: String, by column: String, day: String, metrics: [String], from: LocalDate,
                                       through: LocalDate, in destination: any Destination) async throws -> [String: [LocalDate: [Decimal?]]]? {
        guard try await hasColumns([column, day] + metrics, table, in: destination) else { return nil }
        let schema = TableSchema(name: table, fields: [Field(column, .string, ""), Field(day, .date, "")] + metrics.map { Field($0, .string, "") },
                                 key: [column, day], timeField: day)
        var sums: [String: [LocalDate: [Decimal?]]] = [:]
        for row in try await destination.rows(of: schema, in: RowRange(matching: [], from: from, through: through)) where row.count == schema.fields.count {
            guard let group = row[0].text, let date = row[1].text.flatMap({ LocalDate($0.prefix(10)) }) else { continue }
            var totals = sums[group]?[date] ?? Array(repeating: nil, count: metrics.count)
            for index in metrics.indices {
                guard let value = row[index + 2].text.flatMap({ Decimal(string: $0) }) else { continue }
                totals[index] = (totals[index] ?? 0) + value
            }
            sums[group, default: [:]][date] = totals
        }
        return sums
    }

    /// A database's sum to 6 decimal places: SQLite sums money as binary floating point (9,854.33 can come back as
    /// 9854.33000000001); TikTok's money and counts have at most 2 (and every exact database sum fewer than 6).
    static func sixPlaces(_ value: Decimal) -> Decimal {
        var value = value, rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        return rounded
    }

    /// Whether `table` exists with every one of `names` among its columns.
    static func hasColumns(_ names: [String], _ table: String, in destination: any Destination) async throws -> Bool {
        guard let found = try await destination.inspectTables([table])[table] else { return false }
        return Set(names).isSubset(of: found.columns.map(\.name))
    }
}

extension Destination {
    /// Those of `names` that `table` has, in their order; nil when the table is missing. A sum of a column a table
    /// lacks (a field the user left out) is then absent rather than failing the sums of the others.
    public func columns(_ names: [String], presentIn table: String) async throws -> [String]? {
        guard let found = try await inspectTables([table])[table] else { return nil }
        let columns = Set(found.columns.map(\.name))
        return names.filter(columns.contains)
    }

    public func countRows(of table: String, by column: String, days: String?) async throws -> [String: RowCount]? {
        try await RowCount.readingEveryRow(of: table, by: column, days: days, in: self)
    }

    public func dailySums(of table: String, by column: String, day: String, metrics: [String],
                          from: LocalDate, through: LocalDate) async throws -> [String: [LocalDate: [Decimal?]]]? {
        try await RowCount.summingEveryRow(of: table, by: column, day: day, metrics: metrics, from: from, through: through, in: self)
    }
}

/// A SQL database that runs a read query and returns its cells as text: it counts a table's rows per value of a
/// column with one `GROUP BY` rather than reading every row (`status` on a million-row table read them all).
public protocol SQLQuerying: Destination {
    /// The rows of a read-only query, each cell as text (nil for NULL).
    func select(_ sql: String) async throws -> [[String?]]
    /// A table's name in a query: quoted, and qualified where the database has schemas or datasets.
    func queryName(ofTable table: String) -> String
    /// A column's name in a query, quoted.
    func queryName(ofColumn column: String) -> String
    /// The database's name of its text type in a `CAST` (`TEXT`, BigQuery's `STRING`).
    var textTypeName: String { get }
}

extension SQLQuerying {
    public func countRows(of table: String, by column: String, days: String?) async throws -> [String: RowCount]? {
        guard try await RowCount.hasColumns([column] + (days.map { [$0] } ?? []), table, in: self) else { return nil }
        // Every cell cast to text: each database's driver hands back text as text.
        let text = { (expression: String) in "CAST(\(expression) AS \(textTypeName))" }
        let distinctDays = days.map { "COUNT(DISTINCT SUBSTR(\(text(queryName(ofColumn: $0))), 1, 10))" } ?? "0"
        let sql = "SELECT \(text(queryName(ofColumn: column))), \(text("COUNT(*)")), \(text(distinctDays)) FROM \(queryName(ofTable: table)) "
            + "WHERE \(queryName(ofColumn: column)) IS NOT NULL GROUP BY 1"
        var counts: [String: RowCount] = [:]
        for row in try await select(sql) {
            guard row.count == 3, let group = row[0], let rows = row[1].flatMap({ Int($0) }) else { continue }
            counts[group] = RowCount(rows: rows, days: row[2].flatMap { Int($0) } ?? 0)
        }
        return counts
    }

    public func dailySums(of table: String, by column: String, day: String, metrics: [String],
                          from: LocalDate, through: LocalDate) async throws -> [String: [LocalDate: [Decimal?]]]? {
        guard try await RowCount.hasColumns([column, day] + metrics, table, in: self) else { return nil }
        let text = { (expression: String) in "CAST(\(expression) AS \(textTypeName))" }
        let dayColumn = queryName(ofColumn: day)
        // Dates are the tool's own (YYYY-MM-DD), so literals; each database reads one compared with a date column as a date.
        let sql = "SELECT " + ([text(queryName(ofColumn: column)), "SUBSTR(\(text(dayColumn)), 1, 10)"]
                               + metrics.map { text("SUM(\(queryName(ofColumn: $0)))") }).joined(separator: ", ")
            + " FROM \(queryName(ofTable: table)) WHERE \(queryName(ofColumn: column)) IS NOT NULL"
            + " AND \(dayColumn) >= \(SQLText.literal(from.description)) AND \(dayColumn) < \(SQLText.literal(through.adding(days: 1).description))"
            + " GROUP BY 1, 2"
        var sums: [String: [LocalDate: [Decimal?]]] = [:]
        for row in try await select(sql) where row.count == metrics.count + 2 {
            guard let group = row[0], let date = row[1].flatMap({ LocalDate($0) }) else { continue }
            sums[group, default: [:]][date] = row[2...].map { $0.flatMap { Decimal(string: $0) }.map(RowCount.sixPlaces) }
        }
        return sums
    }
}
