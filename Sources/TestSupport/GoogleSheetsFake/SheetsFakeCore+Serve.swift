extension SheetsFakeCore {
    /// Runs one admitted request against the spreadsheets.
    static func serve(
        _ state: inout State, route: Route, query: [(String, String)], body bytes: [UInt8]
    ) throws(SheetsFakeError) -> SheetsFakeJSON {
        guard let sheet = state.spreadsheets[route.spreadsheetId] else { throw .notFound() }
        let one = { (name: String) in query.last { $0.0 == name }?.1 }
        let limits = state.options.limits
        var body = SheetsFakeJSON.object([])
        if !bytes.isEmpty {
            do {
                body = try SheetsFakeJSON.parse(bytes)
            } catch {
                throw .invalid("Invalid JSON payload received. Unexpected token.")
            }
        }
        let id = route.spreadsheetId
        switch route.operation {
        case "spreadsheets.get":
            var json = spreadsheetJSON(sheet)
            if let fields = one("fields") {
                guard let mask = SheetsFakeFieldMask.parse(fields) else { throw .invalid("Invalid field selection \(fields)") }
                json = mask.apply(to: json)
            }
            return json
        case "values.get":
            return try sheet.read(
                route.range ?? "", majorDimension: one("majorDimension") ?? "ROWS", render: try renderOption(one("valueRenderOption")))
        case "values.batchGet":
            let render = try renderOption(one("valueRenderOption"))
            let ranges = query.filter { $0.0 == "ranges" }.map(\.1)
            var results: [SheetsFakeJSON] = []
            for range in ranges {
                results.append(try sheet.read(range, majorDimension: one("majorDimension") ?? "ROWS", render: render))
            }
            return .object([("spreadsheetId", .string(id)), ("valueRanges", .array(results))])
        case "spreadsheets.batchUpdate":
            guard let requests = body["requests"]?.arrayValue, !requests.isEmpty else {
                throw .invalid("Must specify at least one request.")
            }
            let replies = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in
                try s.batchUpdate(requests, limits: limits)
            }
            return .object([("spreadsheetId", .string(id)), ("replies", .array(replies))])
        case "values.update":
            let option = try SheetsFakeInputOption.parse(one("valueInputOption"))
            let range = route.range ?? ""
            let update = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in
                try s.update(range, values: body["values"], majorDimension: body["majorDimension"]?.stringValue, option: option, limits: limits)
            }
            return update.json(spreadsheetId: id)
        case "values.batchUpdate":
            let option = try SheetsFakeInputOption.parse(body["valueInputOption"]?.stringValue)
            let data = body["data"]?.arrayValue ?? []
            let updates = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in
                var updates: [SheetsFakeUpdate] = []
                for entry in data {
                    guard let range = entry["range"]?.stringValue else { throw .invalid("Invalid data[\(updates.count)]: range is required.") }
                    updates.append(
                        try s.update(range, values: entry["values"], majorDimension: entry["majorDimension"]?.stringValue, option: option, limits: limits))
                }
                return updates
            }
            let total = { (key: KeyPath<SheetsFakeUpdate, Int>) in SheetsFakeJSON.number(Double(updates.reduce(0) { $0 + $1[keyPath: key] })) }
            return .object([
                ("spreadsheetId", .string(id)), ("totalUpdatedRows", total(\.rows)), ("totalUpdatedColumns", total(\.columns)),
                ("totalUpdatedCells", total(\.cells)),
                ("totalUpdatedSheets", .number(Double(Set(updates.filter { $0.cells > 0 }.map(\.tab)).count))),
                ("responses", .array(updates.map { $0.json(spreadsheetId: id) })),
            ])
        case "values.append":
            let option = try SheetsFakeInputOption.parse(one("valueInputOption"))
            let insert: Bool
            switch one("insertDataOption") ?? "OVERWRITE" {
            case "OVERWRITE": insert = false
            case "INSERT_ROWS": insert = true
            case let other: throw .invalid("Invalid insertDataOption: \(other)")
            }
            let range = route.range ?? ""
            let (table, update) = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in
                try s.append(
                    range, values: body["values"], majorDimension: body["majorDimension"]?.stringValue, option: option,
                    insertRows: insert, limits: limits)
            }
            var pairs: [(String, SheetsFakeJSON)] = [("spreadsheetId", .string(id))]
            if let table { pairs.append(("tableRange", .string(table))) }
            pairs.append(("updates", update.json(spreadsheetId: id)))
            return .object(pairs)
        case "values.clear":
            let range = route.range ?? ""
            let cleared = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in try s.clear(range) }
            return .object([("spreadsheetId", .string(id)), ("clearedRange", .string(cleared))])
        case "values.batchClear":
            let ranges = (body["ranges"]?.arrayValue ?? []).compactMap(\.stringValue)
            let cleared = try mutate(&state, id) { (s: inout SheetsFakeSpreadsheet) throws(SheetsFakeError) in
                var cleared: [String] = []
                for range in ranges { cleared.append(try s.clear(range)) }
                return cleared
            }
            return .object([("spreadsheetId", .string(id)), ("clearedRanges", .array(cleared.map { .string($0) }))])
        default:
            throw .notFound()
        }
    }

    /// Applies `change` to a copy and keeps it only on success and within the cell limit.
    private static func mutate<T>(
        _ state: inout State, _ id: String, _ change: (inout SheetsFakeSpreadsheet) throws(SheetsFakeError) -> T
    ) throws(SheetsFakeError) -> T {
        guard var copy = state.spreadsheets[id] else { throw .notFound() }
        let before = copy.totalCells
        let result = try change(&copy)
        let limit = state.options.limits.maxCellsPerSpreadsheet
        if copy.totalCells > limit, copy.totalCells > before { throw .tooManyCells(limit: limit) }
        state.spreadsheets[id] = copy
        return result
    }

    private static func renderOption(_ text: String?) throws(SheetsFakeError) -> SheetsFakeRenderOption {
        guard let text else { return .formattedValue }
        guard let option = SheetsFakeRenderOption(rawValue: text) else { throw .invalid("Invalid valueRenderOption: \(text)") }
        return option
    }

    static func spreadsheetJSON(_ sheet: SheetsFakeSpreadsheet) -> SheetsFakeJSON {
        .object([
            ("spreadsheetId", .string(sheet.id)),
            (
                "properties",
                .object([
                    ("title", .string(sheet.title)), ("locale", .string("en_US")), ("autoRecalc", .string("ON_CHANGE")),
                    ("timeZone", .string("Etc/GMT")),
                ])
            ),
            ("sheets", .array(sheet.tabs.map { .object([("properties", $0.properties.json)]) })),
            ("spreadsheetUrl", .string("https://docs.google.com/spreadsheets/d/\(sheet.id)/edit")),
        ])
    }
}
