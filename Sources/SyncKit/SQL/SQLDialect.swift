import Foundation

/// How one SQL database spells what the SQL destinations (SQLite, PostgreSQL) do alike: the statements that create
/// and widen tables from the catalog, upsert rows, read a table (or a range of it) as a schema lays it out, delete
/// the rows a `RowFilter` matches, and the schema rules they share. Each destination describes its database once and
/// runs the statements its own way.
public struct SQLDialect: Sendable {
    /// A table's name in statements: quoted, and qualified where the database has schemas.
    public var table: @Sendable (String) -> String
    /// The type a column of a table is created with.
    public var columnType: @Sendable (Field, TableSchema) -> String
    /// Whether placeholders are numbered and typed as their column (`$1::date`), else `?`.
    public var numberedPlaceholders: Bool
    /// The null-safe "not equal": `IS DISTINCT FROM`, SQLite's `IS NOT`.
    public var distinct: String
    /// The index on a report table's date column (table and column quoted).
    public var createIndex: @Sendable (_ table: String, _ name: String, _ column: String) -> String
    /// Whether each column carries its catalog description as a comment.
    public var comments: Bool
    /// The expression a stored column and the upserted value are compared as (`distinct`), to leave unchanged rows alone.
    public var compared: @Sendable (String) -> String

    public init(table: @escaping @Sendable (String) -> String, columnType: @escaping @Sendable (Field, TableSchema) -> String,
                numberedPlaceholders: Bool, distinct: String, comments: Bool, compared: @escaping @Sendable (String) -> String = { $0 },
                createIndex: @escaping @Sendable (_ table: String, _ name: String, _ column: String) -> String) {
        self.table = table
        self.columnType = columnType
        self.numberedPlaceholders = numberedPlaceholders
        self.distinct = distinct
        self.comments = comments
        self.compared = compared
        self.createIndex = createIndex
    }

    /// The statements a schema plan needs: a new table (typed columns, the key as primary key, the index on its date
    /// column, comments), or the columns added to an existing one.
    public func statements(for plan: TablePlan) -> [String] {
        let schema = plan.schema, name = table(schema.name)
        guard !plan.exists else {
            return plan.addedColumns.map { "ALTER TABLE \(name) ADD COLUMN \(SQLText.quote($0.name)) \(columnType($0, schema))" }
        }
        var statements = [SQLText.createTable(schema, named: name) { columnType($0, schema) }]
        if let time = schema.timeField { statements.append(createIndex(name, "\(schema.name)_\(time)", SQLText.quote(time))) }
        for field in schema.fields where comments && !field.description.isEmpty {
            statements.append("COMMENT ON COLUMN \(name).\(SQLText.quote(field.name)) IS \(SQLText.literal(field.description))")
        }
        return statements
    }

    /// `INSERT INTO table (columns) <rows> ON CONFLICT (key) DO UPDATE … WHERE <a column changed>`; `rows` is
    /// `VALUES (…)` or a `SELECT`.
    public func upsert(_ schema: TableSchema, rows: String) -> String {
        "INSERT INTO \(table(schema.name)) (\(schema.fields.map { SQLText.quote($0.name) }.joined(separator: ", "))) \(rows)"
            + SQLText.onConflictUpdate(schema, table: schema.name, distinct: distinct, compared: compared)
    }

    /// A value's placeholder: `?`, or `$n::type` typed as the table declares the compared column (`text` for none).
    public func placeholder(in schema: TableSchema) -> (Field?, Int) -> String {
        guard numberedPlaceholders else { return { _, _ in "?" } }
        return { field, number in "$\(number)::" + (field.map { columnType($0, schema) } ?? "text") }
    }

    /// The SELECT of the table's rows as `schema` lays them out (`SQLText.select`); `read` gives a column's expression
    /// (nil where the table has no such column).
    public func select(_ schema: TableSchema, in range: RowRange?, read: (String) -> String?) -> SQLText.Statement? {
        SQLText.select(schema, from: table(schema.name), in: range, read: read, placeholder: placeholder(in: schema))
    }

    /// The DELETE of the rows `filter` matches (`SQLText.delete`).
    public func delete(_ schema: TableSchema, where filter: RowFilter) -> SQLText.Statement? {
        SQLText.delete(schema, from: table(schema.name), where: filter, distinct: distinct, placeholder: placeholder(in: schema))
    }

    /// The schema rules of a SQL database: a unique constraint makes the key hold, nullable columns can be added, a
    /// refused table can be renamed (`renameHow`: where to run it) or dropped, a column of the wrong type dropped;
    /// `elsewhere` says how to write to another place instead.
    public func schemaRules(destination: String, typeName: @escaping @Sendable (FieldType) -> String, accepts: @escaping @Sendable (String, FieldType) -> Bool,
                            caseInsensitiveNames: Bool, tableLabel: @escaping @Sendable (String) -> String = { "table \($0)" },
                            renameHow: String = "", elsewhere: String) -> SchemaRules {
        let table = table
        return SchemaRules(
            typeName: typeName, accepts: accepts, keyRule: .uniqueConstraint, canAddColumns: true, caseInsensitiveNames: caseInsensitiveNames,
            destination: destination, tableLabel: tableLabel,
            tableFix: { name in
                "Keep that table under another name (ALTER TABLE \(table(name)) RENAME TO \(SQLText.quote(name + "_old"))\(renameHow)) or drop it, "
                    + "and the next sync creates it afresh (--start-date refills past days); or \(elsewhere)."
            },
            dropColumn: { name, column in "ALTER TABLE \(table(name)) DROP COLUMN \(SQLText.quote(column))" })
    }
}

/// A SQL destination reads whole tables and ranges of them with one query.
public protocol SQLRowReading: Destination {
    /// The table's rows as `schema` lays them out (columns it lacks NULL), in `range` if one is given.
    func select(_ schema: TableSchema, in range: RowRange?) async throws -> [[Value]]
}

extension SQLRowReading {
    public func rows(of schema: TableSchema) async throws -> [[Value]] { try await select(schema, in: nil) }

    public func rows(of schema: TableSchema, in range: RowRange) async throws -> [[Value]] { try await select(schema, in: range) }
}
