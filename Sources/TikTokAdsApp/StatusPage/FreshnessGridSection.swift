import Foundation
import SyncKit

/// The freshness grid: objects × advertisers (one column per advertiser, one row per object: objects outnumber
/// advertisers on most accounts), each cell coloured by its state (fresh, late, failing; "none" where the object was
/// never synced for the advertiser), the last error on hover (`title`) and, with its advice, in a details row per
/// advertiser below the grid.
enum FreshnessGridSection {
    static func render(_ report: StatusReport) -> String {
        let objects = Array(Set(report.streams.map(\.object)).subtracting(["-"])).sorted()
        let rows = objects.isEmpty ? ["-"] : objects
        var advertisers: [String] = []
        for stream in report.streams where !advertisers.contains(stream.advertiserID) { advertisers.append(stream.advertiserID) }
        var html = "<section id=\"freshness\"><h2>Freshness</h2>"
        guard !advertisers.isEmpty else {
            return html + "<p class=\"empty\">Nothing has been synced into this destination yet.</p></section>"
        }
        html += "<p class=\"legend\"><span class=\"cell fresh\">fresh</span> committed within \(HTML.escape(StatusReport.age(report.freshWithinSeconds))) "
            + "<span class=\"cell late\">late</span> no commit within that time "
            + "<span class=\"cell failing\">failing</span> the last run failed for it (reason below)</p>"
        html += "<div class=\"scroll\"><table class=\"grid\"><thead><tr><th>object</th>"
        for advertiser in advertisers {
            html += "<th data-advertiser=\"\(HTML.escape(advertiser))\">\(advertiserLabel(advertiser, report))</th>"
        }
        html += "</tr></thead><tbody>"
        let byAdvertiser = Dictionary(grouping: report.streams, by: \.advertiserID)
        for object in rows {
            html += "<tr class=\"object\" data-object=\"\(HTML.escape(object))\"><th>\(HTML.escape(object == "-" ? "every object" : object))</th>"
            for advertiser in advertisers {
                let streams = byAdvertiser[advertiser] ?? []
                html += cell(streams.first { $0.object == object } ?? streams.first { $0.object == "-" }, advertiser: advertiser, object: object)
            }
            html += "</tr>"
        }
        html += "</tbody></table></div>"
        let details = advertisers.map { detailsRow(byAdvertiser[$0] ?? [], advertiser: $0, report: report) }.joined()
        if !details.isEmpty { html += "<h3>Last errors</h3><table class=\"errors\"><tbody>\(details)</tbody></table>" }
        return html + "</section>"
    }

    /// The advertiser's name (when the advertiser table holds it) over its id.
    static func advertiserLabel(_ advertiser: String, _ report: StatusReport) -> String {
        let id = "<span class=\"id\">\(HTML.escape(advertiser))</span>"
        guard let name = report.advertiserNames[advertiser] else { return id }
        return "<span class=\"name\">\(HTML.escape(name))</span><br>" + id
    }

    static func cell(_ stream: StatusReport.Stream?, advertiser: String, object: String) -> String {
        let attributes = "data-advertiser=\"\(HTML.escape(advertiser))\" data-object=\"\(HTML.escape(object))\""
        guard let stream else {
            return "<td class=\"cell none\" \(attributes) data-state=\"none\" title=\"not synced for this advertiser\">not synced</td>"
        }
        var lines = [(stream.object == "-" ? "skipped" : stream.state) + (stream.ageSeconds.map { " · " + StatusReport.age($0) + " ago" } ?? "")]
        var detail: [String] = []
        if let bookmark = stream.bookmark { detail.append("to " + bookmark + (stream.daysBehind.map { $0 > 0 ? " (\($0) d behind)" : "" } ?? "")) }
        if let rows = stream.rows { detail.append(HTML.number(Double(rows)) + " rows") }
        if !detail.isEmpty { lines.append(detail.joined(separator: ", ")) }
        let hover = stream.lastError ?? "last commit \(stream.syncedAt.map(HTML.time) ?? "never")"
        return "<td class=\"cell \(stream.state)\" \(attributes) data-state=\"\(stream.state)\" title=\"\(HTML.escape(hover))\">"
            + lines.map(HTML.escape).joined(separator: " · ") + "</td>"
    }

    /// The advertiser's distinct last errors (each with the advice it carries), and the objects each concerns.
    static func detailsRow(_ streams: [StatusReport.Stream], advertiser: String, report: StatusReport) -> String {
        var errors: [(text: String, objects: [String])] = []
        for stream in streams {
            guard let error = stream.lastError else { continue }
            let object = stream.object == "-" ? "every object" : stream.object
            if let index = errors.firstIndex(where: { $0.text == error }) { errors[index].objects.append(object) } else { errors.append((error, [object])) }
        }
        guard !errors.isEmpty else { return "" }
        let items = errors.map { "<li><span class=\"objects\">\(HTML.escape($0.objects.joined(separator: ", ")))</span>: "
            + "<span class=\"advice\">\(HTML.escape($0.text))</span></li>" }
        return "<tr class=\"details\" data-advertiser=\"\(HTML.escape(advertiser))\"><th>\(advertiserLabel(advertiser, report))</th>"
            + "<td><ul>\(items.joined())</ul></td></tr>"
    }
}
