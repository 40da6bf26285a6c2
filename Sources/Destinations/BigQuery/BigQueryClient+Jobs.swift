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
struct BigQueryJob: @unchecked Sendable {
    var id: String
    var resource: [String: Any]

    var statistics: [String: Any] { resource["statistics"] as? [String: Any] ?? [:] }
    var affectedRows: Int {
        let query = statistics["query"] as? [String: Any]
        return Int(query?["numDmlAffectedRows"] as? String ?? "") ?? (query?["numDmlAffectedRows"] as? Int) ?? 0
    }
}

/// The data a load job uploads.
struct UploadSource: Sendable {
    var path: String
    var size: Int
}

/// A named query parameter.
struct QueryParameter: Sendable {
    var name: String
    var type: String
    var value: String

    var json: [String: Any] {
        ["name": name, "parameterType": ["type": type], "parameterValue": ["value": value]]
    }
}

extension BigQueryClient {
    /// Runs a job to DONE and checks `errorResult`. The job id is deterministic: a 409 on a retried insert
    /// means the job exists, so it is fetched rather than resubmitted. A job that failed with a retryable
    /// reason (`backendError`, `rateLimitExceeded`…) is resubmitted under `<id>_<attempt>` after a backoff;
    /// any other `errorResult` fails with BigQuery's reason and message and the job id.
    func runJob(id base: String, configuration jobConfiguration: [String: Any], upload: UploadSource? = nil,
                what: String) async throws -> BigQueryJob {
        let policy = configuration.retryPolicy
        var attempt = 0
        while true {
            attempt += 1
            let jobID = attempt == 1 ? base : "\(base)_\(attempt)"
            var job = try await insertJob(id: jobID, configuration: jobConfiguration, upload: upload, what: what)
            job = try await waitUntilDone(job, what: what)
            guard let error = (job.resource["status"] as? [String: Any])?["errorResult"] as? [String: Any] else { return job }
            let reason = error["reason"] as? String
            let message = error["message"] as? String ?? "no message"
            let failure = Self.jobFailure(job.id, reason: reason, message: message, what: what, attempts: attempt,
                                          configuration: configuration)
            if failure.code == .transient, attempt < policy.maxAttempts {
                logger.debug("bigquery job retried", metadata: ["bigquery.job": "\(job.id)", "bigquery.reason": "\(reason ?? "")"])
                try await configuration.sleep(policy.delay(afterAttempt: attempt, rateLimited: reason == "rateLimitExceeded"))
                continue
            }
            throw failure
        }
    }

    /// The error of a job whose `status.errorResult` is set: what it was doing, the job id, BigQuery's reason and
    /// message, and what to do.
    static func jobFailure(_ job: String, reason: String?, message: String, what: String, attempts: Int,
                           configuration: BigQueryConfiguration) -> BigQueryError {
        let described = describe(status: reason.map(status(forReason:)) ?? 400, reason: reason, message: message, what: what,
                                 configuration: configuration)
        switch described.code {
        case .transient:
            return BigQueryError(.transient, "BigQuery job \(job) failed \(attempts) time(s) while \(what) (\(reason ?? "no reason")): \(message). Try again later.", reason: reason)
        case .invalid, .notFound:
            var advice = "See the job with `bq show --format=prettyjson -j \(job)`."
            if reason == "invalidQuery" {
                advice = "The statement does not fit the tables in \(configuration.project):\(configuration.dataset); if a table was changed by hand, restore its columns or drop it so the next sync recreates it. " + advice
            }
            return BigQueryError(described.code, "BigQuery job \(job) failed while \(what) (\(reason ?? "no reason")): \(message). \(advice)", reason: reason)
        default:
            return BigQueryError(described.code, "BigQuery job \(job) failed: \(described.message)", reason: reason)
        }
    }

    static func status(forReason reason: String) -> Int {
        switch reason {
        case "notFound": 404
        case "accessDenied": 403
        case "backendError", "internalError": 500
        case "rateLimitExceeded": 429
        default: 400
        }
    }

