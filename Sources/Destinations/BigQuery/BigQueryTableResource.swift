/// A table as tables.insert, tables.get and tables.patch see it: reference, schema, partitioning, clustering.
/// Members BigQuery sends that the tool does not use are ignored when decoding.
public struct BigQueryTableResource: Codable, Sendable, Equatable {
    /// Which table: `projectId:datasetId.tableId`.
    public struct Reference: Codable, Sendable, Equatable {
        public var projectId: String
        public var datasetId: String
        public var tableId: String
    }

    /// One column of `schema.fields`.
    public struct Field: Codable, Sendable, Equatable {
        public var name: String
        /// As BigQuery reports it: `STRING`, `INT64` or its legacy name `INTEGER`…
        public var type: String
        /// `NULLABLE`, `REQUIRED` or `REPEATED`; absent means NULLABLE.
        public var mode: String?
        public var description: String?
        /// The sub-columns of a RECORD column, kept so that patching the schema does not drop them.
        public var fields: [Field]?
    }

    /// The `schema` member.
    public struct Schema: Codable, Sendable, Equatable {
        public var fields: [Field]?
    }

    /// Day partitioning on a column.
    public struct TimePartitioning: Codable, Sendable, Equatable {
        public var type: String?
        public var field: String?
    }

    /// The clustering columns, in order.
    public struct Clustering: Codable, Sendable, Equatable {
        public var fields: [String]?
    }

    public var tableReference: Reference?
    /// `TABLE`, `VIEW`, `MATERIALIZED_VIEW`, `EXTERNAL`, `SNAPSHOT`… as tables.get reports it (never sent).
    public var type: String?
    public var schema: Schema?
    public var timePartitioning: TimePartitioning?
    public var clustering: Clustering?
    /// When the table expires, in milliseconds since 1970 as a decimal string (staging tables).
    public var expirationTime: String?

    init(tableReference: Reference? = nil, fields: [Field]? = nil, timePartitioning: TimePartitioning? = nil,
         clustering: Clustering? = nil, expirationTime: String? = nil) {
        self.tableReference = tableReference
        self.schema = fields.map { Schema(fields: $0) }
        self.timePartitioning = timePartitioning
        self.clustering = clustering
        self.expirationTime = expirationTime
    }

    /// The columns (empty when the resource has no schema).
    public var fields: [Field] { schema?.fields ?? [] }
}
