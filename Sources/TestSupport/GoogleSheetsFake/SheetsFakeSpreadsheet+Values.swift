/// How values are rendered in a read (`valueRenderOption`).
package enum SheetsFakeRenderOption: String, Sendable {
    case formattedValue = "FORMATTED_VALUE"
    case unformattedValue = "UNFORMATTED_VALUE"
    case formula = "FORMULA"
}

/// How written values are interpreted (`valueInputOption`).
package enum SheetsFakeInputOption: String, Sendable {
    case raw = "RAW"
    case userEntered = "USER_ENTERED"

    /// Parses the parameter; a missing one is the error Google gives for `INPUT_VALUE_OPTION_UNSPECIFIED`.
    static func parse(_ text: String?) throws(SheetsFakeError) -> SheetsFakeInputOption {
        guard let text, let option = SheetsFakeInputOption(rawValue: text) else {
            throw .invalid("Invalid valueInputOption: \(text ?? "INPUT_VALUE_OPTION_UNSPECIFIED")")
        }
        return option
    }
}

/// The result of one range write, as in an `UpdateValuesResponse`.
struct SheetsFakeUpdate {
    var range: String
    var rows = 0
    var columns = 0
    var cells = 0
    var tab: Int

    func json(spreadsheetId: String) -> SheetsFakeJSON {
        var pairs: [(String, SheetsFakeJSON)] = [("spreadsheetId", .string(spreadsheetId)), ("updatedRange", .string(range))]
        if cells > 0 {
            pairs += [
                ("updatedRows", .number(Double(rows))), ("updatedColumns", .number(Double(columns))),
                ("updatedCells", .number(Double(cells))),
            ]
        }
        return .object(pairs)
    }
}

extension SheetsFakeSpreadsheet {
    /// A `ValueRange` for `range`: trailing empty rows and cells omitted, `values` absent when there are none.
    func read(
        _ text: String, majorDimension: String, render: SheetsFakeRenderOption
    ) throws(SheetsFakeError) -> SheetsFakeJSON {
        let (tab, range) = try resolve(text)
        let (rows, columns) = try readBounds(range, tab: tab)
        let byColumns = majorDimension == "COLUMNS"
        let outer = byColumns ? columns : rows
        let inner = byColumns ? rows : columns
        var result: [[SheetsFakeJSON]] = []
        for o in outer {
            var line: [SheetsFakeJSON] = []
            var lastFilled = -1
            for i in inner {
                let cell = byColumns ? tabs[tab].cell(i, o) : tabs[tab].cell(o, i)
                if let cell {
                    line.append(self.render(cell, tab: tab, option: render, depth: 0))
                    lastFilled = line.count - 1
                } else {
                    line.append(.string(""))
                }
            }
            result.append(Array(line.prefix(lastFilled + 1)))
        }
        while result.last?.isEmpty == true { result.removeLast() }
        var pairs: [(String, SheetsFakeJSON)] = [
            ("range", .string(a1(tab: tab, rows: rows, columns: columns))),
            ("majorDimension", .string(byColumns ? "COLUMNS" : "ROWS")),
        ]
        if !result.isEmpty { pairs.append(("values", .array(result.map { .array($0) }))) }
        return .object(pairs)
    }

    func render(_ cell: SheetsFakeCell, tab: Int, option: SheetsFakeRenderOption, depth: Int) -> SheetsFakeJSON {
        switch (cell, option) {
        case (.formula(let f), .formula): return .string(f)
        case (.formula(let f), _):
            guard let value = evaluate(f, tab: tab, depth: depth) else { return .string("#NAME?") }
            return render(value, tab: tab, option: option, depth: depth + 1)
        case (_, .formattedValue): return .string(cell.formatted)
        default: return cell.json
        }
    }

    /// The fake evaluates only `=<number>` and `=<single cell reference>`; anything else renders as `#NAME?`.
    private func evaluate(_ formula: String, tab: Int, depth: Int) -> SheetsFakeCell? {
        let body = String(formula.dropFirst())
        if let d = Double(body) { return .number(d) }
        guard depth < 10, let ref = SheetsFakeA1Range.parse(body), ref.isSingleCell else { return nil }
        let target = ref.sheetName.flatMap { tabIndex(title: $0) } ?? tab
        return tabs[target].cell(ref.startRow, ref.startColumn) ?? .string("")
    }

