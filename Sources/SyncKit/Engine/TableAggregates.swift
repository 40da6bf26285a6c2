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
        guard let rows = try await destination.readColumns([column] + (days.map { [$0] } ?? []), of: table) else { return nil }
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
        guard let present = try await destination.metricColumns(metrics, of: table, besides: [column, day]) else { return nil }
        let schema = TableSchema(name: table, fields: [Field(column, .string, ""), Field(day, .date, "")] + present.map { Field($0, .string, "") },
                                 key: [column, day], timeField: day)
        var sums: [String: [LocalDate: [Decimal?]]] = [:]
        for row in try await destination.rows(of: schema, in: RowRange(matching: [], from: from, through: through)) where row.count == schema.fields.count {
            guard let group = row[0].text, let date = row[1].text.flatMap({ LocalDate($0.prefix(10)) }) else { continue }
            var totals = sums[group]?[date] ?? Array(repeating: nil, count: present.count)
            for index in present.indices {
                guard let value = row[index + 2].text.flatMap({ Decimal(string: $0) }) else { continue }
                totals[index] = (totals[index] ?? 0) + value
            }
            sums[group, default: [:]][date] = totals
        }
        return sums.mapValues { days in days.mapValues { inOrder($0, of: present, as: metrics) } }
    }

    /// Sums in the order of `present` (the metric columns the table has), laid out as `metrics`: nil for the others.
    static func inOrder(_ sums: [Decimal?], of present: [String], as metrics: [String]) -> [Decimal?] {
        metrics.map { present.firstIndex(of: $0).flatMap { sums[$0] } }
    }

    /// A database's sum to 6 decimal places: SQLite sums money as binary floating point (9,854.33 can come back as
    /// 9854.33000000001); TikTok's money and counts have at most 2 (and every exact database sum fewer than 6).
    static func sixPlaces(_ value: Decimal) -> Decimal {
        var value = value, rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        return rounded
    }
}

extension Destination {
    /// The named columns of every row of `table`, read as text; nil when the table or one of the columns is missing.
    public func readColumns(_ names: [String], of table: String) async throws -> [[Value]]? {
        guard let found = try await inspectTables([table])[table], Set(names).isSubset(of: found.columns.map(\.name)) else { return nil }
        return try await rows(of: TableSchema(name: table, fields: names.map { Field($0, .string, "") }, key: [names[0]]))
    }

    /// Those of `metrics` that `table` has, in their order; nil when the table or one of `required` is missing. A metric
    /// the table lacks (a field the user left out) sums to nothing rather than hiding the others.
    func metricColumns(_ metrics: [String], of table: String, besides required: [String]) async throws -> [String]? {
        guard let found = try await inspectTables([table])[table] else { return nil }
        let columns = Set(found.columns.map(\.name))
        return Set(required).isSubset(of: columns) ? metrics.filter(columns.contains) : nil
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
    /// An expression cast to text: every cell of these queries is, as each database's driver hands back text as text.
    func text(_ expression: String) -> String { "CAST(\(expression) AS \(textTypeName))" }

    public func countRows(of table: String, by column: String, days: String?) async throws -> [String: RowCount]? {
        guard try await metricColumns([], of: table, besides: [column] + (days.map { [$0] } ?? [])) != nil else { return nil }
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
        guard let present = try await metricColumns(metrics, of: table, besides: [column, day]) else { return nil }
        let dayColumn = queryName(ofColumn: day)
        // Dates are the tool's own (YYYY-MM-DD), so literals; each database reads one compared with a date column as a date.
        let sql = "SELECT " + ([text(queryName(ofColumn: column)), "SUBSTR(\(text(dayColumn)), 1, 10)"]
                               + present.map { text("SUM(\(queryName(ofColumn: $0)))") }).joined(separator: ", ")
            + " FROM \(queryName(ofTable: table)) WHERE \(queryName(ofColumn: column)) IS NOT NULL"
            + " AND \(dayColumn) >= \(SQLText.literal(from.description)) AND \(dayColumn) < \(SQLText.literal(through.adding(days: 1).description))"
            + " GROUP BY 1, 2"
        var sums: [String: [LocalDate: [Decimal?]]] = [:]
        for row in try await select(sql) where row.count == present.count + 2 {
            guard let group = row[0], let date = row[1].flatMap({ LocalDate($0) }) else { continue }
            sums[group, default: [:]][date] = RowCount.inOrder(row[2...].map { $0.flatMap { Decimal(string: $0) }.map(RowCount.sixPlaces) },
                                                               of: present, as: metrics)
        }
        return sums
    }
}
