import SyncKit

extension RowDecoder {
    /// The rows of a page's items, in order: each the row `row(_:)` makes of the parsed item. Items left as the
    /// answer's bytes are read straight into rows, without a `JSONValue` per item (most of a sync's CPU went there).
    func rows(of page: ListingPage) throws(JSONParseError) -> [[Value]] {
        switch page.storage {
        case .parsed(let items):
            return items.map(row)
        case .raw(let list):
            guard !namesAReportPart else { return list.elements().map(row) }
            var scanner = RowScanner(decoder: self)
            return try scanner.rows(of: list)
        }
    }
}

/// Reads items (objects) from a `RawJSONArray` into rows with `RowDecoder`'s rules: a report item's `dimensions`
/// then `metrics` (the first member of each name, when it is an object), else the item's own members; a later
/// member of the same column wins; unknown members are skipped.
private struct RowScanner {
    let decoder: RowDecoder
    /// Items of one page name their members in the same order: each level remembers which column the member at each
    /// position had, so most names are matched by comparing bytes, not by hashing a new string.
    private var itemLevel = ColumnCache()
    private var dimensionsLevel = ColumnCache()
    private var metricsLevel = ColumnCache()

    init(decoder: RowDecoder) { self.decoder = decoder }

    mutating func rows(of list: RawJSONArray) throws(JSONParseError) -> [[Value]] {
        try list.document.withUnsafeBufferPointer { bytes throws(JSONParseError) -> [[Value]] in
            var reader = JSONParser.Reader(bytes: bytes, index: list.range.lowerBound)
            var rows: [[Value]] = []
            rows.reserveCapacity(list.count)
            reader.index += 1  // [
            reader.skipWhitespace()
            if reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "]") { return rows }
            while true {
                reader.skipWhitespace()
                rows.append(try item(&reader, depth: list.depth + 1))
                reader.skipWhitespace()
                guard reader.index < bytes.count else { throw reader.error("unexpected end of data in an array") }
                if bytes[reader.index] == UInt8(ascii: ",") { reader.index += 1; continue }
                if bytes[reader.index] == UInt8(ascii: "]") { return rows }
                throw reader.error("expected ',' or ']'")
            }
        }
    }

    private mutating func item(_ reader: inout JSONParser.Reader, depth: Int) throws(JSONParseError) -> [Value] {
        // One array per row, written in place: a row made from a shared empty one would be copied at its first write.
        var row = [Value](repeating: .null, count: decoder.types.count)
        var sawDimensions = false, sawMetrics = false, isReport = false
        var metricsStart: Int?
        try Self.members(of: &reader) { reader, name, position throws(JSONParseError) in
            let isObject = reader.index < reader.bytes.count && reader.bytes[reader.index] == UInt8(ascii: "{")
            if !sawDimensions, reader.name(name, is: "dimensions") {
                sawDimensions = true
                guard isObject else { return try reader.skipValue(depth: depth + 1) }
                isReport = true
                for column in row.indices { row[column] = .null }  // members read before it do not count in a report item
                try fillObject(&row, reader: &reader, level: \.dimensionsLevel, depth: depth + 2)
            } else if !sawMetrics, reader.name(name, is: "metrics") {
                sawMetrics = true
                if isObject, isReport {
                    try fillObject(&row, reader: &reader, level: \.metricsLevel, depth: depth + 2)
                    return
                }
                // Before the dimensions: read once they are known to be an object (metrics are applied after them).
                if isObject, !sawDimensions { metricsStart = reader.index }
                try reader.skipValue(depth: depth + 1)
            } else if isReport {
                try reader.skipValue(depth: depth + 1)
            } else {
                try fill(&row, reader: &reader, name: name, position: position, level: \.itemLevel, depth: depth + 1)
            }
        }
        if isReport, let metricsStart {
            let end = reader.index
            reader.index = metricsStart
            try fillObject(&row, reader: &reader, level: \.metricsLevel, depth: depth + 2)
            reader.index = end
        }
        decoder.complete(&row)
        return row
    }

    private mutating func fill(_ row: inout [Value], reader: inout JSONParser.Reader, name: JSONMemberName, position: Int,
                               level: WritableKeyPath<RowScanner, ColumnCache>, depth: Int) throws(JSONParseError) {
        guard let column = self[keyPath: level].column(of: name, at: position, in: reader, from: decoder.columnByAPIName) else {
            return try reader.skipValue(depth: depth)
        }
        row[column] = ValueConversion.value(try reader.parseValue(depth: depth), as: decoder.types[column])
    }

    /// Fills `row` from every member of the object at the reader (a report item's `dimensions` or `metrics`).
    private mutating func fillObject(_ row: inout [Value], reader: inout JSONParser.Reader,
                                     level: WritableKeyPath<RowScanner, ColumnCache>, depth: Int) throws(JSONParseError) {
        try Self.members(of: &reader) { reader, name, position throws(JSONParseError) in
            try fill(&row, reader: &reader, name: name, position: position, level: level, depth: depth)
        }
    }

    /// Calls `body` for each member of the object at the reader, with the reader at the member's value (which
    /// `body` must read or skip).
    private static func members(of reader: inout JSONParser.Reader,
                         _ body: (inout JSONParser.Reader, JSONMemberName, Int) throws(JSONParseError) -> Void) throws(JSONParseError) {
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "{") else { throw reader.error("expected an object") }
        reader.index += 1
        reader.skipWhitespace()
        if reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "}") { reader.index += 1; return }
        var position = 0
        while true {
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else { throw reader.error("expected a member name") }
            let name = try reader.scanMemberName()
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: ":") else { throw reader.error("expected ':'") }
            reader.index += 1
            reader.skipWhitespace()
            try body(&reader, name, position)
            position += 1
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count else { throw reader.error("unexpected end of data in an object") }
            if reader.bytes[reader.index] == UInt8(ascii: ",") { reader.index += 1; continue }
            if reader.bytes[reader.index] == UInt8(ascii: "}") { reader.index += 1; return }
            throw reader.error("expected ',' or '}'")
        }
    }
}

/// The column of the member at each position of the last object read at one level, by the member's name bytes.
private struct ColumnCache {
    private var names: [[UInt8]] = []
    private var columns: [Int?] = []

    mutating func column(of name: JSONMemberName, at position: Int, in reader: JSONParser.Reader, from columnByName: [String: Int]) -> Int? {
        guard case .plain(let range) = name else { return columnByName[reader.text(of: name)] }
        if position < names.count, Self.equal(names[position], reader.bytes, range) { return columns[position] }
        let column = columnByName[reader.text(of: name)]
        let bytes = Array(UnsafeBufferPointer(rebasing: reader.bytes[range]))
        if position < names.count {
            names[position] = bytes
            columns[position] = column
        } else if position == names.count {
            names.append(bytes)
            columns.append(column)
        }
        return column
    }

    private static func equal(_ known: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard known.count == range.count else { return false }
        var i = range.lowerBound
        for byte in known {
            if bytes[i] != byte { return false }
            i += 1
        }
        return true
    }
}
