/// Which rows a ranged read returns: those whose columns equal every `matching` value and whose time field
/// (`TableSchema.timeField`) falls on a local day from `from` through `through`.
public struct RowRange: Sendable, Hashable {
    public var matching: [ColumnValue]
    public var from: LocalDate
    public var through: LocalDate

    public init(matching: [ColumnValue], from: LocalDate, through: LocalDate) {
        self.matching = matching
        self.from = from
        self.through = through
    }

    /// Whether a row (values in `schema`'s column order) is in the range; a table without a time field has none.
    public func contains(_ row: [Value], of schema: TableSchema) -> Bool {
        guard let time = schema.timeField, let timeIndex = schema.index(of: time),
              let day = row[timeIndex].text.flatMap({ LocalDate($0.prefix(10)) }), from <= day, day <= through else { return false }
        return matching.allSatisfy { pair in
            schema.index(of: pair.column).map { row[$0].text == pair.value.text } ?? false
        }
    }
}

extension Destination {
    /// The rows of a time-series table in `range`, read through `rows(of:)` and filtered here: right for destinations
    /// whose tables are small or that cannot filter on the server. Databases answer it with a query instead.
    public func rows(of schema: TableSchema, in range: RowRange) async throws -> [[Value]] {
        try await rows(of: schema).filter { range.contains($0, of: schema) }
    }
}
