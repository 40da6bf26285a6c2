import SyncKit

/// Turns API items into rows of one schema: report items (`dimensions` + `metrics`) and flat entity items.
/// Unknown members are ignored, so new API fields never break a sync.
struct RowDecoder: Sendable {
    let schema: TableSchema
    let advertiserID: String
    let columnByAPIName: [String: Int]
    let types: [FieldType]
    private let advertiserColumn: Int?
    private let keyColumns: [Int]
    private let timeColumn: Int?
    /// Columns the stream sets on every row (e.g. a snapshot's `synced_at`), by position.
    private let constants: [(column: Int, value: Value)]
    /// Whether a column takes the name of a report item's parts (`dimensions`, `metrics`): then items are read
    /// parsed, never straight from bytes (`rows(of:)`), which assumes those names are only the parts.
    let namesAReportPart: Bool

    init(schema: TableSchema, object: CatalogObject, advertiserID: String, constants: [ColumnValue] = []) {
        self.schema = schema
        self.advertiserID = advertiserID
        var map: [String: Int] = [:]
        for (index, field) in schema.fields.enumerated() {
            let apiName = object.field(named: field.name)?.apiName ?? field.name
            map[apiName] = index
        }
        columnByAPIName = map
        types = schema.fields.map(\.type)
        advertiserColumn = schema.index(of: "advertiser_id")
        keyColumns = schema.key.compactMap { schema.index(of: $0) }
        timeColumn = schema.timeField.flatMap { schema.index(of: $0) }
        self.constants = constants.compactMap { pair in schema.index(of: pair.column).map { ($0, pair.value) } }
        namesAReportPart = map["dimensions"] != nil || map["metrics"] != nil
    }

    func row(_ item: JSONValue) -> [Value] {
        var row = [Value](repeating: .null, count: types.count)
        if let dimensions = item["dimensions"]?.objectValue {
            fill(&row, from: dimensions)
            if let metrics = item["metrics"]?.objectValue { fill(&row, from: metrics) }
        } else if let members = item.objectValue {
            fill(&row, from: members)
        }
        complete(&row)
        return row
    }

    /// What every row gets after its item is read: the advertiser when the item did not name it, the constants.
    func complete(_ row: inout [Value]) {
        if let advertiserColumn, row[advertiserColumn].isNull { row[advertiserColumn] = .string(advertiserID) }
        for (column, value) in constants { row[column] = value }
    }

    private func fill(_ row: inout [Value], from members: [(String, JSONValue)]) {
        for (name, value) in members {
            guard let column = columnByAPIName[name] else { continue }
            row[column] = ValueConversion.value(value, as: types[column])
        }
    }

    /// The row's key as a `RowKeyDigest`.
    func keyDigest(of row: [Value]) -> RowKeyDigest {
        var first = Hasher(), second = Hasher()
        second.combine(RowKeyDigest.salt)
        for column in keyColumns {
            first.combine(row[column])
            second.combine(row[column])
        }
        return RowKeyDigest(first: first.finalize(), second: second.finalize())
    }

    /// Whether a report row's date lies in the requested window (rows outside it are dropped).
    func isInside(_ row: [Value], _ window: DateWindow) -> Bool {
        guard let timeColumn, let text = row[timeColumn].text, let date = LocalDate(text) else { return true }
        return date >= window.start && date <= window.end
    }
}

/// A row's key as 128 bits: two digests of its values, one of them salted, so independent of each other. A listing's
/// pages remember the keys they returned (rows an offset shift repeats are dropped) as these, 16 bytes a key however
/// long its ids: a window of 276,000 rows kept 32 MB of key arrays and their strings, and about 6 MB as digests.
/// Two different keys share a digest with a chance of about n² / 2¹²⁹, 10⁻²⁷ for a million rows.
struct RowKeyDigest: Hashable, Sendable {
    static let salt: UInt64 = 0x9E37_79B9_7F4A_7C15
    let first: Int
    let second: Int
}
