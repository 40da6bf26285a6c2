import Foundation
import SyncKit
import TikTokAds

/// Progress lines on a terminal and the summary table at the end of a run.
public struct ConsoleReporter: Sendable {
    let showProgress: Bool
    /// Plain-text notices (skipped advertisers); in JSON mode the structured log already carries them.
    let showNotices: Bool

    /// - Parameters:
    ///   - quiet: no progress lines.
    ///   - plainText: logs are text for people (JSON logs already carry the notices).
    public init(quiet: Bool, plainText: Bool) {
        showProgress = !quiet && plainText && isatty(STDERR_FILENO) == 1
        showNotices = plainText
    }

    public func progress(_ event: SyncProgress) {
        switch event {
        case .skipped(let advertiser, let reason) where showNotices:
            // Skips are shown even off a terminal: the user must act on them.
            FileHandle.standardError.write(Data("skipped advertiser \(advertiser): \(SecretRedactor.redact(reason))\n".utf8))
        case .finished(let key, let rows) where showProgress:
            FileHandle.standardError.write(Data("  done \(key.object) for \(key.advertiserID): \(rows) rows\n".utf8))
        default:
            break
        }
    }

    /// The end-of-run table: rows, requests, retries and errors per object.
    public static func summary(_ run: RunRecord) -> String {
        var lines: [[String]] = [["object", "rows", "requests", "retries", "errors"]]
        for (object, stats) in run.objects.sorted(by: { $0.key < $1.key }) {
            lines.append([object, "\(stats.rows)", "\(stats.requests)", "\(stats.retries)", "\(stats.errors)"])
        }
        lines.append(["total", "\(run.totalRows)", "\(run.totalRequests)",
                      "\(run.objects.values.reduce(0) { $0 + $1.retries })", "\(run.objects.values.reduce(0) { $0 + $1.errors })"])
        let widths = (0..<5).map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for (index, line) in lines.enumerated() {
            if index == lines.count - 1 { text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            text += line.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
        }
        let seconds = run.endedAt.map { $0.timeIntervalSince(run.startedAt) } ?? 0
        text += "status: \(run.status.rawValue), run \(run.id), \(String(format: "%.1f", seconds)) s\n"
        text += pacingLines(run.pacing)
        text += droppedMetricLines(run)
        for (advertiser, reason) in run.skippedAdvertisers.sorted(by: { $0.key < $1.key }) {
            text += "skipped advertiser \(advertiser): \(reason)\n"
        }
        for error in run.errors { text += "error: \(error)\n" }
        return SecretRedactor.redact(text)
    }

    /// One line per endpoint the API rate limited (or that started from a learned pace): the pace it settled on
    /// and how many answers were rate limits.
    static func pacingLines(_ pacing: [EndpointPacing]) -> String {
        var text = ""
        for endpoint in pacing where endpoint.requestsPerSecond != nil || endpoint.rateLimitedAnswers > 0 {
            let pace = endpoint.requestsPerSecond.map { String(format: "%.1f requests/s", $0) } ?? "unpaced"
            text += "pace \(endpoint.endpoint): settled at \(pace)"
            if let perMinute = endpoint.requestsPerMinute { text += ", at most \(perMinute) a minute" }
            text += "; \(endpoint.rateLimitedAnswers) of \(endpoint.answers) answers were rate limits"
            if endpoint.restrictions > 0 { text += ", \(endpoint.restrictions) restriction\(endpoint.restrictions == 1 ? "" : "s") waited out" }
            text += "\n"
        }
        return text
    }

    /// One line per (object, advertiser) whose report metrics TikTok refused and the run dropped.
    static func droppedMetricLines(_ run: RunRecord) -> String {
        run.droppedMetrics.map { object, advertiser, metrics in
            "dropped metrics \(object) for advertiser \(advertiser): \(metrics.joined(separator: ", ")) (TikTok refuses them; their columns stay, NULL in new rows; docs/retired-metrics.md)\n"
        }.joined()
    }

    /// `state show`: one line per stream, then the last runs.
    public static func stateTable(state: [StreamKey: StreamState], runs: [RunRecord]) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var text = pad("object", 34) + pad("advertiser", 22) + "bookmark    synced at\n"
        for (key, value) in state.sorted(by: { $0.key < $1.key }) {
            text += pad(key.object, 34) + pad(key.advertiserID, 22) + pad(value.bookmark?.description ?? "-", 12) + value.syncedAt.formatted(.iso8601) + "\n"
        }
        if !runs.isEmpty {
            text += "\nlast runs:\n"
            for run in runs {
                text += "  \(run.startedAt.formatted(.iso8601))  \(pad(run.status.rawValue, 11)) rows \(run.totalRows), requests \(run.totalRequests)\n"
            }
        }
        return text
    }

    /// `check`: the token, each advertiser's objects, the unavailable advertisers.
    public static func accessReport(_ report: AccessReport, writableDestination: String?) -> String {
        var text = "token: valid\(report.tokenOwner.map { " (owner \($0))" } ?? "")\n"
        for advertiser in report.permissions {
            text += "advertiser \(advertiser.advertiserID)\(advertiser.name.map { " \"\($0)\"" } ?? ""):\n"
            for (object, problem) in advertiser.results {
                text += "  \(object.padding(toLength: 10, withPad: " ", startingAt: 0)) \(problem.map { "NO: \($0)" } ?? "ok")\n"
            }
            for (object, metrics) in (report.rejectedMetrics[advertiser.advertiserID] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let outcome = report.strictMetrics ? "strict_metrics: a sync fails this stream" : "a sync drops them, NULL in new rows"
                text += "  \(object): TikTok refuses the metrics \(metrics.joined(separator: ", ")) (\(outcome); docs/retired-metrics.md)\n"
            }
        }
        for (id, reason) in report.unavailable.sorted(by: { $0.key < $1.key }) { text += "advertiser \(id): unavailable: \(reason)\n" }
        if let writableDestination { text += "destination \(writableDestination): reachable and writable\n" }
        return SecretRedactor.redact(text)
    }

    /// The demo's closing words: where the data is and a query to try.
    public static func demoNextSteps(sqlite: String, tables: Int) -> String {
        """

        Your data is in \(sqlite) (\(tables) tables). Try:

          sqlite3 \(sqlite) "SELECT c.campaign_name, SUM(i.spend) AS spend, SUM(i.impressions) AS impressions, SUM(i.clicks) AS clicks
            FROM tiktok_ads_ad_insights i JOIN tiktok_ads_campaigns c USING (campaign_id)
            GROUP BY c.campaign_name ORDER BY spend DESC LIMIT 10"
        """
    }
}
