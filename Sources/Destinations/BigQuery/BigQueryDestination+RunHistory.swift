import Foundation
import SyncKit

extension BigQueryDestination {
    static let runsSchema = TableSchema(name: runsTable, fields: [
        Field("run_id", .string, "Run id"), Field("started_at", .datetime, "Start (UTC)"), Field("ended_at", .datetime, "End (UTC)"),
        Field("status", .string, "running, succeeded, partial, failed, cancelled or interrupted"), Field("rows", .integer, "Rows written"),
        Field("requests", .integer, "API requests"), Field("objects", .string, "Per-object counters (JSON text)"),
        Field("skipped_advertisers", .string, "Advertiser id -> reason (JSON text)"), Field("errors", .string, "Errors (JSON text)"),
    ], key: ["run_id"])

    public func recordRun(_ run: RunRecord) async throws {
        do {
            try await prepareBookkeeping()
            let parameters = [
                QueryParameter(name: "run_id", type: "STRING", value: run.id),
                QueryParameter(name: "started_at", type: "STRING", value: Self.utcText(run.startedAt)),
                QueryParameter(name: "ended_at", type: "STRING", value: run.endedAt.map(Self.utcText) ?? ""),
                QueryParameter(name: "status", type: "STRING", value: run.status.rawValue),
                QueryParameter(name: "rows", type: "INT64", value: "\(run.totalRows)"),
                QueryParameter(name: "requests", type: "INT64", value: "\(run.totalRequests)"),
                QueryParameter(name: "objects", type: "STRING", value: Self.jsonText(run.objects)),
                QueryParameter(name: "skipped", type: "STRING", value: Self.jsonText(run.skippedAdvertisers)),
                QueryParameter(name: "errors", type: "STRING", value: Self.jsonText(run.errors)),
            ]
            let columns = "run_id, started_at, ended_at, status, rows, requests, objects, skipped_advertisers, errors"
            let sql = """
                MERGE \(qualified(Self.runsTable)) T
                USING (SELECT @run_id AS run_id, CAST(@started_at AS DATETIME) AS started_at,
                              CAST(NULLIF(@ended_at, '') AS DATETIME) AS ended_at, @status AS status, @rows AS rows,
                              @requests AS requests, @objects AS objects, @skipped AS skipped_advertisers, @errors AS errors) S
                ON T.run_id = S.run_id
                WHEN MATCHED THEN UPDATE SET ended_at = S.ended_at, status = S.status, rows = S.rows, requests = S.requests,
                    objects = S.objects, skipped_advertisers = S.skipped_advertisers, errors = S.errors
                WHEN NOT MATCHED THEN INSERT (\(columns)) VALUES (S.run_id, S.started_at, S.ended_at, S.status, S.rows, S.requests,
                    S.objects, S.skipped_advertisers, S.errors)
                """
            count(.query)
            _ = try await client.query(sql, parameters: parameters, jobID: jobID(.query, "runs"), what: "recording the run")
        } catch {
            throw destinationError(error, "recording the run")
        }
    }

    public func recentRuns(limit: Int) async throws -> [RunRecord] {
        do {
            try await prepareBookkeeping()
            count(.query)
            let job = try await client.query("""
                SELECT run_id, CAST(started_at AS STRING), CAST(ended_at AS STRING), status, objects, skipped_advertisers, errors
                FROM \(qualified(Self.runsTable)) ORDER BY started_at DESC LIMIT @limit
                """, parameters: [QueryParameter(name: "limit", type: "INT64", value: "\(max(0, limit))")],
                jobID: jobID(.query, "runs"), what: "reading the run history")
            let decoder = JSONDecoder()
            return try await client.rows(of: job, what: "reading the run history").compactMap { row in
                guard row.count == 7, let id = row[0] else { return nil }
                func decode<T: Decodable>(_ text: String?, as type: T.Type, default value: T) -> T {
                    text.flatMap { try? decoder.decode(T.self, from: Data($0.utf8)) } ?? value
                }
                return RunRecord(id: id, startedAt: row[1].flatMap(Self.parseUTC) ?? Date(timeIntervalSince1970: 0),
                                 endedAt: row[2].flatMap(Self.parseUTC), status: RunStatus(rawValue: row[3] ?? "") ?? .failed,
                                 objects: decode(row[4], as: [String: ObjectStatistics].self, default: [:]),
                                 skippedAdvertisers: decode(row[5], as: [String: String].self, default: [:]),
                                 errors: decode(row[6], as: [String].self, default: []))
            }
        } catch {
            throw destinationError(error, "reading the run history")
        }
    }

    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
