import Destinations
import Foundation
import Logging
import SyncKit

/// Where a sync writes: SQLite (the default), BigQuery, Google Sheets, files (CSV, JSON Lines) or PostgreSQL, from flags over the config
/// file's `destination:` section.
public struct DestinationChoice: Sendable {
    public enum Kind: String, CaseIterable, Decodable, Sendable {
        case sqlite, bigquery, sheets
        case files
        case postgres

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let kind = Kind(rawValue: text) else {
                let names = Self.allCases.map(\.rawValue)
                let hint = ConfigurationSchema.closest(to: text, among: names).map { " (did you mean \($0)?)" } ?? ""
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "'\(SettingText.quoted(text, limit: 40))' is not a destination\(hint); use one of \(names.joined(separator: ", "))"))
            }
            self = kind
        }
    }

    public var kind: Kind?
    public var bigqueryProject: String?
    public var bigqueryDataset: String?
    public var bigqueryLocation: String?
    public var spreadsheet: String?
    public var googleCredentials: String?
    /// `--directory` and `--file-format` (files).
    public var directory: String?
    public var fileFormat: FileFormat?
    /// `--postgres-url` and `--postgres-schema`.
    public var postgresURL: String?
    public var postgresSchema: String?

    public init() {}

    /// The `destination:` section of the config file.
    public struct Entry: Decodable, Sendable {
        public var type: Kind?
        public var bigquery: BigQueryEntry?
        public var sheets: SheetsEntry?
        public var files: FilesEntry?
        public var postgres: PostgresEntry?

        public init(type: Kind? = nil, bigquery: BigQueryEntry? = nil, sheets: SheetsEntry? = nil, files: FilesEntry? = nil,
                    postgres: PostgresEntry? = nil) {
            self.type = type
            self.bigquery = bigquery
            self.sheets = sheets
            self.files = files
            self.postgres = postgres
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case type, bigquery, sheets, files, postgres }
    }

    /// `destination.files` in the config file.
    public struct FilesEntry: Decodable, Sendable {
        public var directory: String?
        public var format: FileFormat?

        public init(directory: String? = nil, format: FileFormat? = nil) {
            self.directory = directory
            self.format = format
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case directory, format }
    }

    /// `destination.postgres` in the config file.
    public struct PostgresEntry: Decodable, Sendable {
        public var url: String?
        public var schema: String?
        public var passwordFile: String?
        public var sslmode: String?

        public init(url: String? = nil, schema: String? = nil, passwordFile: String? = nil, sslmode: String? = nil) {
            self.url = url
            self.schema = schema
            self.passwordFile = passwordFile
            self.sslmode = sslmode
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case url, schema, passwordFile = "password_file", sslmode }
    }

    /// `destination.sheets` in the config file.
    public struct SheetsEntry: Decodable, Sendable {
        public var spreadsheet: String?
        public var credentials: String?
        public var apiBaseURL: String?
        public var tokenURL: String?

        public init(spreadsheet: String? = nil, credentials: String? = nil, apiBaseURL: String? = nil, tokenURL: String? = nil) {
            self.spreadsheet = spreadsheet
            self.credentials = credentials
            self.apiBaseURL = apiBaseURL
            self.tokenURL = tokenURL
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case spreadsheet, credentials, apiBaseURL = "api_base_url", tokenURL = "token_url"
        }
    }

    /// `destination.bigquery` in the config file.
    public struct BigQueryEntry: Decodable, Sendable {
        public var project: String?
        public var dataset: String?
        public var location: String?
        public var credentials: String?
        public var apiBaseURL: String?
        public var tokenURL: String?

        public init(project: String? = nil, dataset: String? = nil, location: String? = nil, credentials: String? = nil,
                    apiBaseURL: String? = nil, tokenURL: String? = nil) {
            self.project = project
            self.dataset = dataset
            self.location = location
            self.credentials = credentials
            self.apiBaseURL = apiBaseURL
            self.tokenURL = tokenURL
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case project, dataset, location, credentials, apiBaseURL = "api_base_url", tokenURL = "token_url"
        }
    }

    public func kind(_ file: ToolConfiguration) -> Kind { kind ?? file.destination?.type ?? .sqlite }

    /// The BigQuery settings from flags, the config file and the environment.
    public func bigQueryConfiguration(_ file: ToolConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
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
    public func open(file: ToolConfiguration, sqlitePath: String, logger: Logger) throws -> any Destination {
        switch kind(file) {
        case .sqlite:
            return try SQLiteDestination(path: sqlitePath)
        case .bigquery:
            return try openBigQuery(file: file, logger: logger)
        case .sheets:
            return try openSheets(file: file, logger: logger)
        case .files:
            return try openFiles(file: file)
        case .postgres:
            return try openPostgres(file: file, logger: logger)
        }
    }

    /// The PostgreSQL settings from flags over the config file (the password: URL, password_file, PGPASSWORD).
    public func postgresConfiguration(_ file: ToolConfiguration,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConfiguration {
        let entry = file.destination?.postgres
        guard let url = postgresURL ?? entry?.url else {
            throw SyncError(.badInput, "No PostgreSQL server. Pass --postgres-url postgres://USER@HOST:5432/DATABASE (or destination.postgres.url in the config file).")
        }
        return try PostgresConfiguration.parse(url: url, schema: postgresSchema ?? entry?.schema, passwordFile: entry?.passwordFile,
                                               sslMode: entry?.sslmode, environment: environment)
    }

    public func openPostgres(file: ToolConfiguration, logger: Logger) throws -> PostgresDestination {
        PostgresDestination(configuration: try postgresConfiguration(file), logger: logger)
    }

    /// The files destination: `--directory` (required) and `--file-format` (default csv) over `destination.files`.
    public func openFiles(file: ToolConfiguration) throws -> FilesDestination {
        guard let directory = directory ?? file.destination?.files?.directory else {
            throw SyncError(.badInput, "No directory. Pass --directory DIR (or destination.files.directory in the config file) for --destination files.")
        }
        return try FilesDestination(directory: directory, format: fileFormat ?? file.destination?.files?.format ?? .csv)
    }

    public func openSheets(file: ToolConfiguration, logger: Logger) throws -> GoogleSheetsDestination {
        let entry = file.destination?.sheets
        guard let spreadsheet = spreadsheet ?? entry?.spreadsheet else {
            throw SyncError(.badInput, "No spreadsheet. Pass --spreadsheet URL_OR_ID (or destination.sheets.spreadsheet in the config file).")
        }
        let configuration = try GoogleSheetsConfiguration(spreadsheet: spreadsheet, apiBaseURL: entry?.apiBaseURL)
        return try GoogleSheetsDestination.open(configuration: configuration, credentialsFile: googleCredentials ?? entry?.credentials,
                                                tokenURL: entry?.tokenURL, logger: logger)
    }

    public func openBigQuery(file: ToolConfiguration, logger: Logger) throws -> BigQueryDestination {
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
