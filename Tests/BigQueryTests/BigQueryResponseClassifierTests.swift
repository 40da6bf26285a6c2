@testable import Destinations
import SyncKit
import Foundation
import Testing

/// `BigQueryResponseClassifier`: every HTTP answer, transport failure, redirect and job error is decided once,
/// by a pure function, before the shared retry loop acts on it.
struct BigQueryResponseClassifierTests {
    static let configuration = BigQueryConfiguration(project: "p", dataset: "d", location: "US", environment: [:])

    enum Expected: Equatable, CustomStringConvertible {
        case success, retry, rateLimited
        case fail(BigQueryError.Code)

        var description: String {
            switch self {
            case .success: "success"
            case .retry: "retry"
            case .rateLimited: "rateLimited"
            case .fail(let code): "fail(\(code))"
            }
        }
    }

    /// An HTTP error body in BigQuery's format.
    static func error(_ status: Int, _ reason: String, _ message: String) -> [UInt8] {
        Array(#"{"error":{"code":\#(status),"message":"\#(message)","errors":[{"reason":"\#(reason)","message":"\#(message)","domain":"global"}],"status":"X"}}"#.utf8)
    }

    static func check(_ action: BigQueryAction<Void>, _ expected: Expected) {
        switch (action, expected) {
        case (.success, .success): break
        case (.retry(_, let rateLimited, let error), .retry):
            #expect(!rateLimited)
            #expect(error.code == .transient)
        case (.retry(_, let rateLimited, let error), .rateLimited):
            #expect(rateLimited)
            #expect(error.code == .transient)
        case (.fail(let error), .fail(let code)): #expect(error.code == code, "\(error.message)")
        default: Issue.record("got \(action), expected \(expected)")
        }
    }

    @Test(arguments: [
        (200, Array(#"{"kind":"bigquery#job"}"#.utf8), Expected.success),
        (204, [], .success),
        (308, [], .success),  // a resumable upload continues
        (409, error(409, "duplicate", "Already Exists: Job p:US.j"), .success),  // the caller fetches what exists
        (400, error(400, "invalid", "Invalid field name a-b"), .fail(.invalid)),
        (400, error(400, "invalidQuery", "Syntax error: Unexpected end of script at [1:7]"), .fail(.invalid)),
        (400, Array("<html>Bad Request</html>".utf8), .fail(.invalid)),
        (401, error(401, "authError", "Request had invalid authentication credentials."), .fail(.unauthenticated)),
        (403, error(403, "accessDenied", "Access Denied: Dataset p:d: Permission bigquery.tables.create denied"), .fail(.accessDenied)),
        (403, error(403, "rateLimitExceeded", "Exceeded rate limits: too many api requests per user per method"), .rateLimited),
        (403, error(403, "quotaExceeded", "Quota exceeded: Your project exceeded quota for free query bytes scanned"), .fail(.quotaExceeded)),
        (404, error(404, "notFound", "Not found: Dataset p:d"), .fail(.datasetNotFound)),
        (404, error(404, "notFound", "Not found: Table p:d.t"), .fail(.notFound)),
        (404, error(404, "notFound", "Not found: Job p:EU.j in location EU"), .fail(.wrongLocation)),
        (429, [], .rateLimited),
        (429, error(429, "rateLimitExceeded", "Too many requests"), .rateLimited),
        (500, error(500, "internalError", "Internal error encountered."), .retry),
        (502, Array("<html>Bad Gateway</html>".utf8), .retry),
        (503, error(503, "backendError", "The service is currently unavailable."), .retry),
        (400, error(400, "backendError", "Backend error"), .retry),
    ])
    func classifiesEveryHTTPAnswerOnce(_ status: Int, _ body: [UInt8], _ expected: Expected) {
        Self.check(BigQueryResponseClassifier.classify(status: status, body: body, what: "testing", configuration: Self.configuration), expected)
    }

    @Test func transportFailuresAreRetriedAndForeignRedirectsFail() {
        Self.check(BigQueryResponseClassifier.classify(transportError: "timeout", what: "testing", configuration: Self.configuration), .retry)
        let redirect: BigQueryAction<Void> = BigQueryResponseClassifier.classify(
            redirectedFrom: "https://bigquery.googleapis.com/bigquery/v2/projects/p/jobs", to: "https://elsewhere.example/jobs", status: 302,
            what: "testing")
        Self.check(redirect, .fail(.invalid))
        if case .fail(let error) = redirect { #expect(error.message.contains("elsewhere.example")) }
    }

    @Test(arguments: [
        (nil, Expected.success),
        (BigQueryErrorProto(reason: "backendError", message: "Retrying may solve the problem."), .retry),
        (BigQueryErrorProto(reason: "internalError", message: "Internal error."), .retry),
        (BigQueryErrorProto(reason: "rateLimitExceeded", message: "Exceeded rate limits"), .rateLimited),
        (BigQueryErrorProto(reason: "invalidQuery", message: "Unrecognized name: spendd at [1:8]"), .fail(.invalid)),
        (BigQueryErrorProto(reason: "invalid", message: "Error while reading data"), .fail(.invalid)),
        (BigQueryErrorProto(reason: "accessDenied", message: "Access Denied: Table p:d.t"), .fail(.accessDenied)),
        (BigQueryErrorProto(reason: "notFound", message: "Not found: Table p:d.t"), .fail(.notFound)),
        (BigQueryErrorProto(reason: nil, message: nil), .fail(.invalid)),
    ])
    func classifiesEveryJobErrorOnce(_ errorResult: BigQueryErrorProto?, _ expected: Expected) {
        let action = BigQueryResponseClassifier.classify(job: "j", errorResult: errorResult, attempts: 1, what: "testing",
                                                         configuration: Self.configuration)
        Self.check(action, expected)
        if case .fail(let error) = action { #expect(error.message.contains("BigQuery job j failed")) }
    }

    @Test func theErrorKeepsBigQuerysReasonAndMessageAndSaysWhatToDo() throws {
        let action = BigQueryResponseClassifier.classify(
            status: 403, body: Self.error(403, "accessDenied", "Access Denied: Dataset p:d"), what: "creating table t", configuration: Self.configuration)
        guard case .fail(let error) = action else { Issue.record("\(action)"); return }
        #expect(error.reason == "accessDenied")
        #expect(error.message.contains("while creating table t in p:d: Access Denied: Dataset p:d"), "\(error.message)")
        #expect(error.message.contains("BigQuery Data Editor"))
    }

    @Test func resultCellsAndStatisticsDecodeLeniently() throws {
        let page = try JSONDecoder().decode(BigQueryQueryResults.self, from: Data(#"""
            {"kind":"bigquery#getQueryResultsResponse","jobComplete":true,"totalRows":"2","pageToken":"t2",
             "rows":[{"f":[{"v":"a"},{"v":null},{"v":7},{"v":true}]},{"f":[{"v":[{"v":"x"}]},{"v":{"f":[]}}]}]}
            """#.utf8))
        #expect(page.rows?.map { ($0.f ?? []).map { $0.v?.text } } == [["a", nil, "7", "true"], [nil, nil]])
        #expect(page.totalRows?.value == 2)
        #expect(page.pageToken == "t2")
        #expect(page.jobComplete == true)

        let asText = try JSONDecoder().decode(BigQueryJobResource.self, from: Data(#"""
            {"jobReference":{"projectId":"p","jobId":"j","location":"US"},"status":{"state":"DONE"},
             "statistics":{"query":{"numDmlAffectedRows":"12"}}}
            """#.utf8))
        #expect(BigQueryJob(id: "j", resource: asText).affectedRows == 12)
        #expect(asText.jobReference?.jobId == "j")
        let asNumber = try JSONDecoder().decode(BigQueryJobResource.self, from: Data(#"{"status":{"state":"RUNNING"},"statistics":{"query":{"numDmlAffectedRows":3}}}"#.utf8))
        #expect(BigQueryJob(id: "j", resource: asNumber).affectedRows == 3)
        #expect(BigQueryJob(id: "j", resource: asNumber).state == "RUNNING")
    }

    @Test func requestBodiesEncodeAsTheRESTAPIExpects() throws {
        let insert = BigQueryJobInsert(
            jobReference: BigQueryJobReference(projectId: "p", jobId: "j", location: nil),
            configuration: BigQueryJobConfiguration(query: .init(query: "SELECT @x", parameterMode: "NAMED",
                                                                 queryParameters: [QueryParameter(name: "x", type: "STRING", value: "1")])))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(insert), as: UTF8.self) == #"{"configuration":{"query":{"parameterMode":"NAMED","query":"SELECT @x","queryParameters":[{"name":"x","parameterType":{"type":"STRING"},"parameterValue":{"value":"1"}}],"useLegacySql":false}},"jobReference":{"jobId":"j","projectId":"p"}}"#)
    }
}
