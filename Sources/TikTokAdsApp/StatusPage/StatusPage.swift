import Foundation
import SyncKit

/// The status page: server-rendered HTML of a `StatusReport` (the same report as `tiktok-ads status --format json` and
/// `/status.json`), with an inline stylesheet and inline SVG charts; no script, nothing fetched from elsewhere.
public enum StatusPage {
    /// Who serves the page, said in its header.
    public enum Server: Sendable {
        /// `tiktok-ads schedule`: the scheduler is running in this process.
        case schedule
        /// `tiktok-ads serve`: the page only, no schedule running here.
        case serve
    }

    public static func render(_ report: StatusReport, server: Server) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>tiktok-ads status</title><style>\(StatusPageStyle.css)</style></head>
        <body>
        \(header(report, server: server))
        \(FreshnessGridSection.render(report))
        \(RunsSection.render(report))
        \(AdvertiserChartsSection.render(report))
        <footer>Read from the destination at \(HTML.time(report.checkedAt)). The same data as JSON: <a href="status.json">status.json</a>\(server == .schedule ? "; Prometheus metrics: <a href=\"metrics\">metrics</a>" : "").</footer>
        </body></html>

        """
    }

    /// The destination, the verdict, the schedule in words and its next tick.
    static func header(_ report: StatusReport, server: Server) -> String {
        let verdict = report.fresh ? "<span class=\"verdict ok\">Everything is fresh.</span>"
            : report.streams.isEmpty ? "<span class=\"verdict bad\">Nothing has been synced yet.</span>"
            : "<span class=\"verdict bad\">Some streams are not fresh.</span>"
        let running = switch server {
        case .schedule: "running here (tiktok-ads schedule)"
        case .serve: "not running here (tiktok-ads serve shows the destination only)"
        }
        let lastSuccess = report.lastSuccessfulRun.map(HTML.time) ?? "none yet"
        return """
            <header><h1>tiktok-ads status</h1><div class="summary">
            <div>destination <strong>\(HTML.escape(report.destination))</strong></div>
            <div id="verdict">\(verdict)</div>
            <div id="schedule">schedule <strong>\(HTML.escape(report.schedule))</strong>, \(running)</div>
            <div id="next-tick">next tick <strong>\(report.nextTick.map(HTML.time) ?? "none (no schedule given)")</strong></div>
            <div>last successful run <strong>\(lastSuccess)</strong></div>
            </div></header>
            """
    }
}
