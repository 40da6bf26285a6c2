/// A table as a destination found it before a run writes anything: its columns as the destination declares
/// them. Destinations only report what is there; `SchemaCheck` compares it with the catalog and decides.
public struct FoundTable: Sendable, Hashable {
    public var name: String
    /// The columns in the table's order (a sheet: its header cells from left to right, blank cells left out).
    public var columns: [FoundColumn]
    /// The column sets a unique constraint covers (primary key, unique indexes); nil where the destination has no
    /// unique constraints (BigQuery, a spreadsheet).
    public var uniqueKeys: [[String]]?
    /// What it is when it is not an ordinary table (e.g. `view`); nil for a table.
    public var kind: String?
    /// Whether it holds no rows; nil when the destination does not say (it is asked only where a missing key
    /// column could otherwise be added).
    public var isEmpty: Bool?

    public init(name: String, columns: [FoundColumn], uniqueKeys: [[String]]? = nil, kind: String? = nil, isEmpty: Bool? = nil) {
        self.name = name
        self.columns = columns
        self.uniqueKeys = uniqueKeys
        self.kind = kind
        self.isEmpty = isEmpty
    }
}

/// One column of a `FoundTable`.
public struct FoundColumn: Sendable, Hashable {
    public var name: String
    /// The type as the destination declares it, shown in messages (`TEXT`, `VARCHAR(20)`, `STRING`; empty for a
    /// column declared without a type); nil where columns have no type at all (a sheet).
    public var type: String?
    /// Whether a row inserted without a value for it is refused (NOT NULL without a default, REQUIRED).
    public var requiresValue: Bool
    /// Where it is, for messages (`column D` in a sheet); nil where the name says it all.
    public var place: String?

    public init(name: String, type: String?, requiresValue: Bool = false, place: String? = nil) {
        self.name = name
        self.type = type
        self.requiresValue = requiresValue
        self.place = place
    }
}

/// How a destination stores tables, which decides what `SchemaCheck` accepts in an existing one and how it words a refusal.
public struct SchemaRules: Sendable {
    /// What makes a table's unique key hold there.
    public enum KeyRule: Sendable {
        /// A primary key or unique index on exactly the key columns: upserts name it (`ON CONFLICT`), SQLite, PostgreSQL.
        case uniqueConstraint
        /// Key columns that refuse NULL: a MERGE matches rows on them (BigQuery, whose tables have no enforced unique constraint).
        case requiredColumns
        /// The key columns only: the tool itself finds each key's row (a spreadsheet).
        case columns
    }

    /// The destination's column type for a catalog type, as messages show it; nil where columns have no type (a sheet).
    public var typeName: @Sendable (FieldType) -> String?
    /// Whether a column declared with this type stores values of the catalog type unchanged.
    public var accepts: @Sendable (_ declared: String, _ type: FieldType) -> Bool
    public var keyRule: KeyRule
    /// Whether a missing column can be added as a nullable column without touching existing rows.
    public var canAddColumns: Bool
    /// Whether the tool's columns must appear in catalog order (a sheet's header, which people and other tools edit by position).
    public var keepsColumnOrder: Bool
    /// Whether column names match regardless of case (SQLite, BigQuery).
    public var caseInsensitiveNames: Bool
    /// The destination as messages name it, e.g. `sqlite:/data/tiktok.sqlite`.
    public var destination: String
    /// How messages name a table, e.g. `table tiktok_ads_campaigns`, `tab 'tiktok_ads_campaigns'`.
    public var tableLabel: @Sendable (String) -> String
    /// What the user can do about a refused table: keep it under another name, or write elsewhere.
    public var tableFix: @Sendable (String) -> String
    /// A statement that drops one column (offered for a column of the wrong type); nil where there is none.
    public var dropColumn: (@Sendable (_ table: String, _ column: String) -> String)?

    public init(typeName: @escaping @Sendable (FieldType) -> String?, accepts: @escaping @Sendable (String, FieldType) -> Bool,
                keyRule: KeyRule, canAddColumns: Bool, keepsColumnOrder: Bool = false, caseInsensitiveNames: Bool,
                destination: String, tableLabel: @escaping @Sendable (String) -> String = { "table \($0)" },
                tableFix: @escaping @Sendable (String) -> String,
                dropColumn: (@Sendable (String, String) -> String)? = nil) {
        self.typeName = typeName
        self.accepts = accepts
        self.keyRule = keyRule
        self.canAddColumns = canAddColumns
        self.keepsColumnOrder = keepsColumnOrder
        self.caseInsensitiveNames = caseInsensitiveNames
        self.destination = destination
        self.tableLabel = tableLabel
        self.tableFix = tableFix
        self.dropColumn = dropColumn
    }
}

/// What `Destination.applySchema` does to one table, decided by `SchemaCheck` after every table passed.
public struct TablePlan: Sendable, Hashable {
    public var schema: TableSchema
    /// Whether the table exists (otherwise it is created with every column of `schema`).
    public var exists: Bool
    /// Columns of `schema` the existing table lacks, in schema order: added as nullable columns (existing rows get NULL).
    /// Columns of the table that are not in `schema` (another tool's, or fields no longer selected) are left alone.
    public var addedColumns: [Field]

    public init(schema: TableSchema, exists: Bool, addedColumns: [Field] = []) {
        self.schema = schema
        self.exists = exists
        self.addedColumns = addedColumns
    }

    /// Whether `applySchema` has anything to do for this table.
    public var changesSomething: Bool { !exists || !addedColumns.isEmpty }
}
