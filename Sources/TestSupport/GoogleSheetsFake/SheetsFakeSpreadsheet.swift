/// One spreadsheet held by the fake: its title and tabs, in index order.
package struct SheetsFakeSpreadsheet: Sendable {
    package var id: String
    package var title: String
    package var tabs: [SheetsFakeTab] = []
    private var idSeed: UInt64

    package init(id: String, title: String) {
        self.id = id
        self.title = title
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        idSeed = h
    }

    /// The sum of all tabs' grid sizes, the figure the 10,000,000-cell limit applies to.
    package var totalCells: Int { tabs.reduce(0) { $0 + $1.cellCount } }

    /// A fresh positive int32 sheet id (deterministic per spreadsheet, as large as Google's).
    mutating func newSheetId() -> Int {
        while true {
            idSeed = idSeed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let candidate = Int((idSeed >> 33) % 2_147_483_646) + 1
            if tabIndex(sheetId: candidate) == nil { return candidate }
        }
    }

    /// Sheet titles are unique regardless of case.
    package func tabIndex(title: String) -> Int? {
        tabs.firstIndex { $0.properties.title == title }
            ?? tabs.firstIndex { $0.properties.title.lowercased() == title.lowercased() }
    }

    package func tabIndex(sheetId: Int) -> Int? {
        tabs.firstIndex { $0.properties.sheetId == sheetId }
    }

    mutating func reindex() {
        for i in tabs.indices { tabs[i].properties.index = i }
    }

    /// Parses an A1 range and finds its tab; 400 "Unable to parse range" when either fails.
    package func resolve(_ text: String) throws(SheetsFakeError) -> (tab: Int, range: SheetsFakeA1Range) {
        guard let range = SheetsFakeA1Range.parse(text) else { throw .unparsableRange(text) }
        if let name = range.sheetName {
            guard let index = tabIndex(title: name) else { throw .unparsableRange(text) }
            return (index, range)
        }
        guard let index = tabs.firstIndex(where: { !$0.properties.hidden }) ?? tabs.indices.first else {
            throw .unparsableRange(text)
        }
        return (index, range)
    }

    /// The rectangle a read or clear covers, clamped to the grid; "exceeds grid limits" if it starts outside.
    func readBounds(_ range: SheetsFakeA1Range, tab: Int) throws(SheetsFakeError) -> (rows: Range<Int>, columns: Range<Int>) {
        let p = tabs[tab].properties
        guard range.hasCells else { return (0..<p.rowCount, 0..<p.columnCount) }
        guard range.startRow < p.rowCount, range.startColumn < p.columnCount else {
            let cells = SheetsFakeA1Range.cells(
                row: range.startRow, column: range.startColumn, endRow: range.endRow ?? range.startRow,
                endColumn: range.endColumn ?? range.startColumn)
            throw .exceedsGrid(title: p.title, cells: cells, tab: p)
        }
        let endRow = min(range.endRow ?? (p.rowCount - 1), p.rowCount - 1)
        let endColumn = min(range.endColumn ?? (p.columnCount - 1), p.columnCount - 1)
        return (range.startRow..<(endRow + 1), range.startColumn..<(endColumn + 1))
    }

    /// `Sheet1!A1:C3` or `'TikTok Ads'!A1:C3`.
    func a1(tab: Int, rows: Range<Int>, columns: Range<Int>) -> String {
        let title = SheetsFakeA1Range.quoteIfNeeded(tabs[tab].properties.title)
        guard !rows.isEmpty, !columns.isEmpty else {
            return title + "!" + SheetsFakeA1Range.cells(row: rows.lowerBound, column: columns.lowerBound, endRow: rows.lowerBound, endColumn: columns.lowerBound)
        }
        return title + "!"
            + SheetsFakeA1Range.cells(
                row: rows.lowerBound, column: columns.lowerBound, endRow: rows.upperBound - 1, endColumn: columns.upperBound - 1)
    }
}
