import Foundation
import SyncKit

extension StatusReport {
    /// One run of the run history as `status` and the status page show it.
    public struct RunSummary: Sendable, Encodable {
        public var runID: String
        public var startedAt: Date
        public var endedAt: Date?
        public var status: String
        public var rows: Int
        public var requests: Int
        public var skippedAdvertisers: Int
        public var errors: [String]
        /// Seconds from start to end; absent while running.
        public var durationSeconds: Double?
        /// The skipped advertisers' ids (their reasons are the streams' `last_error`).
        public var skippedAdvertiserIDs: [String] = []
        /// Rate-limit answers over every endpoint family.
        public var rateLimitedAnswers: Int = 0
        /// Per endpoint family: the pace the run settled on (absent: never limited) and its answers.
        public var pacing: [EndpointPacing] = []

        init(_ run: RunRecord) {
            runID = run.id
            startedAt = run.startedAt
            endedAt = run.endedAt
            status = run.status.rawValue
            rows = run.totalRows
            requests = run.totalRequests
            skippedAdvertisers = run.skippedAdvertisers.count
            errors = run.errors
            durationSeconds = run.endedAt.map { ($0.timeIntervalSince(run.startedAt) * 1000).rounded() / 1000 }
            skippedAdvertiserIDs = run.skippedAdvertisers.keys.sorted()
            rateLimitedAnswers = run.pacing.reduce(0) { $0 + $1.rateLimitedAnswers }
            pacing = run.pacing
        }
    }
}
