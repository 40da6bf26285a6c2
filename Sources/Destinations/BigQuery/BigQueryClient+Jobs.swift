import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// The kind of a job, for counting jobs per run.
public enum BigQueryJobKind: String, Sendable, CaseIterable {
    /// A load job into a staging table.
    case load
    /// The MERGE from a staging table into its target.
    case merge
    /// The state table upsert.
    case state
    /// DDL (ALTER TABLE … ADD COLUMN).
    case ddl
    /// Everything else: run history, cleanup DELETEs, reads.
    case query
}

/// A finished, successful job.
struct BigQueryJob: Sendable {
    var id: String
    var resource: BigQueryJobResource

    var state: String { resource.status?.state ?? "UNKNOWN" }
    var affectedRows: Int { resource.statistics?.query?.numDmlAffectedRows?.value.map { Int($0) } ?? 0 }
}

/// The data a load job uploads.
struct UploadSource: Sendable {
    var path: String
    var size: Int
}

/// A named query parameter, encoded as `{"name", "parameterType": {"type"}, "parameterValue": {"value"}}`.
struct QueryParameter: Encodable, Sendable {
    var name: String
    var type: String
    var value: String

    private enum Keys: String, CodingKey { case name, parameterType, parameterValue, type, value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        var parameterType = container.nestedContainer(keyedBy: Keys.self, forKey: .parameterType)
        try parameterType.encode(type, forKey: .type)
        var parameterValue = container.nestedContainer(keyedBy: Keys.self, forKey: .parameterValue)
        try parameterValue.encode(value, forKey: .value)
    }
}

extension BigQueryClient {
    /// Runs a job to DONE and checks `errorResult`. The job id is deterministic: a 409 on a retried insert
    /// means the job exists, so it is fetched rather than resubmitted. A job that failed with a retryable
    /// reason (`backendError`, `rateLimitExceeded`…) is resubmitted under `<id>_<attempt>` after a backoff;
    /// any other `errorResult` fails with BigQuery's reason and message and the job id.
    func runJob(id base: String, configuration jobConfiguration: BigQueryJobConfiguration, upload: UploadSource? = nil,
                what: String) async throws -> BigQueryJob {
        try await retrying(what) { attempt in
            let jobID = attempt == 1 ? base : "\(base)_\(attempt)"
            let inserted = try await insertJob(id: jobID, configuration: jobConfiguration, upload: upload, what: what)
            let job = try await waitUntilDone(inserted, what: what)
            return BigQueryResponseClassifier.classify(job: job.id, errorResult: job.resource.status?.errorResult, attempts: attempt,
                                                       what: what, configuration: configuration).map { job }
        }
    }

    private func insertJob(id: String, configuration jobConfiguration: BigQueryJobConfiguration, upload: UploadSource?,
                           what: String) async throws -> BigQueryJob {
        let resource = BigQueryJobInsert(
            jobReference: BigQueryJobReference(projectId: configuration.project, jobId: id, location: configuration.location),
            configuration: jobConfiguration)
        let response: Response
        if let upload {
            response = upload.size > configuration.resumableThreshold
                ? try await resumableUpload(resource, upload, what: what)
                : try await multipartUpload(resource, upload, what: what)
        } else {
            response = try await send(.POST, "\(projectPath)/jobs", json: resource, what: what)
        }
        if response.status == 409 {
            // Our earlier attempt reached BigQuery: fetch that job instead of submitting it twice.
            return BigQueryJob(id: id, resource: try await getJob(id, what: what))
        }
        let job = try response.decode(BigQueryJobResource.self, what: what)
        // Emulators may ignore the client's job id; poll the one BigQuery reports.
        return BigQueryJob(id: job.jobReference?.jobId ?? id, resource: job)
    }

    private func getJob(_ id: String, what: String) async throws -> BigQueryJobResource {
        var url = "\(projectPath)/jobs/\(id)"
        if let location = configuration.location { url += "?location=\(location)" }
        return try await send(.GET, url, what: what).decode(BigQueryJobResource.self, what: what)
    }

    /// Polls `jobs.get` until the job is DONE: the first poll after `pollInterval`, each next wait doubled up to
    /// `maxPollInterval`; gives up after `jobTimeout` as measured on the configured clock (a virtual clock in tests).
    private func waitUntilDone(_ job: BigQueryJob, what: String) async throws -> BigQueryJob {
        var job = job
        let elapsed = Self.stopwatch(configuration.clock)
        var interval = configuration.pollInterval
        var polls = 0
        while job.state != "DONE" {
            let waited = elapsed()
            if waited >= configuration.jobTimeout {
                throw BigQueryError(.jobTimedOut,
                    "BigQuery job \(job.id) is still \(job.state) after \(Self.seconds(waited)) s (\(polls) polls) while \(what); it may still finish. Check it with `bq show -j \(job.id)`, then run again (the next run repeats the work without duplicating rows).")
            }
            try await configuration.clock.sleep(for: min(interval, configuration.jobTimeout - waited))
            interval = min(interval * 2, configuration.maxPollInterval)
            polls += 1
            job.resource = try await getJob(job.id, what: what)
        }
        return job
    }

