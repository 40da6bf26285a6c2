import ArgumentParser
import Destinations
import Foundation
import Logging
import SyncKit

/// Where a sync writes: SQLite (the default), BigQuery or Google Sheets, from flags over the config file's `destination:` section.
struct DestinationOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable, Decodable, Sendable { case sqlite, bigquery, sheets }

    @Option(help: "Destination: sqlite (default), bigquery or sheets.")
    var destination: Kind?

    @Option(help: "BigQuery project id (default: the service-account key's project, or GOOGLE_CLOUD_PROJECT).")
    var bigqueryProject: String?

    @Option(help: "BigQuery dataset (default tiktok_ads); it must exist unless BIGQUERY_EMULATOR_HOST points at an emulator.")
    var bigqueryDataset: String?

    @Option(help: "BigQuery dataset location, e.g. US, EU, europe-west1 (default: the dataset's own).")
    var bigqueryLocation: String?

    @Option(help: "Google Sheets spreadsheet (its URL or id) for --destination sheets; share it with the service account's email as Editor.")
    var spreadsheet: String?

    @Option(help: "Google credentials file: a service-account key or an authorized_user file (default: GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata server).")
    var googleCredentials: String?

    /// The `destination:` section of the config file.
    struct Entry: Decodable, Sendable {
        var type: Kind?
        var bigquery: BigQueryEntry?
        var sheets: SheetsEntry?
    }

    /// `destination.sheets` in the config file.
    struct SheetsEntry: Decodable, Sendable {
        var spreadsheet: String?
        var credentials: String?
        var apiBaseURL: String?
        var tokenURL: String?

        enum CodingKeys: String, CodingKey {
            case spreadsheet, credentials, apiBaseURL = "api_base_url", tokenURL = "token_url"
        }
    }

    /// `destination.bigquery` in the config file.
    struct BigQueryEntry: Decodable, Sendable {
        var project: String?
        var dataset: String?
        var location: String?
        var credentials: String?
        var apiBaseURL: String?
        var tokenURL: String?

        enum CodingKeys: String, CodingKey {
            case project, dataset, location, credentials, apiBaseURL = "api_base_url", tokenURL = "token_url"
        }
    }

    func kind(_ file: ToolConfiguration) -> Kind { destination ?? file.destination?.type ?? .sqlite }

    /// The BigQuery settings from flags, the config file and the environment.
    func bigQueryConfiguration(_ file: ToolConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
                               credentialsProject: String? = nil) throws -> BigQueryConfiguration {
        let entry = file.destination?.bigquery
        guard let project = bigqueryProject ?? entry?.project ?? credentialsProject ?? environment["GOOGLE_CLOUD_PROJECT"]
                ?? (environment["BIGQUERY_EMULATOR_HOST"] != nil ? "test-proj" : nil) else {
            throw SyncError(.badInput, "No BigQuery project. Pass --bigquery-project (or destination.bigquery.project in the config file).")
        }
        let emulator = environment["BIGQUERY_EMULATOR_HOST"].map { !$0.isEmpty } ?? false
        let configuration = BigQueryConfiguration(project: project, dataset: bigqueryDataset ?? entry?.dataset ?? "tiktok_ads",
                                                  location: bigqueryLocation ?? entry?.location, apiBaseURL: entry?.apiBaseURL,
                                                  createDatasetIfMissing: emulator, environment: environment)
        try configuration.validate()
        return configuration
    }

    /// Opens the chosen destination.
    func make(file: ToolConfiguration, sqlitePath: String, logger: Logger) throws -> any Destination {
        switch kind(file) {
        case .sqlite:
            return try SQLiteDestination(path: sqlitePath)
        case .bigquery:
            return try openBigQuery(file: file, logger: logger)
        case .sheets:
            return try openSheets(file: file, logger: logger)
        }
    }

    func openSheets(file: ToolConfiguration, logger: Logger) throws -> GoogleSheetsDestination {
        let entry = file.destination?.sheets
        guard let spreadsheet = spreadsheet ?? entry?.spreadsheet else {
            throw SyncError(.badInput, "No spreadsheet. Pass --spreadsheet URL_OR_ID (or destination.sheets.spreadsheet in the config file).")
        }
        let configuration = try GoogleSheetsConfiguration(spreadsheet: spreadsheet, apiBaseURL: entry?.apiBaseURL)
        return try GoogleSheetsDestination.open(configuration: configuration, credentialsFile: googleCredentials ?? entry?.credentials,
                                                tokenURL: entry?.tokenURL, logger: logger)
    }

    func openBigQuery(file: ToolConfiguration, logger: Logger) throws -> BigQueryDestination {
        let entry = file.destination?.bigquery
        let credentialsFile = googleCredentials ?? entry?.credentials
        let environment = ProcessInfo.processInfo.environment
        var project: String?
        if environment["BIGQUERY_EMULATOR_HOST"] == nil, bigqueryProject ?? entry?.project == nil {
            project = (try? GoogleCredentials.resolve(file: credentialsFile, environment: environment))?.projectID
        }
        let configuration = try bigQueryConfiguration(file, environment: environment, credentialsProject: project)
        return try BigQueryDestination.open(configuration: configuration, credentialsFile: credentialsFile,
                                            tokenURL: entry?.tokenURL, logger: logger, environment: environment)
    }
}
