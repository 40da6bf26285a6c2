import Foundation
import SyncKit

/// Where and how the BigQuery destination writes: project, dataset, location, endpoints and tuning.
public struct BigQueryConfiguration: Sendable {
    public var project: String
    public var dataset: String
    /// The dataset's location (`US`, `EU`, `europe-west1`…); nil adopts the dataset's own.
    public var location: String?
    /// Up to the host, e.g. `https://bigquery.googleapis.com` or an emulator's `http://127.0.0.1:9050`.
    public var apiBaseURL: String
    /// The upload host (the same as `apiBaseURL` on Google and on emulators).
    public var uploadBaseURL: String
    /// True when pointing at an emulator: no authentication.
    public var isEmulator: Bool
    /// Creates the dataset when it is missing (otherwise a missing dataset is an error that says how to create it).
    public var createDatasetIfMissing: Bool
    /// Payloads above this many bytes use a resumable upload; below, one multipart request.
    public var resumableThreshold: Int
    /// Resumable upload chunk size (a multiple of 256 KiB).
    public var uploadChunkSize: Int
    /// Retries of HTTP calls (429, 5xx, transport) and of jobs that failed with backendError / rateLimitExceeded.
    public var retryPolicy: RetryPolicy
    /// How long an orphaned staging table lives before BigQuery drops it.
    public var stagingExpiration: TimeInterval
    /// The wait before the first `jobs.get` poll of a job that is not DONE; it doubles after each poll up to `maxPollInterval`.
    public var pollInterval: Duration
    /// The longest wait between two `jobs.get` polls.
    public var maxPollInterval: Duration
    /// How long a job may stay PENDING/RUNNING before the run gives up on it (BigQuery's own limit is 6 hours).
    public var jobTimeout: Duration
    public var requestTimeout: Duration
    /// Every wait (retry backoff, job polling) and the job timeout go by this clock; tests inject a virtual one.
    public var clock: any Clock<Duration>

    public static let googleBaseURL = "https://bigquery.googleapis.com"

    public init(project: String, dataset: String, location: String? = nil, apiBaseURL: String? = nil,
                uploadBaseURL: String? = nil, createDatasetIfMissing: Bool = false,
                resumableThreshold: Int = 5 << 20, uploadChunkSize: Int = 8 << 20,
                retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 6, baseDelay: .seconds(1), maxDelay: .seconds(32)),
                stagingExpiration: TimeInterval = 86_400, pollInterval: Duration = .milliseconds(500),
                maxPollInterval: Duration = .seconds(10), jobTimeout: Duration = .seconds(6 * 3600),
                requestTimeout: Duration = .seconds(300),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: any Clock<Duration> = ContinuousClock()) {
        self.project = project
        self.dataset = dataset
        self.location = location
        let emulator = environment["BIGQUERY_EMULATOR_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        let base = apiBaseURL ?? emulator.map(Self.normalizedEmulatorURL) ?? Self.googleBaseURL
        self.apiBaseURL = Self.trimmed(base)
        self.uploadBaseURL = Self.trimmed(uploadBaseURL ?? base)
        self.isEmulator = apiBaseURL == nil && emulator != nil
        self.createDatasetIfMissing = createDatasetIfMissing
        self.resumableThreshold = resumableThreshold
        self.uploadChunkSize = max(256 << 10, uploadChunkSize / (256 << 10) * (256 << 10))
        self.retryPolicy = retryPolicy
        self.stagingExpiration = stagingExpiration
        self.pollInterval = pollInterval
        self.maxPollInterval = max(maxPollInterval, pollInterval)
        self.jobTimeout = jobTimeout
        self.requestTimeout = requestTimeout
        self.clock = clock
    }

    /// `BIGQUERY_EMULATOR_HOST` is a full URL (`http://127.0.0.1:9050`); a bare `host:port` gets `http://`.
    static func normalizedEmulatorURL(_ value: String) -> String {
        value.contains("://") ? value : "http://\(value)"
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Checks the names BigQuery would reject, with messages that say what is allowed.
    public func validate() throws {
        let projectChars = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "-:."))
        if project.isEmpty || project.unicodeScalars.contains(where: { !projectChars.contains($0) }) {
            throw SyncError(.badInput, "BigQuery project '\(project)' is not a project id (lowercase letters, digits and hyphens, e.g. my-project-123).")
        }
        if dataset.isEmpty || dataset.count > 1024 || !BigQuerySQL.isPlainIdentifier(dataset) {
            throw SyncError(.badInput, "BigQuery dataset '\(dataset)' is not a dataset id (letters, digits and underscores only, e.g. tiktok_ads).")
        }
    }
}
