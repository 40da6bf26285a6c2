import Foundation
import SyncKit
import TikTokAds

/// Per advertiser: daily spend, impressions and clicks over the last 30 local days (one point per day the destination
/// holds), and a strip of the same days coloured by their reconciliation with the account totals.
enum AdvertiserChartsSection {
    static func render(_ report: StatusReport) -> String {
        var html = "<section id=\"advertisers\"><h2>Last \(StatusReport.dailyWindow) days per advertiser</h2>"
        guard !report.daily.isEmpty else { return html + "<p class=\"empty\">No advertiser has been synced yet.</p></section>" }
        for series in report.daily {
            let name = report.advertiserNames[series.advertiserID].map { HTML.escape($0) + " " } ?? ""
            html += "<div class=\"advertiser-daily\" data-advertiser=\"\(HTML.escape(series.advertiserID))\">"
            html += "<h3>\(name)<span class=\"id\">\(HTML.escape(series.advertiserID))</span></h3>"
            let first = series.days.first?.date ?? "", last = series.days.last?.date ?? ""
            html += "<p class=\"note\">\(HTML.escape(first)) to \(HTML.escape(last)) (\(HTML.escape(series.timeZone)))"
                + (series.object.map { ", from \(HTML.escape($0))" } ?? ", no daily report synced") + "</p>"
            html += "<div class=\"charts\">" + charts(series).map { $0.render() }.joined() + "</div>"
            html += reconciliationStrip(series, summary: report.reconciliation.first { $0.advertiserID == series.advertiserID })
            html += "</div>"
        }
        return html + "</section>"
    }

    /// Spend, impressions and clicks: one point per day with data, at the day's slot in the window.
    static func charts(_ series: StatusReport.AdvertiserDaily) -> [SVGChart] {
        let days = Array(series.days.enumerated())
        func chart(_ name: String, _ title: String, decimals: Int, _ value: (StatusReport.Day) -> Double?) -> SVGChart {
            let points = days.compactMap { slot, day -> SVGChart.Point? in
                guard day.hasData, let number = value(day) else { return nil }
                return SVGChart.Point(key: day.date, slot: slot, value: number,
                                      label: "\(day.date): \(HTML.number(number, decimals: decimals)) \(name)")
            }
            return SVGChart(name: name, title: title, slots: series.days.count, points: points,
                            format: { HTML.number($0, decimals: decimals) })
        }
        return [
            chart("spend", "Spend", decimals: 2) { $0.spend.map { NSDecimalNumber(decimal: $0).doubleValue } },
            chart("impressions", "Impressions", decimals: 0) { $0.impressions.map(Double.init) },
            chart("clicks", "Clicks", decimals: 0) { $0.clicks.map(Double.init) },
        ]
    }

    /// One square per day: matches, explained, differs, or unchecked; with the advertiser's totals from the table.
    static func reconciliationStrip(_ series: StatusReport.AdvertiserDaily, summary: ReconciliationTable.AdvertiserResult?) -> String {
        let size = 9
        var svg = "<svg class=\"reconciliation\" width=\"\(series.days.count * (size + 1))\" height=\"\(size)\" role=\"img\" "
            + "aria-label=\"reconciliation per day\">"
        for (slot, day) in series.days.enumerated() {
            let verdict = day.reconciliation ?? "unchecked"
            svg += "<rect class=\"day \(HTML.escape(verdict))\" x=\"\(slot * (size + 1))\" y=\"0\" width=\"\(size)\" height=\"\(size)\" "
                + "data-day=\"\(HTML.escape(day.date))\" data-reconciliation=\"\(HTML.escape(verdict))\"><title>\(HTML.escape(day.date)): "
                + "\(HTML.escape(verdict))</title></rect>"
        }
        svg += "</svg>"
        let checked = series.days.filter { $0.reconciliation != nil }
        var words = checked.isEmpty ? "not reconciled on these days"
            : "\(checked.count) day(s) reconciled: \(checked.filter { $0.reconciliation == "matches" }.count) match, "
                + "\(checked.filter { $0.reconciliation == "explained" }.count) differ with a known cause, "
                + "\(checked.filter { $0.reconciliation == "differs" }.count) differ with no known cause"
        if let summary {
            words += "; in all, \(summary.checkedDays) level-day(s) checked, \(summary.differingDays) differ, \(summary.unexplainedDays) with no known cause"
        }
        return "<div class=\"reconciliation-row\"><span class=\"label\">reconciliation</span>\(svg)<span class=\"note\">\(HTML.escape(words))</span></div>"
    }
}
