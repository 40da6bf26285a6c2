import Foundation

/// A parsed A1-notation range: `Sheet!A1:B2`, `Sheet!A:A`, `Sheet!1:2`, `Sheet!A5:A`, `Sheet`, `'It''s'!A1`, or `A1:B2`.
///
/// Rows and columns are 0-based; `end*` are inclusive and `nil` when unbounded (to the end of the grid).
package struct SheetsFakeA1Range: Sendable, Hashable, CustomStringConvertible {
    /// The sheet title, unquoted; `nil` means the first visible sheet.
    package var sheetName: String?
    /// False for a bare sheet name (the whole sheet).
    package var hasCells: Bool
    /// True for one cell without a colon (`A1`): writes use it as an anchor.
    package var isSingleCell: Bool
    package var startRow: Int
    package var startColumn: Int
    package var endRow: Int?
    package var endColumn: Int?

    package init(
        sheetName: String?, hasCells: Bool = true, isSingleCell: Bool = false, startRow: Int = 0, startColumn: Int = 0,
        endRow: Int? = nil, endColumn: Int? = nil
    ) {
        self.sheetName = sheetName
        self.hasCells = hasCells
        self.isSingleCell = isSingleCell
        self.startRow = startRow
        self.startColumn = startColumn
        self.endRow = endRow
        self.endColumn = endColumn
    }

    /// The maximum number of columns in a sheet (column `ZZZ`).
    package static let maxColumns = 18_278

    /// Parses `text`; `nil` when it is not valid A1 notation.
    package static func parse(_ text: String) -> SheetsFakeA1Range? {
        var name: String?
        var cells: Substring?
        if text.hasPrefix("'") {
            var result = ""
            var index = text.index(after: text.startIndex)
            var closed = false
            while index < text.endIndex {
                let c = text[index]
                index = text.index(after: index)
                if c == "'" {
                    if index < text.endIndex, text[index] == "'" {
                        result.append("'")
                        index = text.index(after: index)
                    } else {
                        closed = true
                        break
                    }
                } else {
                    result.append(c)
                }
            }
            guard closed, !result.isEmpty else { return nil }
            name = result
            let rest = text[index...]
            if rest.isEmpty {
                cells = nil
            } else if rest.hasPrefix("!") {
                cells = rest.dropFirst()
            } else {
                return nil
            }
        } else if let bang = text.lastIndex(of: "!") {
            name = String(text[..<bang])
            guard name?.isEmpty == false else { return nil }
            cells = text[text.index(after: bang)...]
        } else {
            if let range = parseCells(Substring(text)) {
                return SheetsFakeA1Range(sheetName: nil, range: range)
            }
            guard !text.isEmpty else { return nil }
            return SheetsFakeA1Range(sheetName: text, hasCells: false)
        }
        guard let cells else { return SheetsFakeA1Range(sheetName: name, hasCells: false) }
        guard let range = parseCells(cells) else { return nil }
        return SheetsFakeA1Range(sheetName: name, range: range)
    }

    private init(sheetName: String?, range: SheetsFakeA1Range) {
        self = range
        self.sheetName = sheetName
    }

    private static func parseCells(_ text: Substring) -> SheetsFakeA1Range? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let ref = parseRef(parts[0]), let row = ref.row, let column = ref.column else { return nil }
            return SheetsFakeA1Range(
                sheetName: nil, isSingleCell: true, startRow: row, startColumn: column, endRow: row, endColumn: column)
        case 2:
            guard let a = parseRef(parts[0]), let b = parseRef(parts[1]) else { return nil }
            // `A:5` and `5:A` mix a column-only with a row-only reference.
            if (a.row == nil && b.column == nil) || (a.column == nil && b.row == nil) { return nil }
            var startRow = a.row ?? 0
            var endRow = b.row
            var startColumn = a.column ?? 0
            var endColumn = b.column
            if let e = endRow, e < startRow { (startRow, endRow) = (e, startRow) }
            if let e = endColumn, e < startColumn { (startColumn, endColumn) = (e, startColumn) }
            return SheetsFakeA1Range(
                sheetName: nil, startRow: startRow, startColumn: startColumn, endRow: endRow, endColumn: endColumn)
        default:
            return nil
        }
    }

    /// `B7` → (row 6, column 1); `B` → (nil, 1); `7` → (6, nil). `$` anchors are ignored.
    private static func parseRef(_ text: Substring) -> (row: Int?, column: Int?)? {
        let t = text.filter { $0 != "$" }
        guard !t.isEmpty else { return nil }
        let letters = t.prefix { $0.isASCII && $0.isLetter }
        let digits = t.dropFirst(letters.count)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var column: Int?
        if !letters.isEmpty {
            guard letters.count <= 3 else { return nil }
            var n = 0
            for scalar in letters.uppercased().unicodeScalars { n = n * 26 + Int(scalar.value - 64) }
            guard n <= maxColumns else { return nil }
            column = n - 1
        }
        var row: Int?
        if !digits.isEmpty {
            guard let n = Int(digits), n >= 1 else { return nil }
            row = n - 1
        }
        return (row, column)
    }

    /// `0` → `A`, `26` → `AA`.
    package static func columnLetters(_ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// A title as Google writes it in a range: plain when it is a simple word, otherwise quoted with `''` escapes.
    package static func quoteIfNeeded(_ title: String) -> String {
        let simple =
            title.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && title.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        if simple, parseCells(Substring(title)) == nil { return title }
        return quote(title)
    }

    /// `Bob's data` → `'Bob''s data'`.
    package static func quote(_ title: String) -> String {
        "'" + title.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `A1:C3` for 0-based inclusive bounds.
    package static func cells(row: Int, column: Int, endRow: Int, endColumn: Int) -> String {
        let a = columnLetters(column) + String(row + 1)
        let b = columnLetters(endColumn) + String(endRow + 1)
        return a == b ? a : a + ":" + b
    }

    package var description: String {
        var s = sheetName.map { Self.quote($0) + (hasCells ? "!" : "") } ?? ""
        guard hasCells else { return s }
        let startCol = Self.columnLetters(startColumn)
        if isSingleCell { return s + startCol + String(startRow + 1) }
        s += startCol + String(startRow + 1) + ":"
        s += endColumn.map { Self.columnLetters($0) } ?? ""
        s += endRow.map { String($0 + 1) } ?? ""
        return s
    }
}
