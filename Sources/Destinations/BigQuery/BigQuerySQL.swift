import Foundation
import SyncKit

/// Table resources and GoogleSQL statements the destination sends: typed columns, partitioning and
/// clustering, the de-duplicating MERGE, the parameterised DELETE. Pure functions, so tests read them.
public enum BigQuerySQL {
    /// The BigQuery column type of a catalog type.
    public static func type(of type: FieldType) -> String {
        switch type {
        case .string: "STRING"
        case .integer: "INT64"
        case .decimal: "NUMERIC"
        case .float: "FLOAT64"
        case .boolean: "BOOL"
        case .date: "DATE"
        case .datetime: "DATETIME"
        case .json: "JSON"
        }
    }

    /// Type names as tables.get reports them, mapped to the standard names (INTEGER → INT64…).
    static func canonical(_ type: String) -> String {
        switch type.uppercased() {
        case "INTEGER": "INT64"
        case "FLOAT": "FLOAT64"
        case "BOOLEAN": "BOOL"
        case "DECIMAL": "NUMERIC"
        case "BIGDECIMAL": "BIGNUMERIC"
        default: type.uppercased()
        }
    }

    /// The column added only to staging tables: the order rows were written in (the last one wins).
    public static let sequenceColumn = "_tiktok_ads_seq"

    /// The `schema.fields` of a table; key columns are REQUIRED unless `allNullable`.
    public static func tableFields(_ schema: TableSchema, allNullable: Bool = false) -> [BigQueryTableResource.Field] {
        schema.fields.map { field in
            BigQueryTableResource.Field(name: field.name, type: type(of: field.type),
                                        mode: !allNullable && schema.key.contains(field.name) ? "REQUIRED" : "NULLABLE",
                                        description: field.description)
        }
    }

    /// Clustering for time-series tables: `advertiser_id`, then the level's id (the first other key column).
    public static func clustering(_ schema: TableSchema) -> [String] {
        guard schema.timeField != nil else { return [] }
        var columns: [String] = []
        if schema.key.contains("advertiser_id") { columns.append("advertiser_id") }
        if let id = schema.key.first(where: { $0 != "advertiser_id" && $0 != schema.timeField }) { columns.append(id) }
        return columns
    }

    /// The tables.insert body of a destination table: partitioned by day on the time column, clustered.
    public static func tableResource(_ schema: TableSchema, project: String, dataset: String) -> BigQueryTableResource {
        var resource = BigQueryTableResource(
            tableReference: .init(projectId: project, datasetId: dataset, tableId: schema.name), fields: tableFields(schema))
        if let time = schema.timeField {
            resource.timePartitioning = .init(type: "DAY", field: time)
            let clustering = clustering(schema)
            if !clustering.isEmpty { resource.clustering = .init(fields: clustering) }
        }
        return resource
    }

    /// Letters, digits and underscores (a BigQuery column, table or dataset name that needs no escaping).
    public static func isPlainIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
    }

    /// A quoted column name.
    public static func column(_ name: String) -> String { "`\(name.replacingOccurrences(of: "`", with: ""))`" }

    /// A fully qualified, quoted table name.
    public static func table(_ project: String, _ dataset: String, _ table: String) -> String {
        "`\(project).\(dataset).\(table)`".replacingOccurrences(of: "\\", with: "")
    }

    /// The parameter type of a time column's values.
    public static func parameterType(of schema: TableSchema) -> String? {
        guard let time = schema.timeField, let field = schema.fields.first(where: { $0.name == time }) else { return nil }
        return field.type == .datetime ? "DATETIME" : "DATE"
    }

    /// The MERGE from `staging` into `target`: staging rows de-duplicated on the key (the last written wins),
    /// matched on the key and, for time series, only within `@range_start … @range_end`; explicit column lists.
    public static func merge(_ schema: TableSchema, target: String, staging: String) -> String {
        let columns = schema.fields.map { column($0.name) }
        let key = schema.key.map(column)
        let ranged = schema.timeField.map(column)
        let filter = ranged.map { "WHERE \($0) BETWEEN @range_start AND @range_end" } ?? "WHERE TRUE"
        var on = key.map { "T.\($0) = S.\($0)" }
        if let ranged { on.append("T.\(ranged) BETWEEN @range_start AND @range_end") }
        let updates = schema.fields.filter { !schema.key.contains($0.name) }.map { "\(column($0.name)) = S.\(column($0.name))" }
        var sql = """
            MERGE \(target) T
            USING (SELECT \(columns.joined(separator: ", ")) FROM \(staging) \(filter)
                   QUALIFY ROW_NUMBER() OVER (PARTITION BY \(key.joined(separator: ", ")) ORDER BY \(column(sequenceColumn)) DESC) = 1) S
            ON \(on.joined(separator: " AND "))
            """
        if !updates.isEmpty { sql += "\nWHEN MATCHED THEN UPDATE SET \(updates.joined(separator: ", "))" }
        sql += "\nWHEN NOT MATCHED THEN INSERT (\(columns.joined(separator: ", "))) VALUES (\(columns.map { "S.\($0)" }.joined(separator: ", ")))"
        return sql
    }

    /// The retention DELETE, with the cutoff as the `@cutoff` parameter.
    public static func deleteBefore(_ schema: TableSchema, target: String) -> String? {
        guard let time = schema.timeField else { return nil }
        return "DELETE FROM \(target) WHERE \(column(time)) < @cutoff"
    }
}
