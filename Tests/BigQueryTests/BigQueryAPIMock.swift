import Destinations
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TestSupport

/// A small local stand-in for the BigQuery REST API's job endpoints (jobs.insert, jobs.get, jobs.getQueryResults),
/// for the paths the emulator cannot show: it answers from scripted replies, in order, then with a default
/// (a DONE job, one result row), and records every call as `"<kind> <job id>"`.
final class BigQueryAPIMock: Sendable {
    enum Kind: String, Sendable { case insert, get, results }

    struct Reply: Sendable {
        var status: Int
        var body: String

        /// A job resource in `state`, with an `errorResult` when `error` is given as (reason, message).
        static func job(_ state: String, error: (String, String)? = nil) -> Reply {
            var status = #""state":"\#(state)""#
            if let (reason, message) = error {
                status += #","errorResult":{"reason":"\#(reason)","message":"\#(message)"},"errors":[{"reason":"\#(reason)","message":"\#(message)"}]"#
            }
            return Reply(status: 200, body: #"{"kind":"bigquery#job","jobReference":{"projectId":"p","jobId":"$JOB","location":"US"},"status":{\#(status)}}"#)
        }

        /// An HTTP error in BigQuery's format.
        static func error(_ status: Int, _ reason: String, _ message: String) -> Reply {
            Reply(status: status, body: #"{"error":{"code":\#(status),"message":"\#(message)","errors":[{"reason":"\#(reason)","message":"\#(message)","domain":"global"}]}}"#)
        }

        /// jobs.insert's answer to a job id that already exists.
        static let duplicate = error(409, "duplicate", "Already Exists: Job p:US.$JOB")
    }

    private struct State {
        var scripted: [Kind: [Reply]] = [:]
        var calls: [String] = []
        var authorization: Set<String> = []
    }

    private let state = Mutex(State())
    /// What jobs.get answers once its script is used up (RUNNING makes a job that never finishes).
    let defaultGetState: String

    init(defaultGetState: String = "DONE") {
        self.defaultGetState = defaultGetState
    }

    /// Queues replies for the next calls of `kind`.
    func script(_ kind: Kind, _ replies: [Reply]) {
        state.withLock { $0.scripted[kind, default: []] += replies }
    }

    /// Every call so far, `"<kind> <job id>"`, in order.
    var calls: [String] { state.withLock { $0.calls } }
    /// The Authorization headers seen.
    var authorization: Set<String> { state.withLock { $0.authorization } }

    private func reply(_ kind: Kind, job: String, authorization: String?) -> Reply {
        state.withLock { state in
            state.calls.append("\(kind.rawValue) \(job)")
            if let authorization { state.authorization.insert(authorization) }
            if var queue = state.scripted[kind], !queue.isEmpty {
                let next = queue.removeFirst()
                state.scripted[kind] = queue
                return next
            }
            switch kind {
            case .insert: return .job("DONE")
            case .get: return .job(defaultGetState)
            case .results:
                return Reply(status: 200, body: #"{"kind":"bigquery#getQueryResultsResponse","jobComplete":true,"totalRows":"1","rows":[{"f":[{"v":"42"}]}]}"#)
            }
        }
    }

    private func respond(_ kind: Kind, job: String, request: Request) -> Response {
        let answer = reply(kind, job: job, authorization: request.headers[.authorization])
        return Response(status: HTTPResponse.Status(code: answer.status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: answer.body.replacingOccurrences(of: "$JOB", with: job))))
    }

    /// Serves on a free port, calls `body` with the base URL (`http://127.0.0.1:PORT`), stops afterwards.
    func withRunning<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("bigquery/v2/projects/:project/jobs") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any]
            let job = (json?["jobReference"] as? [String: Any])?["jobId"] as? String ?? "?"
            return self.respond(.insert, job: job, request: request)
        }
        router.get("bigquery/v2/projects/:project/jobs/:job") { request, context -> Response in
            self.respond(.get, job: context.parameters.get("job") ?? "?", request: request)
        }
        router.get("bigquery/v2/projects/:project/queries/:job") { request, context -> Response in
            self.respond(.results, job: context.parameters.get("job") ?? "?", request: request)
        }
        return try await LocalHTTPServer.withRouter(router, label: "bigquery-mock") { port in try await body("http://127.0.0.1:\(port)") }
    }
}

/// A fixed bearer token, to check the client sends it.
struct StaticToken: GoogleAccessTokenProvider {
    func accessToken() async throws -> String? { "ya29.mock-token" }
}
