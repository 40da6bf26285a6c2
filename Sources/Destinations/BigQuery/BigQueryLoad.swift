import Foundation
import SyncKit

/// One run's load into BigQuery: rows are staged per table in local NDJSON files; `commit` loads and
/// MERGEs each table once, then upserts the checkpoints, so state never lands before its rows.
actor BigQueryLoad: LoadTransaction {
    let destination: BigQueryDestination
    let directory: String
    private var files: [String: StagingFile] = [:]

    init(destination: BigQueryDestination, directory: String) {
        self.destination = destination
        self.directory = directory
    }

    func write(_ batch: RowBatch) async throws {
        guard !batch.isEmpty else { return }
        let schema = batch.schema
        do {
            var file: StagingFile
            if let existing = files[schema.name] {
                file = existing
            } else {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                file = try StagingFile(directory: directory, schema: schema)
            }
            try file.append(batch)
            files[schema.name] = file
        } catch {
            throw await destination.destinationError(error, "staging rows of \(schema.name)")
        }
    }

    func commit(checkpoints: [RowBatch]) async throws {
        let staged = files
        files = [:]
        defer { Self.remove(staged, directory: directory) }
        for name in staged.keys.sorted() {
            guard let file = staged[name] else { continue }
            file.close()
            do {
                if file.rows > 0 { try await destination.loadAndMerge(file) }
                try await destination.faultHook?(.afterMerge, name)
            } catch {
                throw await destination.destinationError(error, "loading \(name)")
            }
        }
        for batch in checkpoints where !batch.isEmpty {
            do {
                try await destination.mergeRows(batch)
            } catch {
                throw await destination.destinationError(error, "writing \(batch.schema.name)")
            }
        }
    }

    func rollback() {
        Self.remove(files, directory: directory)
        files = [:]
    }

    private static func remove(_ files: [String: StagingFile], directory: String) {
        for file in files.values { file.remove() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
