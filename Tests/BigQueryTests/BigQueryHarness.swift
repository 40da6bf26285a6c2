import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator
import Testing

/// Runs syncs against the in-process TikTok simulator into a BigQuery emulator (`BIGQUERY_EMULATOR_HOST`).
enum BigQueryHarness {
    /// The emulator URL, e.g. http://127.0.0.1:9050; nil when the emulator tests cannot run.
    /// Start one with `export BIGQUERY_EMULATOR_HOST="$(scripts/bqemulator.sh start)"` (what `.ci/run` does).
    static let emulatorURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["BIGQUERY_EMULATOR_HOST"], !url.isEmpty else {
            print("BigQuery emulator tests skipped: BIGQUERY_EMULATOR_HOST is not set. Run them with: export BIGQUERY_EMULATOR_HOST=\"$(scripts/bqemulator.sh start)\"; swift test --filter BigQueryTests")
            return nil
        }
        return url
    }()

    static let skipMessage: Comment = "needs a BigQuery emulator: export BIGQUERY_EMULATOR_HOST=\"$(scripts/bqemulator.sh start)\""

    static let now = Date(timeIntervalSince1970: 1_773_576_000)  // 2026-03-15 12:00 UTC
    static let project = "test-proj"

    static func logger() -> Logger {
        var logger = Logger(label: "bigquery-test")
        logger.logLevel = .critical
        return logger
    }

    static func newDataset(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func destination(dataset: String, location: String? = "US", create: Bool = true,
                            faultHook: (@Sendable (BigQueryDestination.Step, String) async throws -> Void)? = nil,
                            resumableThreshold: Int = 5 << 20) throws -> BigQueryDestination {
        let configuration = BigQueryConfiguration(
            project: project, dataset: dataset, location: location, createDatasetIfMissing: create,
            resumableThreshold: resumableThreshold, uploadChunkSize: 256 << 10,
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50)),
            pollInterval: .milliseconds(20))
        return try BigQueryDestination.open(configuration: configuration, logger: logger(), faultHook: faultHook)
    }

    static func simulatorOptions(advertisers: Int = 2) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.seed = 11
        options.advertisers = advertisers
        options.unauthorizedAdvertisers = 0
        options.now = now
        return options
    }

    static func settings(objects: [String], fields: [String: [String]] = [:], startDaysAgo: Int = 12) throws -> SyncSettings {
        let selections = try Catalog.resolve(objects).map { ObjectSelection(object: $0, fields: fields[$0.name]) }
        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        return SyncSettings(advertiserIDs: nil, objects: selections, includeDeleted: false,
                            startDate: today.adding(days: -startDaysAgo), lookbackDays: 3)
    }

    /// One sync into `destination` (closed afterwards).
    static func sync(_ simulator: TikTokSimulator, into destination: BigQueryDestination, settings: SyncSettings,
                     reconciliation: ReconciliationMode = .off) async throws -> RunRecord {
        try await simulator.withRunningServer { url in
            let api = TikTokAPIConfiguration(baseURL: url, accessToken: simulator.options.accessToken,
                                             appID: simulator.options.appId, appSecret: simulator.options.secret,
                                             requestTimeout: .seconds(30),
                                             retryPolicy: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10)))
            var job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, logger: logger(), now: { now })
            job.reconciliation = reconciliation
            defer { Task { await destination.close() } }
            return try await job.run()
        }
    }

    /// Every data table's rows, sorted.
    static func dump(dataset: String, tables: [String]) async throws -> [String: [String]] {
        let destination = try destination(dataset: dataset)
        var result: [String: [String]] = [:]
        for table in tables { result[table] = try await destination.dump(table: table) }
        return result
    }
}
