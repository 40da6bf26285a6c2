/// One unit of work of a sync: reads one object for one advertiser and writes what it reads.
public struct StreamTask: Sendable {
    public var key: StreamKey
    public var schema: TableSchema
    public var run: @Sendable (StreamContext) async throws -> Void

    public init(key: StreamKey, schema: TableSchema, run: @escaping @Sendable (StreamContext) async throws -> Void) {
        self.key = key
        self.schema = schema
        self.run = run
    }
}

/// What a running stream can do: write batches (with their checkpoint) and count its requests.
public struct StreamContext: Sendable {
    public let key: StreamKey
    public let statistics: RunStatistics
    let destination: any Destination
    private let rowsWritten = Protected(0)

    public init(key: StreamKey, statistics: RunStatistics, destination: any Destination) {
        self.key = key
        self.statistics = statistics
        self.destination = destination
    }

    /// Rows this stream has written so far.
    public var rows: Int { rowsWritten.value }

    /// Upserts `batch`; `checkpoint`, if any, commits with it.
    public func write(_ batch: RowBatch, checkpoint: StreamCheckpoint? = nil) async throws {
        guard !batch.isEmpty || checkpoint != nil else { return }
        do {
            try await destination.write(batch, checkpoint: checkpoint)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.destination, "Could not write \(batch.schema.name) to \(destination.displayName).", underlying: "\(error)")
        }
        statistics.add(object: key.object, rows: batch.count)
        rowsWritten.withLock { $0 += batch.count }
    }

    /// Counts API calls made for this stream; `retries` of them were repeats.
    public func countRequests(_ requests: Int, retries: Int) {
        statistics.add(object: key.object, requests: requests, retries: retries)
    }
}
