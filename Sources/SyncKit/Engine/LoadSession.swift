/// Where the engine's pages go during one run, by the destination's `LoadScope`: a transaction per page
/// (with the slice's checkpoint in the same transaction), or one transaction for the run that commits the
/// checkpoints of every completed slice at the end, after their rows.
final class LoadSession: Sendable {
    let destination: any Destination
    /// The run's transaction (`.run` scope), nil for `.page` scope.
    private let shared: (any LoadTransaction)?
    /// Checkpoints of slices whose every page is in `shared`.
    private let completed = Protected<[StreamCheckpoint]>([])
    /// Snapshots whose every slice is in `shared`: their earlier rows are deleted after the run's commit.
    private let replaced = Protected<[(schema: TableSchema, snapshot: Snapshot)]>([])

    private init(destination: any Destination, shared: (any LoadTransaction)?) {
        self.destination = destination
        self.shared = shared
    }

    static func start(_ destination: any Destination) async throws -> LoadSession {
        switch destination.loadScope {
        case .page: LoadSession(destination: destination, shared: nil)
        case .run: LoadSession(destination: destination, shared: try await destination.begin())
        }
    }

    /// Loads one page; `checkpoint` (its slice's, when this is the slice's last page) commits with it or after it.
    func load(_ batch: RowBatch, completing checkpoint: StreamCheckpoint?) async throws {
        if let shared {
            if !batch.isEmpty { try await shared.write(batch) }
            if let checkpoint { completed.withLock { $0.append(checkpoint) } }
            return
        }
        guard !batch.isEmpty || checkpoint != nil else { return }
        try await destination.loadPage(batch, checkpoint: checkpoint)
    }

    /// Called once every slice of a snapshot stream is loaded: deletes the earlier snapshot's rows now that the new
    /// one is committed (`.page` scope), or after the run's commit (`.run` scope).
    func completed(_ snapshot: Snapshot, of schema: TableSchema) async throws {
        if shared != nil {
            replaced.withLock { $0.append((schema, snapshot)) }
            return
        }
        try await retire(snapshot, of: schema)
    }

    private func retire(_ snapshot: Snapshot, of schema: TableSchema) async throws {
        do {
            _ = try await destination.deleteRows(of: schema, where: snapshot.supersededRows)
        } catch {
            throw SyncError(.destination, "Could not remove the earlier snapshot's rows of \(schema.name) from \(destination.displayName); the new rows are committed, and the next run removes the old ones.", cause: error)
        }
    }

    /// Ends the run's transaction: commits it with every completed slice's checkpoint, then deletes the rows the
    /// run's snapshots superseded; or discards it.
    func end(committing: Bool) async throws {
        guard let shared else { return }
        guard committing else {
            await shared.rollback()
            return
        }
        let checkpoints = completed.value
        do {
            try await shared.commit(checkpoints: checkpoints.isEmpty ? [] : [StateStore.batch(checkpoints)])
        } catch {
            throw SyncError(.destination, "Could not commit the run's rows to \(destination.displayName).", cause: error)
        }
        for (schema, snapshot) in replaced.value { try await retire(snapshot, of: schema) }
    }
}

extension Destination {
    /// One page in its own transaction, with its slice's checkpoint when given (`.page` scope): begin, write,
    /// commit; rolled back on failure. A slice's last page is written even when empty, so the transaction knows
    /// which table the checkpoint completes (the files destination publishes an entity listing then).
    public func loadPage(_ batch: RowBatch, checkpoint: StreamCheckpoint? = nil) async throws {
        let transaction = try await begin()
        do {
            if !batch.isEmpty || checkpoint != nil { try await transaction.write(batch) }
            try await transaction.commit(checkpoints: checkpoint.map { [StateStore.batch([$0])] } ?? [])
        } catch {
            await transaction.rollback()
            throw error
        }
    }
}
