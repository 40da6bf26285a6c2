/// A job as jobs.insert and jobs.get answer: its reference, state, error and statistics.
/// Members BigQuery sends that the tool does not use are ignored.
struct BigQueryJobResource: Decodable, Sendable {
    struct Status: Decodable, Sendable {
        /// `PENDING`, `RUNNING` or `DONE`.
        var state: String?
        /// Set when a DONE job failed.
        var errorResult: BigQueryErrorProto?
        var errors: [BigQueryErrorProto]?
    }

    struct Statistics: Decodable, Sendable {
        struct Query: Decodable, Sendable {
            var numDmlAffectedRows: BigQueryInt64?
        }

        var query: Query?
    }

    var jobReference: BigQueryJobReference?
    var status: Status?
    var statistics: Statistics?
}

/// `jobReference`: which job, where.
struct BigQueryJobReference: Codable, Sendable {
    var projectId: String?
    var jobId: String?
    var location: String?
}

/// One error of a job or of an HTTP error body (`reason`, `message`).
struct BigQueryErrorProto: Codable, Sendable, Equatable {
    var reason: String?
    var message: String?
}

/// The body of jobs.insert: a deterministic reference and what the job does.
struct BigQueryJobInsert: Encodable, Sendable {
    var jobReference: BigQueryJobReference
    var configuration: BigQueryJobConfiguration
}

/// A job's `configuration`: a query or a load.
struct BigQueryJobConfiguration: Encodable, Sendable {
    struct Query: Encodable, Sendable {
        var query: String
        var useLegacySql = false
        var parameterMode: String?
        var queryParameters: [QueryParameter]?
    }

    struct Load: Encodable, Sendable {
        var destinationTable: BigQueryTableResource.Reference
        var sourceFormat = "NEWLINE_DELIMITED_JSON"
        var writeDisposition = "WRITE_TRUNCATE"
        var createDisposition = "CREATE_IF_NEEDED"
        var schema: BigQueryTableResource.Schema
    }

    var query: Query?
    var load: Load?
}

/// jobs.getQueryResults (`queries/<job>`): one page of a finished query's rows.
struct BigQueryQueryResults: Decodable, Sendable {
    struct Row: Decodable, Sendable {
        var f: [Cell]?
    }

    struct Cell: Decodable, Sendable {
        var v: BigQueryCellText?
    }

    var rows: [Row]?
    var totalRows: BigQueryInt64?
    var pageToken: String?
    var jobComplete: Bool?
    var numDmlAffectedRows: BigQueryInt64?
}

/// A result cell as text: BigQuery sends scalars as strings; a number or boolean (some emulators) becomes its
/// text; null, records and arrays become nil.
struct BigQueryCellText: Decodable, Sendable {
    var text: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let double = try? container.decode(Double.self) {
            text = String(double)
        } else if let bool = try? container.decode(Bool.self) {
            text = String(bool)
        } else {
            text = nil
        }
    }
}

/// An INT64 statistic, which BigQuery sends as a decimal string (some emulators as a number).
struct BigQueryInt64: Decodable, Sendable {
    var value: Int64?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            value = Int64(string)
        } else {
            value = try? container.decode(Int64.self)
        }
    }
}

/// A dataset as datasets.get answers and datasets.insert takes it.
struct BigQueryDatasetResource: Codable, Sendable {
    struct Reference: Codable, Sendable {
        var projectId: String
        var datasetId: String
    }

    var datasetReference: Reference?
    var location: String?
}
