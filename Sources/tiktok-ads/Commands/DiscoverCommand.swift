import ArgumentParser
import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `tiktok-ads discover`: the objects, their fields, types and keys.
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "List the objects the tool can import, with their fields, types and unique keys.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, bigquery }

    @Option(help: "Output format: text, json, or bigquery (each table's BigQuery JSON schema).")
    var format: Format = .text

    @Option(help: "Only this object.")
    var object: String?

    func run() throws {
        let objects = try object.map { try Catalog.resolve([$0]) } ?? Catalog.objects
        switch format {
        case .bigquery:
            var document: [[String: Any]] = []
            for object in objects {
                let schema = try object.schema()
                var entry = BigQuerySQL.tableResource(schema, project: "PROJECT", dataset: "DATASET")
                entry["tableReference"] = nil
                entry["table"] = schema.name
                entry["unique_key"] = schema.key
                document.append(entry)
            }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
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
            print(String(decoding: data, as: UTF8.self))
        case .text:
            for object in objects {
                print("\(object.name)  ->  table \(object.table)")
                print("  \(object.description)")
                print("  unique key: \(object.key.joined(separator: ", "))")
                for field in object.fields {
                    let marks = (object.key.contains(field.name) ? "key" : field.isDefault ? "default" : "")
                    print("    \(field.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(field.type.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(marks.padding(toLength: 8, withPad: " ", startingAt: 0)) \(field.description)")
                }
                print("")
            }
        }
    }
}
