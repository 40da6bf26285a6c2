import SyncKit

extension Destination {
    /// One load of `batch` with `checkpoint` (as the engine does for a slice's last page): begin, write, commit.
    package func loadOnce(_ batch: RowBatch, checkpoint: StreamCheckpoint? = nil) async throws {
        let load = try await begin()
        do {
            try await load.write(batch)
            try await load.commit(checkpoints: checkpoint.map { [StateStore.batch([$0])] } ?? [])
        } catch {
            await load.rollback()
            throw error
        }
    }
}
