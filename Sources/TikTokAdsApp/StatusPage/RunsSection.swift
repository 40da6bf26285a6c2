import Foundation
import SyncKit

/// The recent runs: a table (status, duration, rows, requests, rate-limit answers, the pace settled on, skipped
/// advertisers) and two charts, rows and duration, with one point per run (oldest left).
enum RunsSection {
    static func render(_ report: StatusReport) -> String {
        var html = "<section id=\"runs\"><h2>Recent runs</h2>"
        guard !report.runs.isEmpty else { return html + "<p class=\"empty\">No run is recorded yet.</p></section>" }
        html += "<div class=\"charts\">" + charts(report.runs).map { $0.render() }.joined() + "</div>"
        html += "<table class=\"runs\"><thead><tr><th>started</th><th>status</th><th>duration</th><th>rows</th><th>requests</th>"
            + "<th>rate-limit answers</th><th>pace settled on</th><th>skipped advertisers</th></tr></thead><tbody>"
        for run in report.runs {
            html += "<tr class=\"run \(HTML.escape(run.status))\" data-run=\"\(HTML.escape(run.runID))\" data-status=\"\(HTML.escape(run.status))\">"
            html += "<td>\(HTML.time(run.startedAt))</td><td class=\"status\">\(HTML.escape(run.status))</td>"
            html += "<td>\(run.durationSeconds.map(HTML.duration) ?? "running")</td>"
            html += "<td class=\"num\">\(HTML.number(Double(run.rows)))</td><td class=\"num\">\(HTML.number(Double(run.requests)))</td>"
            html += "<td class=\"num\">\(run.rateLimitedAnswers)</td><td>\(HTML.escape(pace(run)))</td>"
            html += "<td>\(run.skippedAdvertiserIDs.isEmpty ? "none" : HTML.escape(run.skippedAdvertiserIDs.joined(separator: ", ")))</td></tr>"
            if !run.errors.isEmpty {
                html += "<tr class=\"details\" data-run=\"\(HTML.escape(run.runID))\"><td colspan=\"8\"><ul>"
                    + run.errors.map { "<li class=\"advice\">\(HTML.escape($0))</li>" }.joined() + "</ul></td></tr>"
            }
        }
        return html + "</tbody></table></section>"
    }

    /// The rows chart and the duration chart, one point per run (a run still going has rows but no duration yet).
    static func charts(_ runs: [StatusReport.RunSummary]) -> [SVGChart] {
        let ordered = Array(runs.reversed())
        let rows = ordered.enumerated().map { slot, run in
            SVGChart.Point(key: run.runID, slot: slot, value: Double(run.rows),
                           label: "\(HTML.time(run.startedAt)) \(run.status): \(HTML.number(Double(run.rows))) rows")
        }
        let durations = ordered.enumerated().compactMap { slot, run in
            run.durationSeconds.map {
                SVGChart.Point(key: run.runID, slot: slot, value: $0, label: "\(HTML.time(run.startedAt)) \(run.status): \(HTML.duration($0))")
            }
        }
        return [SVGChart(name: "run-rows", title: "Rows per run", slots: ordered.count, points: rows),
                SVGChart(name: "run-duration", title: "Duration per run", slots: ordered.count, points: durations, format: HTML.duration)]
    }

    /// "report/integrated/get 4.20/s (60/min)", per endpoint the run paced; "not limited" when none was.
    static func pace(_ run: StatusReport.RunSummary) -> String {
        let paced = run.pacing.filter { $0.requestsPerSecond != nil }
        guard !paced.isEmpty else { return run.pacing.isEmpty ? "-" : "not limited" }
        return paced.map { endpoint in
            endpoint.endpoint + " " + String(format: "%.2f/s", endpoint.requestsPerSecond ?? 0)
                + (endpoint.requestsPerMinute.map { " (\($0)/min)" } ?? "")
        }.joined(separator: "; ")
    }
}