    /// The time since this call, on `clock`.
    private static func stopwatch<C: Clock<Duration>>(_ clock: C) -> () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    private func multipartUpload(_ resource: BigQueryJobInsert, _ upload: UploadSource, what: String) async throws -> Response {
        let boundary = "tiktok_ads_\(UUID().uuidString)"
        let metadata = try JSONEncoder().encode(resource)
        let path = upload.path
        return try await send(.POST, "\(uploadPath)/jobs?uploadType=multipart",
                              headers: [("Content-Type", "multipart/related; boundary=\(boundary)")], body: {
            var buffer = ByteBuffer()
            buffer.writeString("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
            buffer.writeBytes(metadata)
            buffer.writeString("\r\n--\(boundary)\r\nContent-Type: application/octet-stream\r\n\r\n")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BigQueryError(.invalid, "The staging file \(path) disappeared before upload.")
            }
            buffer.writeBytes(data)
            buffer.writeString("\r\n--\(boundary)--\r\n")
            return buffer
        }, what: what)
    }

    /// Resumable upload: one POST that opens the session, then PUTs of `uploadChunkSize` bytes (308 = continue).
    private func resumableUpload(_ resource: BigQueryJobInsert, _ upload: UploadSource, what: String) async throws -> Response {
        let start = try await send(.POST, "\(uploadPath)/jobs?uploadType=resumable", json: resource,
                                   headers: [("X-Upload-Content-Type", "application/octet-stream"),
                                             ("X-Upload-Content-Length", "\(upload.size)")], what: what)
        if start.status == 409 { return start }
        guard let location = start.headers.first(name: "Location") else {
            throw BigQueryError(.invalid, "BigQuery opened no resumable upload session while \(what) (no Location header).")
        }
        guard let handle = FileHandle(forReadingAtPath: upload.path) else {
            throw BigQueryError(.invalid, "Cannot read the staging file \(upload.path).")
        }
        defer { try? handle.close() }
        var offset = 0
        while true {
            try handle.seek(toOffset: UInt64(offset))
            let chunk = try handle.read(upToCount: configuration.uploadChunkSize) ?? Data()
            let end = offset + chunk.count
            let range = chunk.isEmpty ? "bytes */\(upload.size)" : "bytes \(offset)-\(end - 1)/\(upload.size)"
            let response = try await send(.PUT, location, headers: [("Content-Range", range)],
                                          body: { ByteBuffer(bytes: chunk) }, what: what)
            if response.status != 308 { return response }
            // The server says which bytes it holds: continue after them.
            if let held = response.headers.first(name: "Range"), let last = held.split(separator: "-").last, let value = Int(last) {
                offset = value + 1
            } else {
                offset = end
            }
            if offset >= upload.size, chunk.isEmpty {
                throw BigQueryError(.invalid, "The resumable upload did not finish while \(what).")
            }
        }
    }

    /// Runs a query job with named parameters.
    func query(_ sql: String, parameters: [QueryParameter] = [], jobID: String, what: String) async throws -> BigQueryJob {
        let query = BigQueryJobConfiguration.Query(query: sql, parameterMode: parameters.isEmpty ? nil : "NAMED",
                                                   queryParameters: parameters.isEmpty ? nil : parameters)
        return try await runJob(id: jobID, configuration: BigQueryJobConfiguration(query: query), what: what)
    }

    /// Every row of a finished query's result as optional strings (TIMESTAMPs as int64 microseconds).
    func rows(of job: BigQueryJob, what: String) async throws -> [[String?]] {
        var rows: [[String?]] = []
        var pageToken: String?
        repeat {
            var url = "\(projectPath)/queries/\(job.id)?maxResults=10000&formatOptions.useInt64Timestamp=true"
            if let location = configuration.location { url += "&location=\(location)" }
            if let pageToken { url += "&pageToken=\(pageToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pageToken)" }
            let page = try await send(.GET, url, what: what).decode(BigQueryQueryResults.self, what: what)
            for row in page.rows ?? [] {
                rows.append((row.f ?? []).map { $0.v?.text })
            }
            pageToken = page.pageToken
        } while pageToken != nil
        return rows
    }
}
