/// The status page's stylesheet, inline in the page (nothing is fetched).
enum StatusPageStyle {
    /// Cell and day colours: fresh / matches green, late / explained amber, failing / differs red, none / unchecked grey.
    static let colours = [
        "fresh": "#cfeccf", "late": "#ffe3a3", "failing": "#f6b8b8", "none": "#eeeeee",
        "matches": "#5cb85c", "explained": "#f0ad4e", "differs": "#d9534f", "unchecked": "#dddddd",
    ]

    static var css: String {
        """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1240px;padding:16px 24px;color:#222;background:#fafafa}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:12px 0 2px}
        .summary{display:flex;flex-wrap:wrap;gap:8px 24px;margin:8px 0}.summary div{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:6px 10px}
        .verdict.ok{color:#2e7d32;font-weight:600}.verdict.bad{color:#b71c1c;font-weight:600}
        table{border-collapse:collapse;background:#fff}th,td{border:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
        td.num{text-align:right}.id{color:#666;font-family:ui-monospace,monospace;font-size:12px}
        .cell{font-size:12px;border-radius:3px;padding:2px 6px;white-space:nowrap}.scroll{overflow-x:auto}
        table.grid th{font-size:12px}table.grid td.cell{min-width:120px}
        .cell.fresh{background:\(colours["fresh"]!)}.cell.late{background:\(colours["late"]!)}.cell.failing{background:\(colours["failing"]!)}.cell.none{background:\(colours["none"]!);color:#777}
        tr.details td{background:#fff7f7;font-size:12px}tr.details ul{margin:0;padding-left:18px}.advice{white-space:pre-wrap}
        tr.run.failed .status,tr.run.interrupted .status{color:#b71c1c;font-weight:600}tr.run.partial .status{color:#a05a00;font-weight:600}tr.run.succeeded .status{color:#2e7d32}
        .charts{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0}
        svg.chart{background:#fff;border:1px solid #e3e3e3;border-radius:4px}svg.chart .axis{stroke:#ccc}svg.chart .line{fill:none;stroke:#3b6fb6;stroke-width:1.5}
        svg.chart .point{fill:#3b6fb6}svg.chart .scale{font-size:10px;fill:#666}
        svg.reconciliation rect.matches{fill:\(colours["matches"]!)}svg.reconciliation rect.explained{fill:\(colours["explained"]!)}
        svg.reconciliation rect.differs{fill:\(colours["differs"]!)}svg.reconciliation rect.unchecked{fill:\(colours["unchecked"]!)}
        .reconciliation-row{display:flex;gap:8px;align-items:center;font-size:12px}.note{color:#666;font-size:12px;margin:0}
        .legend{font-size:12px}.empty{color:#666}footer{margin-top:24px;color:#888;font-size:12px}
        """
    }
}
