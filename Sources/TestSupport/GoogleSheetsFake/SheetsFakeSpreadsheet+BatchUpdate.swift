extension SheetsFakeSpreadsheet {
    /// `spreadsheets.batchUpdate`: applies every request to a copy and keeps it only if all succeed (atomic).
    mutating func batchUpdate(_ requests: [SheetsFakeJSON], limits: SheetsFakeLimits) throws(SheetsFakeError) -> [SheetsFakeJSON] {
        var copy = self
        var replies: [SheetsFakeJSON] = []
        for (i, request) in requests.enumerated() {
            guard case .object(let pairs) = request, pairs.count == 1, let (kind, body) = pairs.first else {
                throw .invalid("Invalid requests[\(i)]: exactly one kind of request must be set.")
            }
            do {
                replies.append(try copy.apply(kind: kind, body, index: i))
            } catch {
                let message = error.message
                throw .invalid("Invalid requests[\(i)].\(kind): \(message)")
            }
        }
        if copy.totalCells > limits.maxCellsPerSpreadsheet, copy.totalCells > totalCells {
            throw .tooManyCells(limit: limits.maxCellsPerSpreadsheet)
        }
        self = copy
        return replies
    }

    private mutating func apply(kind: String, _ body: SheetsFakeJSON, index: Int) throws(SheetsFakeError) -> SheetsFakeJSON {
        switch kind {
        case "addSheet": return try addSheet(body["properties"] ?? .object([]))
        case "deleteSheet":
            let tab = try tab(body["sheetId"])
            guard tabs.count > 1 else { throw .invalid("You can't remove all the sheets in a document.") }
            tabs.remove(at: tab)
            reindex()
            if tabs.allSatisfy(\.properties.hidden) { throw .invalid("You can't remove all the visible sheets in a document.") }
        case "updateSheetProperties":
            try updateSheetProperties(body)
        case "appendDimension":
            let tab = try tab(body["sheetId"])
            let rows = try isRows(body["dimension"])
            guard let length = body["length"]?.intValue, length > 0 else { throw .invalid("length must be greater than 0.") }
            if rows {
                tabs[tab].insertRows(at: tabs[tab].properties.rowCount, count: length)
            } else {
                try checkColumns(tabs[tab].properties.columnCount + length)
                tabs[tab].insertColumns(at: tabs[tab].properties.columnCount, count: length)
            }
        case "insertDimension":
            let (tab, rows, span) = try dimensionRange(body["range"])
            let size = rows ? tabs[tab].properties.rowCount : tabs[tab].properties.columnCount
            guard span.lowerBound <= size else {
                throw .invalid("range.startIndex (\(span.lowerBound)) must be less than or equal to the grid size (\(size)).")
            }
            if rows {
                tabs[tab].insertRows(at: span.lowerBound, count: span.count)
            } else {
                try checkColumns(size + span.count)
                tabs[tab].insertColumns(at: span.lowerBound, count: span.count)
            }
        case "deleteDimension":
            let (tab, rows, span) = try dimensionRange(body["range"])
            let p = tabs[tab].properties
            let size = rows ? p.rowCount : p.columnCount
            guard span.upperBound <= size else {
                let cells =
                    rows
                    ? "A\(span.lowerBound + 1):\(SheetsFakeA1Range.columnLetters(p.columnCount - 1))\(span.upperBound)"
                    : "\(SheetsFakeA1Range.columnLetters(span.lowerBound))1:\(SheetsFakeA1Range.columnLetters(span.upperBound - 1))\(p.rowCount)"
                throw SheetsFakeError.exceedsGrid(title: p.title, cells: cells, tab: p)
            }
            guard span.count < size else {
                throw .invalid("You can't delete all the \(rows ? "rows" : "columns") on the sheet.")
            }
            if rows { tabs[tab].deleteRows(span) } else { tabs[tab].deleteColumns(span) }
        default:
            throw .invalid("Unknown request kind \"\(kind)\" (the fake does not model it).")
        }
        return .object([])
    }

    private func tab(_ sheetId: SheetsFakeJSON?) throws(SheetsFakeError) -> Int {
        let id = sheetId?.intValue ?? 0
        guard let tab = tabIndex(sheetId: id) else { throw .invalid("No grid with id: \(id)") }
        return tab
    }

    private func isRows(_ dimension: SheetsFakeJSON?) throws(SheetsFakeError) -> Bool {
        switch dimension?.stringValue {
        case "ROWS": return true
        case "COLUMNS": return false
        default: throw .invalid("dimension must be ROWS or COLUMNS.")
        }
    }

    private func checkColumns(_ count: Int) throws(SheetsFakeError) {
        guard count <= SheetsFakeA1Range.maxColumns else {
            throw .invalid("This action would increase the number of columns in the sheet above the limit of \(SheetsFakeA1Range.maxColumns).")
        }
    }

    /// A `DimensionRange`: 0-based, half-open.
    private func dimensionRange(_ json: SheetsFakeJSON?) throws(SheetsFakeError) -> (Int, Bool, Range<Int>) {
        guard let json, json.isObject else { throw .invalid("range is required.") }
        let tab = try tab(json["sheetId"])
        let rows = try isRows(json["dimension"])
        let start = json["startIndex"]?.intValue ?? 0
        guard let end = json["endIndex"]?.intValue else { throw .invalid("range.endIndex is required.") }
        guard start >= 0, end > start else {
            throw .invalid("range.startIndex (\(start)) must be less than range.endIndex (\(end)) and not negative.")
        }
        return (tab, rows, start..<end)
    }

    private mutating func addSheet(_ props: SheetsFakeJSON) throws(SheetsFakeError) -> SheetsFakeJSON {
        var title = props["title"]?.stringValue ?? ""
        if title.isEmpty {
            var n = tabs.count + 1
            while tabIndex(title: "Sheet\(n)") != nil { n += 1 }
            title = "Sheet\(n)"
        }
        guard tabIndex(title: title) == nil else {
            throw .invalid("A sheet with the name \"\(title)\" already exists. Please enter another name.")
        }
        let sheetId: Int
        if let given = props["sheetId"]?.intValue {
            guard given >= 0, given <= Int(Int32.max) else { throw .invalid("sheetId must be a non-negative int32.") }
            guard tabIndex(sheetId: given) == nil else { throw .invalid("A sheet with the id \(given) already exists.") }
            sheetId = given
        } else {
            sheetId = newSheetId()
        }
        let grid = props["gridProperties"]
        var properties = SheetsFakeSheetProperties(
            sheetId: sheetId, title: title, rowCount: grid?["rowCount"]?.intValue ?? 1000,
            columnCount: grid?["columnCount"]?.intValue ?? 26, frozenRowCount: grid?["frozenRowCount"]?.intValue ?? 0,
            hidden: props["hidden"]?.boolValue ?? false)
        try validate(properties)
        let index = min(max(props["index"]?.intValue ?? tabs.count, 0), tabs.count)
        properties.index = index
        tabs.insert(SheetsFakeTab(properties: properties), at: index)
        reindex()
        guard let added = tabIndex(sheetId: sheetId) else { throw .invalid("internal: added sheet not found") }
        return .object([("addSheet", .object([("properties", tabs[added].properties.json)]))])
    }

    private func validate(_ p: SheetsFakeSheetProperties) throws(SheetsFakeError) {
        guard p.rowCount >= 1, p.columnCount >= 1 else { throw .invalid("A sheet must have at least one row and one column.") }
        try checkColumns(p.columnCount)
        guard p.frozenRowCount >= 0, p.frozenRowCount < p.rowCount else {
            throw .invalid("You can't freeze all visible rows on the sheet.")
        }
    }

    private mutating func updateSheetProperties(_ body: SheetsFakeJSON) throws(SheetsFakeError) {
        let props = body["properties"] ?? .object([])
        let tab = try tab(props["sheetId"])
        guard let fieldsText = body["fields"]?.stringValue, !fieldsText.isEmpty,
            let mask = SheetsFakeFieldMask.parse(fieldsText)
        else {
            throw .invalid("At least one field must be updated, but 'fields' is empty or missing.")
        }
        let all = mask.paths.contains("*")
        var paths = Set(mask.paths)
        if all || paths.contains("gridProperties") {
            paths.formUnion(["gridProperties.rowCount", "gridProperties.columnCount", "gridProperties.frozenRowCount"])
        }
        if all { paths.formUnion(["title", "index", "hidden"]) }
        paths.subtract(["*", "gridProperties", "sheetId"])
        let known: Set<String> = [
            "title", "index", "hidden", "gridProperties.rowCount", "gridProperties.columnCount",
            "gridProperties.frozenRowCount", "gridProperties.frozenColumnCount", "tabColor", "tabColorStyle", "rightToLeft",
        ]
        if let unknown = paths.subtracting(known).sorted().first {
            throw .invalid("Invalid field mask path: \(unknown)")
        }
        var p = tabs[tab].properties
        let grid = props["gridProperties"]
        if paths.contains("title") {
            let title = props["title"]?.stringValue ?? ""
            guard !title.isEmpty else { throw .invalid("A sheet's title must not be empty.") }
            if let other = tabIndex(title: title), other != tab {
                throw .invalid("A sheet with the name \"\(title)\" already exists. Please enter another name.")
            }
            p.title = title
        }
        if paths.contains("hidden") { p.hidden = props["hidden"]?.boolValue ?? false }
        if paths.contains("gridProperties.rowCount") { p.rowCount = grid?["rowCount"]?.intValue ?? 0 }
        if paths.contains("gridProperties.columnCount") { p.columnCount = grid?["columnCount"]?.intValue ?? 0 }
        if paths.contains("gridProperties.frozenRowCount") { p.frozenRowCount = grid?["frozenRowCount"]?.intValue ?? 0 }
        try validate(p)
        tabs[tab].resize(rows: p.rowCount, columns: p.columnCount)
        tabs[tab].properties.title = p.title
        tabs[tab].properties.hidden = p.hidden
        tabs[tab].properties.frozenRowCount = p.frozenRowCount
        if tabs.allSatisfy(\.properties.hidden) { throw .invalid("You can't hide all the sheets in a document.") }
        if paths.contains("index") {
            let moving = tabs.remove(at: tab)
            tabs.insert(moving, at: min(max(props["index"]?.intValue ?? 0, 0), tabs.count))
            reindex()
        }
    }
}
