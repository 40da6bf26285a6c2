/// One stream of a sync as its source describes it: the table its rows go to and the ordered slices that
/// read them. A source never sees a destination; the engine pulls the pages and decides what commits when.
public struct StreamPlan: Sendable {
    public var key: StreamKey
    public var schema: TableSchema
    /// Read in order; each slice's checkpoint commits only after all of its pages did.
    public var slices: [StreamSlice]
    /// Set when the stream's rows are a snapshot that replaces the previous run's (a lifetime report): once every
    /// slice is committed, the rows of the snapshot's scope that this run did not stamp are deleted.
    public var snapshot: Snapshot?

    public init(key: StreamKey, schema: TableSchema, slices: [StreamSlice], snapshot: Snapshot? = nil) {
        self.key = key
        self.schema = schema
        self.slices = slices
        self.snapshot = snapshot
    }
}

/// A stream whose every run reads the whole of `scope` (e.g. one advertiser's rows) and stamps each row it writes
/// with `stamp` (e.g. `synced_at` = the run's time). Rows of the scope without this run's stamp belong to an earlier
/// snapshot (an entity that is gone, or no longer reported) and are deleted after the new snapshot is committed,
/// never before: a run that fails leaves the previous snapshot whole, and a crash between the commit and the
/// deletion leaves rows the next run deletes.
public struct Snapshot: Sendable, Hashable {
    public var scope: [ColumnValue]
    public var stamp: ColumnValue

    public init(scope: [ColumnValue], stamp: ColumnValue) {
        self.scope = scope
        self.stamp = stamp
    }

    /// The rows an earlier snapshot left.
    public var supersededRows: RowFilter { .superseded(scope: scope, stamp: stamp) }
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
