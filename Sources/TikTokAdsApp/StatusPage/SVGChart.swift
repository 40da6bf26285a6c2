import Foundation
import SyncKit

/// A small inline SVG line chart: one `circle.point` per point (with `data-chart`, `data-key` and `data-value`, so tools
/// and tests can count and read them), a polyline through them, the scale's top labelled. No script, no external file.
struct SVGChart {
    /// One value at one horizontal slot (a run, a day).
    struct Point {
        /// What the point stands for: a run id, a date.
        var key: String
        /// Where it sits, 0 ..< `slots`.
        var slot: Int
        var value: Double
        /// Shown on hover, e.g. "2026-03-14: 1,234 impressions".
        var label: String
    }

    /// `data-chart`, e.g. "run-rows" or "spend".
    var name: String
    var title: String
    /// Horizontal positions: runs listed, or days in the window (a slot without a point stays empty).
    var slots: Int
    var points: [Point]
    /// Formats the scale's top value.
    var format: (Double) -> String = { HTML.number($0) }
    var width = 300
    var height = 84

    static let padding = 6.0
    static let labelHeight = 20.0

    /// The chart's x for a slot.
    func x(_ slot: Int) -> Double {
        let usable = Double(width) - 2 * Self.padding
        return slots <= 1 ? Double(width) / 2 : Self.padding + usable * Double(slot) / Double(slots - 1)
    }

    /// The chart's y for a value on a scale from zero to `top`.
    func y(_ value: Double, top: Double) -> Double {
        let bottom = Double(height) - Self.padding
        let usable = bottom - Self.labelHeight
        return bottom - usable * (top > 0 ? max(0, value) / top : 0)
    }

    func render() -> String {
        let top = points.map(\.value).max() ?? 0
        let coordinates = points.map { (point: $0, x: x($0.slot), y: y($0.value, top: top)) }
        var svg = "<svg class=\"chart\" data-chart=\"\(HTML.escape(name))\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        let baseline = Double(height) - Self.padding
        svg += "<line class=\"axis\" x1=\"\(Self.padding)\" y1=\"\(baseline)\" x2=\"\(Double(width) - Self.padding)\" y2=\"\(baseline)\"/>"
        svg += "<text class=\"scale\" x=\"\(Self.padding)\" y=\"11\">\(HTML.escape(title)) · max \(HTML.escape(format(top)))</text>"
        if coordinates.count > 1 {
            let line = coordinates.map { String(format: "%.1f,%.1f", $0.x, $0.y) }.joined(separator: " ")
            svg += "<polyline class=\"line\" points=\"\(line)\"/>"
        }
        for item in coordinates {
            svg += String(format: "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"", item.x, item.y)
                + " data-chart=\"\(HTML.escape(name))\" data-key=\"\(HTML.escape(item.point.key))\" data-value=\"\(item.point.value)\">"
                + "<title>\(HTML.escape(item.point.label))</title></circle>"
        }
        return svg + "</svg>"
    }
}
