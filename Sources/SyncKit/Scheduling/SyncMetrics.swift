import Foundation

/// What the scheduler has done, as Prometheus metrics and a health verdict.
public final class SyncMetrics: Sendable {
    private struct State {
        var objects: [String: ObjectStatistics] = [:]
        var runs: [RunStatus: Int] = [:]
        var skippedTicks = 0
        var lastDuration: Double?
        var lastSuccess: Date?
    }

    private let state = Protected(State())
    public let interval: Duration
    public let started: Date

    public init(interval: Duration, started: Date = Date()) {
        self.interval = interval
        self.started = started
    }

    /// Adds a finished run. `endedAt`: when it ended on the wall clock, for health and the last-success timestamp (a run
    /// told another "now" keeps its own times in the record); nil uses the record's end.
    public func record(_ run: RunRecord, endedAt wallClockEnd: Date? = nil) {
        state.withLock { s in
            for (object, stats) in run.objects {
                var total = s.objects[object, default: ObjectStatistics()]
                total.rows += stats.rows
                total.requests += stats.requests
                total.retries += stats.retries
                total.errors += stats.errors
                s.objects[object] = total
            }
            s.runs[run.status, default: 0] += 1
            if let ended = run.endedAt { s.lastDuration = ended.timeIntervalSince(run.startedAt) }
            if run.status == .succeeded || run.status == .partial { s.lastSuccess = wallClockEnd ?? run.endedAt ?? Date() }
        }
    }

    public func recordFailure() {
        state.withLock { $0.runs[.failed, default: 0] += 1 }
    }

    public func recordSkippedTick() {
        state.withLock { $0.skippedTicks += 1 }
    }

    /// Healthy while the last success (or the start, before any) is less than twice the interval old.
    public func isHealthy(now: Date = Date()) -> Bool {
        let reference = state.withLock { $0.lastSuccess } ?? started
        return now.timeIntervalSince(reference) < 2 * interval.seconds
    }

    /// The Prometheus text exposition format.
    public func render() -> String {
        let s = state.value
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        let objects = s.objects.sorted { $0.key < $1.key }
        family("tiktok_ads_rows_total", "counter", "Rows written, per object.", objects.map { ("{object=\"\($0.key)\"}", "\($0.value.rows)") })
        family("tiktok_ads_requests_total", "counter", "TikTok API requests, per object.", objects.map { ("{object=\"\($0.key)\"}", "\($0.value.requests)") })
        family("tiktok_ads_retries_total", "counter", "Retried TikTok API requests, per object.", objects.map { ("{object=\"\($0.key)\"}", "\($0.value.retries)") })
        family("tiktok_ads_errors_total", "counter", "Streams that failed, per object.", objects.map { ("{object=\"\($0.key)\"}", "\($0.value.errors)") })
        family("tiktok_ads_runs_total", "counter", "Runs, by final status.",
               s.runs.sorted { $0.key.rawValue < $1.key.rawValue }.map { ("{status=\"\($0.key.rawValue)\"}", "\($0.value)") })
        family("tiktok_ads_skipped_ticks_total", "counter", "Schedule ticks skipped because a run was in progress.", [("", "\(s.skippedTicks)")])
        if let duration = s.lastDuration {
            family("tiktok_ads_last_run_duration_seconds", "gauge", "Duration of the last run.", [("", String(format: "%.3f", duration))])
        }
        if let success = s.lastSuccess {
            family("tiktok_ads_last_success_timestamp_seconds", "gauge", "When the last successful run ended (Unix time).",
                   [("", String(format: "%.0f", success.timeIntervalSince1970))])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