    private func insertJob(id: String, configuration jobConfiguration: [String: Any], upload: UploadSource?,
                           what: String) async throws -> BigQueryJob {
        var reference: [String: Any] = ["projectId": configuration.project, "jobId": id]
        if let location = configuration.location { reference["location"] = location }
        let resource: [String: Any] = ["jobReference": reference, "configuration": jobConfiguration]
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
        let json = response.json
        // Emulators may ignore the client's job id; poll the one BigQuery reports.
        let actual = (json["jobReference"] as? [String: Any])?["jobId"] as? String ?? id
        return BigQueryJob(id: actual, resource: json)
    }

    private func getJob(_ id: String, what: String) async throws -> [String: Any] {
        var url = "\(projectPath)/jobs/\(id)"
        if let location = configuration.location { url += "?location=\(location)" }
        return try await send(.GET, url, what: what).json
    }

    /// Polls `jobs.get` until the job is DONE: the first poll after `pollInterval`, each next wait doubled up to
    /// `maxPollInterval`; gives up after `jobTimeout` (counting both the clock and the waits asked for, so an
    /// injected sleep that returns at once still ends).
    private func waitUntilDone(_ job: BigQueryJob, what: String) async throws -> BigQueryJob {
        var job = job
        let clock = ContinuousClock()
        let start = clock.now
        var slept = Duration.zero
        var interval = configuration.pollInterval
        var polls = 0
        while true {
            let state = (job.resource["status"] as? [String: Any])?["state"] as? String ?? "UNKNOWN"
            if state == "DONE" { return job }
            let waited = max(clock.now - start, slept)
            if waited >= configuration.jobTimeout {
                throw BigQueryError(.jobTimedOut,
                    "BigQuery job \(job.id) is still \(state) after \(Self.seconds(waited)) s (\(polls) polls) while \(what); it may still finish. Check it with `bq show -j \(job.id)`, then run again (the next run repeats the work without duplicating rows).")
            }
            let pause = min(interval, configuration.jobTimeout - waited)
            try await configuration.sleep(pause)
            slept += pause
            interval = min(interval * 2, configuration.maxPollInterval)
            polls += 1
            job.resource = try await getJob(job.id, what: what)
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    private func multipartUpload(_ resource: [String: Any], _ upload: UploadSource, what: String) async throws -> Response {
        let boundary = "tiktok_ads_\(UUID().uuidString)"
        let metadata = try JSONSerialization.data(withJSONObject: resource)
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
    private func resumableUpload(_ resource: [String: Any], _ upload: UploadSource, what: String) async throws -> Response {
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
        var query: [String: Any] = ["query": sql, "useLegacySql": false]
        if !parameters.isEmpty {
            query["parameterMode"] = "NAMED"
            query["queryParameters"] = parameters.map(\.json)
        }
        return try await runJob(id: jobID, configuration: ["query": query], what: what)
    }

    /// Every row of a finished query's result as optional strings (TIMESTAMPs as int64 microseconds).
    func rows(of job: BigQueryJob, what: String) async throws -> [[String?]] {
        var rows: [[String?]] = []
        var pageToken: String?
        repeat {
            var url = "\(projectPath)/queries/\(job.id)?maxResults=10000&formatOptions.useInt64Timestamp=true"
            if let location = configuration.location { url += "&location=\(location)" }
            if let pageToken { url += "&pageToken=\(pageToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pageToken)" }
            let json = try await send(.GET, url, what: what).json
            for row in json["rows"] as? [[String: Any]] ?? [] {
                rows.append((row["f"] as? [[String: Any]] ?? []).map { cell in
                    switch cell["v"] {
                    case let text as String: text
                    case let number as NSNumber: number.stringValue
                    default: nil
                    }
                })
            }
            pageToken = json["pageToken"] as? String
        } while pageToken != nil
        return rows
    }
}
