/// A column of a destination table: its name, type and what it means.
public struct Field: Sendable, Hashable, Codable {
    public var name: String
    public var type: FieldType
    public var description: String

    public init(_ name: String, _ type: FieldType, _ description: String) {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// The shape of one destination table: ordered columns, the unique key and, for time series, the date column.
public struct TableSchema: Sendable, Hashable {
    public var name: String
    public var fields: [Field]
    /// Columns that identify a row; upserts match on them.
    public var key: [String]
    /// The column that holds the row's local date or hour, for time-series tables (cleanup and range merges use it).
    public var timeField: String?
    /// Every column the tool may write to this table, selected or not, in catalog order (`fields` follow it); empty
    /// when `fields` are all. Where columns are kept in order (a sheet), this is the order.
    public var knownColumns: [String]

    public init(name: String, fields: [Field], key: [String], timeField: String? = nil, knownColumns: [String] = []) {
        self.name = name
        self.fields = fields
        self.key = key
        self.timeField = timeField
        self.knownColumns = knownColumns
    }

    public var columnNames: [String] { fields.map(\.name) }

    public func index(of column: String) -> Int? { fields.firstIndex { $0.name == column } }
}

/// A batch of rows for one table, each row's values in the order of `schema.fields`.
public struct RowBatch: Sendable {
    public var schema: TableSchema
    public var rows: [[Value]]
    /// The stream whose page this is, set by the engine (a destination that keeps each advertiser apart needs it when
    /// the rows have no advertiser_id column); nil for bookkeeping rows and batches built by hand.
    public var stream: StreamKey?

    public init(schema: TableSchema, rows: [[Value]] = [], stream: StreamKey? = nil) {
        self.schema = schema
        self.rows = rows
        self.stream = stream
    }

    public var isEmpty: Bool { rows.isEmpty }
    public var count: Int { rows.count }
}

extension Sequence<RowBatch> {
    /// The tables of the non-empty batches that `prepared` does not name, each once, in order: what a destination
    /// that prepares tables on first write has still to check and create.
    public func schemas(notIn prepared: Set<String>) -> [TableSchema] {
        var schemas: [TableSchema] = []
        for batch in self where !batch.isEmpty && !prepared.contains(batch.schema.name) && !schemas.contains(where: { $0.name == batch.schema.name }) {
            schemas.append(batch.schema)
        }
        return schemas
    }
}
