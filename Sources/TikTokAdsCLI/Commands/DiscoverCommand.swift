import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads discover`: the objects, their fields, types and keys.
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "List the objects the tool can import, with their fields, types and unique keys.")

    @Option(help: "Output format: text, json, bigquery (each table's BigQuery JSON schema) or postgres (the PostgreSQL DDL).")
    var format: CatalogDocument.Format = .text

    @Option(help: "Only this object.")
    var object: String?

    func run() throws {
        print(try CatalogDocument.render(format, object: object), terminator: "")
    }
}

extension CatalogDocument.Format: ExpressibleByArgument {}
