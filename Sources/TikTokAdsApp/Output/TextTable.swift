/// Rows of cells as aligned text for a terminal: the first `leftAligned` columns padded on the right (names), the
/// others on the left (numbers), two spaces between columns, no trailing spaces; with `ruleBeforeLast`, a line of
/// dashes above the last row (a total).
enum TextTable {
    static func render(_ rows: [[String]], leftAligned: Int, ruleBeforeLast: Bool = false) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        var text = ""
        for (index, row) in rows.enumerated() {
            if ruleBeforeLast, index == rows.count - 1 {
                text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
            let line = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < leftAligned ? cell + padding : padding + cell
            }.joined(separator: "  ")
            text += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        return text
    }
}