    /// Converts a JSON value for a cell; `.some(nil)` clears, `nil` skips (a JSON null leaves the cell as is).
    private func cellValue(
        _ value: SheetsFakeJSON, option: SheetsFakeInputOption, limits: SheetsFakeLimits, position: String
    ) throws(SheetsFakeError) -> SheetsFakeCell?? {
        switch value {
        case .null: return nil
        case .bool(let b): return .some(.bool(b))
        case .number(let d): return .some(.number(d))
        case .string(let s):
            guard s.count <= limits.maxCharactersPerCell else { throw .cellTooLong(limit: limits.maxCharactersPerCell) }
            if s.isEmpty { return .some(nil) }
            return .some(option == .raw ? .string(s) : SheetsFakeCell.userEntered(s))
        case .array, .object:
            throw .invalid("Invalid values\(position): list_value or struct_value is not a valid cell value")
        }
    }

    /// The values of a ValueRange body as rows, transposed when `majorDimension` is COLUMNS.
    private func grid(_ values: SheetsFakeJSON?, majorDimension: String?) throws(SheetsFakeError) -> [[SheetsFakeJSON]] {
        guard let values, !values.isNull else { return [] }
        guard let outer = values.arrayValue else { throw .invalid("Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)") }
        var lines: [[SheetsFakeJSON]] = []
        for line in outer {
            guard let inner = line.arrayValue else { throw .invalid("Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)") }
            lines.append(inner)
        }
        guard majorDimension == "COLUMNS" else { return lines }
        let height = lines.map(\.count).max() ?? 0
        return (0..<height).map { r in lines.map { r < $0.count ? $0[r] : .null } }
    }

    /// Writes one ValueRange (`values.update` / one `data` entry of `values:batchUpdate`).
    mutating func update(
        _ text: String, values: SheetsFakeJSON?, majorDimension: String?, option: SheetsFakeInputOption,
        limits: SheetsFakeLimits
    ) throws(SheetsFakeError) -> SheetsFakeUpdate {
        let (tab, range) = try resolve(text)
        let lines = try grid(values, majorDimension: majorDimension)
        let height = lines.count
        let width = lines.map(\.count).max() ?? 0
        let p = tabs[tab].properties
        if range.hasCells, !range.isSingleCell {
            if let endRow = range.endRow, range.startRow + height - 1 > endRow {
                throw .invalid("Requested writing within range [\(text)], but tried writing to row [\(range.startRow + height)]")
            }
            if let endColumn = range.endColumn, range.startColumn + width - 1 > endColumn {
                throw .invalid(
                    "Requested writing within range [\(text)], but tried writing to column [\(SheetsFakeA1Range.columnLetters(range.startColumn + width - 1))]"
                )
            }
        }
        let row0 = range.startRow
        let column0 = range.startColumn
        guard height > 0, width > 0 else {
            return SheetsFakeUpdate(range: a1(tab: tab, rows: row0..<row0 + 1, columns: column0..<column0 + 1), tab: tab)
        }
        if row0 + height > p.rowCount || column0 + width > p.columnCount {
            let cells = SheetsFakeA1Range.cells(row: row0, column: column0, endRow: row0 + height - 1, endColumn: column0 + width - 1)
            throw .exceedsGrid(title: p.title, cells: cells, tab: p)
        }
        return try write(lines, tab: tab, row: row0, column: column0, option: option, limits: limits)
    }

    /// Writes `lines` at (row, column), which must fit the grid.
    mutating func write(
        _ lines: [[SheetsFakeJSON]], tab: Int, row row0: Int, column column0: Int, option: SheetsFakeInputOption,
        limits: SheetsFakeLimits
    ) throws(SheetsFakeError) -> SheetsFakeUpdate {
        let width = lines.map(\.count).max() ?? 0
        var result = SheetsFakeUpdate(
            range: a1(tab: tab, rows: row0..<row0 + lines.count, columns: column0..<column0 + max(width, 1)), tab: tab)
        for (r, line) in lines.enumerated() {
            var rowTouched = false
            for (c, value) in line.enumerated() {
                guard let cell = try cellValue(value, option: option, limits: limits, position: "[\(r)][\(c)]") else { continue }
                tabs[tab].set(row0 + r, column0 + c, cell)
                result.cells += 1
                rowTouched = true
            }
            if rowTouched { result.rows += 1 }
        }
        result.columns = (0..<width).filter { c in lines.contains { c < $0.count && !$0[c].isNull } }.count
        return result
    }

