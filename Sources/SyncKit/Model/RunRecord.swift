import Foundation

/// How a run ended.
public enum RunStatus: String, Sendable, Codable {
    case running
    case succeeded
    /// Finished, but some advertisers were skipped.
    case partial
    case failed
    /// Stopped on request (SIGTERM/SIGINT) after committing what it had read.
    case cancelled
    /// Left `running` by a process that ended without recording its outcome (SIGKILL, power loss); the next
    /// run, holding the lock, marks it so.
    case interrupted

    /// The process exit code for this outcome (0 ok, 1 failed, cancelled or interrupted, 3 partial).
    public var exitCode: Int32 {
        switch self {
        case .succeeded, .running: 0
        case .failed, .cancelled, .interrupted: 1
        case .partial: 3
        }
    }
}

/// Counters for one object in one run.
public struct ObjectStatistics: Sendable, Codable, Equatable {
    public var rows = 0
    public var requests = 0
    public var retries = 0
    public var errors = 0
    /// Advertiser id -> the report metrics the API refused and the run stopped asking for (their columns stay, NULL in
    /// the rows loaded after); absent when none was. Kept in the run history's `objects` column.
    public var droppedMetrics: [String: [String]]?

    public init(rows: Int = 0, requests: Int = 0, retries: Int = 0, errors: Int = 0, droppedMetrics: [String: [String]]? = nil) {
        self.rows = rows
        self.requests = requests
        self.retries = retries
        self.errors = errors
        self.droppedMetrics = droppedMetrics
    }

    enum CodingKeys: String, CodingKey {
        case rows, requests, retries, errors
        case droppedMetrics = "dropped_metrics"
    }
}

/// The record of one run, as the run history table keeps it.
public struct RunRecord: Sendable, Codable {
    public var id: String
    public var startedAt: Date
    public var endedAt: Date?
    public var status: RunStatus
    public var objects: [String: ObjectStatistics]
    /// Advertiser id -> why it was skipped.
    public var skippedAdvertisers: [String: String]
    public var errors: [String]
    /// What the pacer did per endpoint family (kept in the run history's `pacing` column).
    public var pacing: [EndpointPacing] = []
    /// Which API the data came from when it is not TikTok's production API, e.g. "TikTok's sandbox API" (this run only).
    public var source: String?
    /// The check of report levels against the account totals, when the run made one (this run only; the findings are
    /// kept in `_tiktok_ads_reconciliation`).
    public var reconciliation: ReconciliationOutcome?

    public init(id: String = UUID().uuidString, startedAt: Date, endedAt: Date? = nil, status: RunStatus = .running,
                objects: [String: ObjectStatistics] = [:], skippedAdvertisers: [String: String] = [:], errors: [String] = []) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.objects = objects
        self.skippedAdvertisers = skippedAdvertisers
        self.errors = errors
    }

    public var totalRows: Int { objects.values.reduce(0) { $0 + $1.rows } }
    public var totalRequests: Int { objects.values.reduce(0) { $0 + $1.requests } }

    /// Every metric dropped in this run, by object then advertiser, sorted.
    public var droppedMetrics: [(object: String, advertiserID: String, metrics: [String])] {
        objects.sorted { $0.key < $1.key }.flatMap { object, statistics in
            (statistics.droppedMetrics ?? [:]).sorted { $0.key < $1.key }.map { (object, $0.key, $0.value) }
        }
    }
}
