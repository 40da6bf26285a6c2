/// The properties of one tab as the Sheets API reports them in `sheets[].properties`.
package struct SheetsFakeSheetProperties: Sendable, Hashable {
    package var sheetId: Int
    package var title: String
    package var index: Int
    package var rowCount: Int
    package var columnCount: Int
    package var frozenRowCount: Int
    package var hidden: Bool

    package init(
        sheetId: Int, title: String, index: Int = 0, rowCount: Int = 1000, columnCount: Int = 26, frozenRowCount: Int = 0,
        hidden: Bool = false
    ) {
        self.sheetId = sheetId
        self.title = title
        self.index = index
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.frozenRowCount = frozenRowCount
        self.hidden = hidden
    }

    /// proto3 JSON: default values (0, false) are omitted, as Google does.
    var json: SheetsFakeJSON {
        var grid: [(String, SheetsFakeJSON)] = [
            ("rowCount", .number(Double(rowCount))), ("columnCount", .number(Double(columnCount))),
        ]
        if frozenRowCount > 0 { grid.append(("frozenRowCount", .number(Double(frozenRowCount)))) }
        var pairs: [(String, SheetsFakeJSON)] = [
            ("sheetId", .number(Double(sheetId))), ("title", .string(title)), ("index", .number(Double(index))),
            ("sheetType", .string("GRID")), ("gridProperties", .object(grid)),
        ]
        if hidden { pairs.append(("hidden", .bool(true))) }
        return .object(pairs)
    }
}

/// One tab: its properties and a sparse grid of values (rows beyond the last stored row are empty).
package struct SheetsFakeTab: Sendable {
    package var properties: SheetsFakeSheetProperties
    /// Stored rows; a row may be shorter than `columnCount`, and rows after the last are empty.
    package var rows: [[SheetsFakeCell?]] = []

    package init(properties: SheetsFakeSheetProperties) {
        self.properties = properties
    }

    package var cellCount: Int { properties.rowCount * properties.columnCount }

    package func cell(_ row: Int, _ column: Int) -> SheetsFakeCell? {
        guard row < rows.count, column < rows[row].count else { return nil }
        return rows[row][column]
    }

    package mutating func set(_ row: Int, _ column: Int, _ value: SheetsFakeCell?) {
        if value == nil, cell(row, column) == nil { return }
        while rows.count <= row { rows.append([]) }
        while rows[row].count <= column { rows[row].append(nil) }
        rows[row][column] = value
    }

    /// True when any cell of `row` in `columns` holds a value.
    func rowHasData(_ row: Int, columns: Range<Int>) -> Bool {
        guard row < rows.count else { return false }
        return columns.contains { cell(row, $0) != nil }
    }

    mutating func insertRows(at index: Int, count: Int) {
        properties.rowCount += count
        if index < rows.count { rows.insert(contentsOf: Array(repeating: [], count: count), at: index) }
    }

    mutating func deleteRows(_ range: Range<Int>) {
        properties.rowCount -= range.count
        let clamped = range.clamped(to: 0..<rows.count)
        rows.removeSubrange(clamped)
        properties.frozenRowCount = min(properties.frozenRowCount, max(0, properties.rowCount - 1))
    }

    mutating func insertColumns(at index: Int, count: Int) {
        properties.columnCount += count
        for r in rows.indices where index < rows[r].count {
            rows[r].insert(contentsOf: Array(repeating: nil, count: count), at: index)
        }
    }

    mutating func deleteColumns(_ range: Range<Int>) {
        properties.columnCount -= range.count
        for r in rows.indices {
            rows[r].removeSubrange(range.clamped(to: 0..<rows[r].count))
        }
    }

    /// Applies a new size, dropping values outside it.
    mutating func resize(rows rowCount: Int, columns columnCount: Int) {
        properties.rowCount = rowCount
        properties.columnCount = columnCount
        if rows.count > rowCount { rows.removeSubrange(rowCount...) }
        for r in rows.indices where rows[r].count > columnCount { rows[r].removeSubrange(columnCount...) }
    }
}
