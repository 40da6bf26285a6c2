/// Rows upserted on a key in memory, as a table with a unique key takes them: a row whose key is already there
/// replaces that row in its place, any other is added at the end; of rows sharing a key the last one wins.
public struct KeyedRows<Cell: Hashable> {
    /// The positions of the key's cells in a row.
    public let key: [Int]
    public private(set) var rows: [[Cell]] = []
    private var position: [[Cell]: Int] = [:]

    public init(key: [Int]) { self.key = key }

    /// Adds `row`, or replaces the row with its key by `merge(old, row)` (by default `row` itself).
    public mutating func upsert(_ row: [Cell], merge: (_ old: [Cell], _ new: [Cell]) -> [Cell] = { $1 }) {
        let cells = key.map { row[$0] }
        if let at = position[cells] {
            rows[at] = merge(rows[at], row)
        } else {
            position[cells] = rows.count
            rows.append(row)
        }
    }
}

extension RowBatch {
    /// The rows with only the last of rows sharing a key, in their first one's place (one `INSERT … ON CONFLICT` may
    /// touch a row once; the last row wins, as when rows are upserted one by one).
    public var lastPerKey: [[Value]] {
        guard !schema.key.isEmpty, rows.count > 1 else { return rows }
        var keyed = KeyedRows<Value>(key: schema.key.compactMap(schema.index(of:)))
        for row in rows { keyed.upsert(row) }
        return keyed.rows
    }
}
