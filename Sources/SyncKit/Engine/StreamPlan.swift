/// One stream of a sync as its source describes it: the table its rows go to and the ordered slices that
/// read them. A source never sees a destination; the engine pulls the pages and decides what commits when.
public struct StreamPlan: Sendable {
    public var key: StreamKey
    public var schema: TableSchema
    /// Read in order; each slice's checkpoint commits only after all of its pages did.
    public var slices: [StreamSlice]

    public init(key: StreamKey, schema: TableSchema, slices: [StreamSlice]) {
        self.key = key
        self.schema = schema
        self.slices = slices
    }
}

/// A unit of reading whose completion moves the stream's state: one report window, one entity listing.
public struct StreamSlice: Sendable {
    /// The stream's state once every page of this slice is committed.
    public var checkpoint: StreamState
    /// Reads the first page; each page says how to read the next.
    public var firstPage: @Sendable () async throws -> SourcePage

    public init(checkpoint: StreamState, firstPage: @escaping @Sendable () async throws -> SourcePage) {
        self.checkpoint = checkpoint
        self.firstPage = firstPage
    }
}

/// One page of rows, in the order of the plan's schema, and how to read the page after it.
public struct SourcePage: Sendable {
    public var rows: [[Value]]
    /// nil when this is the slice's last page.
    public var next: (@Sendable () async throws -> SourcePage)?

    public init(rows: [[Value]], next: (@Sendable () async throws -> SourcePage)?) {
        self.rows = rows
        self.next = next
    }
}