    /// `values.append`: finds the table in the range and writes after its last row, growing the grid.
    /// Returns the table range (if a table was found) and the update.
    mutating func append(
        _ text: String, values: SheetsFakeJSON?, majorDimension: String?, option: SheetsFakeInputOption, insertRows: Bool,
        limits: SheetsFakeLimits
    ) throws(SheetsFakeError) -> (table: String?, update: SheetsFakeUpdate) {
        let (tab, range) = try resolve(text)
        let lines = try grid(values, majorDimension: majorDimension)
        let p = tabs[tab].properties
        let firstColumn = range.hasCells ? range.startColumn : 0
        let lastColumn = range.hasCells && !range.isSingleCell ? min(range.endColumn ?? p.columnCount - 1, p.columnCount - 1) : p.columnCount - 1
        let searchColumns = firstColumn..<max(firstColumn, lastColumn + 1)
        let firstRow = range.hasCells ? range.startRow : 0
        // The table: the first row with data at or below the range's top, and the rows after it up to the first empty one.
        var tableRows: Range<Int>?
        var r = firstRow
        let lastStored = min(tabs[tab].rows.count, p.rowCount)
        while r < lastStored {
            if tabs[tab].rowHasData(r, columns: searchColumns) {
                let start = r
                while r < lastStored, tabs[tab].rowHasData(r, columns: searchColumns) { r += 1 }
                tableRows = start..<r
                break
            }
            r += 1
        }
        var tableText: String?
        var writeRow = firstRow
        var writeColumn = firstColumn
        if let rows = tableRows {
            let used = searchColumns.filter { c in rows.contains { tabs[tab].cell($0, c) != nil } }
            let columns = (used.first ?? firstColumn)..<((used.last ?? firstColumn) + 1)
            tableText = a1(tab: tab, rows: rows, columns: columns)
            writeRow = rows.upperBound
            writeColumn = columns.lowerBound
        }
        let height = lines.count
        let width = lines.map(\.count).max() ?? 0
        guard height > 0, width > 0 else {
            let update = SheetsFakeUpdate(range: a1(tab: tab, rows: writeRow..<writeRow + 1, columns: writeColumn..<writeColumn + 1), tab: tab)
            return (tableText, update)
        }
        guard writeColumn + width <= SheetsFakeA1Range.maxColumns else {
            throw .invalid("This action would increase the number of columns in the sheet above the limit of \(SheetsFakeA1Range.maxColumns).")
        }
        if insertRows {
            if writeRow > tabs[tab].properties.rowCount {
                tabs[tab].insertRows(at: tabs[tab].properties.rowCount, count: writeRow - tabs[tab].properties.rowCount)
            }
            tabs[tab].insertRows(at: writeRow, count: height)
        } else if writeRow + height > tabs[tab].properties.rowCount {
            tabs[tab].insertRows(at: tabs[tab].properties.rowCount, count: writeRow + height - tabs[tab].properties.rowCount)
        }
        if writeColumn + width > tabs[tab].properties.columnCount {
            tabs[tab].insertColumns(at: tabs[tab].properties.columnCount, count: writeColumn + width - tabs[tab].properties.columnCount)
        }
        let update = try write(lines, tab: tab, row: writeRow, column: writeColumn, option: option, limits: limits)
        return (tableText, update)
    }

    /// `values.clear`: empties the cells of the range (formatting is not modelled) and returns the cleared range.
    mutating func clear(_ text: String) throws(SheetsFakeError) -> String {
        let (tab, range) = try resolve(text)
        let (rows, columns) = try readBounds(range, tab: tab)
        for r in rows where r < tabs[tab].rows.count {
            for c in columns { tabs[tab].set(r, c, nil) }
        }
        return a1(tab: tab, rows: rows, columns: columns)
    }
}
