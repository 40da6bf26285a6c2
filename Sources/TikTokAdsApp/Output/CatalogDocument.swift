import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `discover`: the catalog of objects, fields, types and unique keys, as text, JSON or BigQuery schemas.
public enum CatalogDocument {
    public enum Format: String, CaseIterable, Sendable {
        case text, json, bigquery
        case postgres
    }

    /// Every object (or only `object`) in `format`.
    public static func render(_ format: Format, object: String?) throws -> String {
        let objects = try object.map { try Catalog.resolve([$0]) } ?? Catalog.objects
        switch format {
        case .postgres:
            return PostgresSQL.script(try objects.map { try $0.schema() })
        case .bigquery:
            var document: [[String: Any]] = []
            for object in objects {
                let schema = try object.schema()
                let resource = try JSONEncoder().encode(BigQuerySQL.tableResource(schema, project: "PROJECT", dataset: "DATASET"))
                var entry = try JSONSerialization.jsonObject(with: resource) as? [String: Any] ?? [:]
                entry["tableReference"] = nil
                entry["table"] = schema.name
                entry["unique_key"] = schema.key
                document.append(entry)
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self) + "\n"
        case .json:
            let document: [[String: Any]] = objects.map { object in
                [
                    "name": object.name, "table": object.table, "description": object.description,
                    "unique_key": object.key, "time_field": object.timeField as Any,
                    "fields": object.fields.map { field in
                        ["name": field.name, "type": field.type.rawValue, "description": field.description,
                         "default": field.isDefault || object.key.contains(field.name), "key": object.key.contains(field.name)] as [String: Any]
                    },
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self) + "\n"
        case .text:
            var text = ""
            for object in objects {
                text += "\(object.name)  ->  table \(object.table)\n"
                text += "  \(object.description)\n"
                text += "  unique key: \(object.key.joined(separator: ", "))\n"
                for field in object.fields {
                    let marks = (object.key.contains(field.name) ? "key" : field.isDefault ? "default" : "")
                    text += "    \(field.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(field.type.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(marks.padding(toLength: 8, withPad: " ", startingAt: 0)) \(field.description)\n"
                }
                text += "\n"
            }
            return text
        }
    }
}
