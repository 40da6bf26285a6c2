import ArgumentParser
import Destinations
import SyncKit
import TikTokAds
import TikTokAdsApp

/// The config file (and the hidden `--now`), shared by every command that reads the config.
struct ConfigOptions: ParsableArguments {
    @Option(help: "YAML config file; ${NAME} in it is read from the environment.")
    var config: String?

    @Option(help: .hidden)
    var now: String?

    func apply(to request: inout SyncRequest) {
        request.configPath = config
        request.now = now
    }
}

/// How to reach TikTok: `sync`, `schedule` and `check`.
struct APIOptions: ParsableArguments {
    @Option(help: "API base up to open_api/ (production https://business-api.tiktok.com/open_api/, sandbox https://sandbox-ads.tiktok.com/open_api/, or a simulator).")
    var apiBaseURL: String?

    @Option(help: "Access token. Prefer `tiktok-ads auth login` or TIKTOK_ACCESS_TOKEN: flags are visible to other users of the machine.")
    var accessToken: String?

    @Flag(help: "Read TikTok's sandbox API (https://sandbox-ads.tiktok.com/open_api/) with a sandbox token.")
    var sandbox = false

    @Option(help: "Credentials file `auth login` wrote (default $XDG_CONFIG_HOME/tiktok-ads/credentials.json), read when no other token is given.")
    var credentialsFile: String?

    @Option(help: "Comma-separated advertiser ids (default: every advertiser the token may access, listed with TIKTOK_APP_ID and TIKTOK_APP_SECRET).")
    var advertiserIds: String?

    @Option(help: "Comma-separated objects to import (see `tiktok-ads discover`). Default: \(Catalog.defaultObjectNames.joined(separator: ", ")).")
    var objects: String?

    @Option(help: "Fields of one object, as OBJECT=field1,field2 (repeatable; key fields are always added).")
    var fields: [String] = []

    @Option(help: "Seconds to wait for one response. Default 120.")
    var requestTimeout: Double?

    @Option(help: "Attempts per request before giving up. Default 8.")
    var maxAttempts: Int?

    func apply(to request: inout SyncRequest) {
        request.apiBaseURL = apiBaseURL
        request.accessToken = accessToken
        request.sandbox = sandbox
        request.credentialsFile = credentialsFile
        request.advertiserIDs = advertiserIds
        request.objects = objects
        request.fields = fields
        request.requestTimeout = requestTimeout
        request.maxAttempts = maxAttempts
    }
}

/// What a sync reads and how fast: `sync` and `schedule`.
struct LoadOptions: ParsableArguments {
    @Option(help: "Backfill from this date (YYYY-MM-DD, account-local), ignoring the bookmark.")
    var startDate: String?

    @Option(help: "Backfill up to this date (YYYY-MM-DD, account-local).")
    var endDate: String?

    @Option(help: "Days re-read before the bookmark on each run (TikTok restates conversions). Default 7.")
    var lookbackDays: Int?

    @Flag(help: "Also import deleted campaigns, ad groups and ads, and their report rows.")
    var includeDeleted = false

    @Flag(help: "Fail a report stream when TikTok refuses one of its metrics, instead of dropping the metric (its column NULL in new rows) and going on.")
    var strictMetrics = false

    @Option(help: "After the sync, compare campaign, ad group and ad daily reports with the account totals: off, warn (default) or fail (exit 1 on a difference with no known cause).")
    var reconcile: String?

    @Option(help: "Streams read at once. Default \(SyncRequest.defaultConcurrency).")
    var concurrency: Int?

    @Option(help: "Requests per second allowed, a ceiling over the learned pace (default: learned from TikTok's answers).")
    var qps: Int?

    @Option(help: "Requests per minute allowed, a ceiling over the learned pace.")
    var qpm: Int?

    @Option(help: "Delete report rows older than this many days after each successful sync.")
    var retentionDays: Int?

    func apply(to request: inout SyncRequest) {
        request.startDate = startDate
        request.endDate = endDate
        request.lookbackDays = lookbackDays
        request.includeDeleted = includeDeleted
        request.strictMetrics = strictMetrics
        request.reconcile = reconcile
        request.concurrency = concurrency
        request.qps = qps
        request.qpm = qpm
        request.retentionDays = retentionDays
    }
}

/// Every flag of `sync` and `schedule`: each overrides the config file.
struct SyncOptions: ParsableArguments {
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var api: APIOptions
    @OptionGroup var load: LoadOptions
    @OptionGroup var destinationOptions: DestinationOptions
    @OptionGroup var output: OutputOptions

    var config: String? { configuration.config }

    /// What these flags ask for, for the library to resolve against the config file and the environment.
    var request: SyncRequest {
        var request = SyncRequest()
        configuration.apply(to: &request)
        api.apply(to: &request)
        load.apply(to: &request)
        destinationOptions.apply(to: &request)
        return request
    }

    func validate() throws {
        try BadInput.asValidation { try request.validateFlags() }
    }
}

/// The flags of commands that only read or tidy the destination (`state`, `cleanup`): the config file and where.
struct DestinationCommandOptions: ParsableArguments {
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var destinationOptions: DestinationOptions
    @OptionGroup var output: OutputOptions

    var request: SyncRequest {
        var request = SyncRequest()
        configuration.apply(to: &request)
        destinationOptions.apply(to: &request)
        return request
    }

    func validate() throws {
        try BadInput.asValidation { try request.validateFlags() }
    }
}

/// Where a sync writes: `--destination` and the BigQuery / Sheets flags (the config file's `destination:` section underneath).
struct DestinationOptions: ParsableArguments {
    @Option(help: "Destination: sqlite (default), bigquery, sheets, files or postgres.")
    var destination: DestinationChoice.Kind?

    @Option(help: "SQLite database file. Default ./tiktok-ads.sqlite.")
    var sqlite: String?

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

    @Option(help: "Directory for --destination files (created if missing; refused if it holds files tiktok-ads did not write).")
    var directory: String?

    @Option(help: "File format for --destination files: csv (default) or jsonl.")
    var fileFormat: FileFormat?

    @Option(help: "PostgreSQL server for --destination postgres: postgres://USER@HOST:5432/DATABASE[?sslmode=require]. Prefer PGPASSWORD (or password_file in the config) to a password in the URL.")
    var postgresUrl: String?

    @Option(help: "PostgreSQL schema, created if missing. Default tiktok_ads.")
    var postgresSchema: String?

    func apply(to request: inout SyncRequest) {
        request.sqlite = sqlite
        request.destination = choice
    }

    var choice: DestinationChoice {
        var choice = DestinationChoice()
        choice.kind = destination
        choice.bigqueryProject = bigqueryProject
        choice.bigqueryDataset = bigqueryDataset
        choice.bigqueryLocation = bigqueryLocation
        choice.spreadsheet = spreadsheet
        choice.googleCredentials = googleCredentials
        choice.directory = directory
        choice.fileFormat = fileFormat
        choice.postgresURL = postgresUrl
        choice.postgresSchema = postgresSchema
        return choice
    }
}

extension DestinationChoice.Kind: ExpressibleByArgument {}
extension FileFormat: ExpressibleByArgument {}

/// Bad input found while validating flags, reported the way ArgumentParser reports its own (exit 2).
enum BadInput {
    static func asValidation(_ check: () throws -> Void) throws {
        do { try check() } catch let error as SyncError where error.kind == .badInput { throw ValidationError(error.message) }
    }
}
