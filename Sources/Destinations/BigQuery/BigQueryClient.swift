import Foundation
import HTTPTransport
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// The BigQuery REST API v2 over the shared `HTTPTransport`. Every answer is classified once, by
/// `BigQueryResponseClassifier`; retries and backoff are the shared `RetryingCaller` on the configured clock.
struct BigQueryClient: Sendable {
    let configuration: BigQueryConfiguration
    let transport: HTTPTransport
    let auth: any GoogleAccessTokenProvider
    let logger: Logger

    /// A response that is not an error: 2xx, 308 (resumable upload continues) or 409 (already exists).
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The body as `T`; a body of another shape is an invalid answer.
        func decode<T: Decodable>(_ type: T.Type, what: String) throws -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(body))
            } catch {
                throw BigQueryError(.invalid,
                    "BigQuery answered HTTP \(status) without the documented body while \(what) (\(String(decoding: body.prefix(200), as: UTF8.self))). Check the BigQuery API URL settings and any proxy in between.")
            }
        }
    }

    var projectPath: String { "\(configuration.apiBaseURL)/bigquery/v2/projects/\(configuration.project)" }
    var uploadPath: String { "\(configuration.uploadBaseURL)/upload/bigquery/v2/projects/\(configuration.project)" }

    /// Sends one request, retrying transient failures; `json` is encoded once, `body` is rebuilt for every attempt.
    func send(_ method: HTTPMethod, _ url: String, json: (any Encodable & Sendable)? = nil, headers: [(String, String)] = [],
              body: (@Sendable () throws -> ByteBuffer)? = nil, what: String) async throws -> Response {
        let payload: [UInt8]? = try json.map { Array(try JSONEncoder().encode($0)) }
        return try await retrying(what) { _ in
            var requestHeaders: [(String, String)] = []
            if let token = try await accessToken() {
                requestHeaders.append(("Authorization", "Bearer \(token)"))
            }
            requestHeaders += headers
            var requestBody: [UInt8]?
            if let payload {
                requestHeaders.append(("Content-Type", "application/json"))
                requestBody = payload
            } else if let body {
                requestBody = Array(try body().readableBytesView)
            }
            let request = HTTPTransport.Request(method: method, url: url, headers: requestHeaders, body: requestBody,
                                                timeout: configuration.requestTimeout)
            switch await transport.send(request, redirects: .sameOrigin(max: 3)) {
            case .response(let status, let headers, let body):
                return BigQueryResponseClassifier.classify(status: status, body: body, what: what, configuration: configuration)
                    .map { Response(status: status, headers: headers, body: body) }
            case .redirected(let status, let from, let to):
                return BigQueryResponseClassifier.classify(redirectedFrom: from, to: to, status: status, what: what)
            case .transportError(let reason):
                try Task.checkCancellation()
                return BigQueryResponseClassifier.classify(transportError: reason.description, what: what, configuration: configuration)
            }
        }
    }

    /// Runs `attempt` through the shared retry loop: backoff on `configuration.clock`, no pacer (BigQuery has no
    /// request budget shared with other callers). A transient failure still there at the last attempt is thrown
    /// as the classifier worded it.
    func retrying<T: Sendable>(_ what: String, _ attempt: (_ number: Int) async throws -> BigQueryAction<T>) async throws -> T {
        let policy = configuration.retryPolicy
        let last = max(1, policy.maxAttempts)
        let caller = RetryingCaller(policy: policy, clock: configuration.clock, logger: logger)
        return try await caller.call("bigquery: \(what)", attempt: { number in
            switch try await attempt(number) {
            case .success(let value): return .success(value)
            case .fail(let error): throw error
            case .retry(_, _, let error) where number >= last: throw error
            case .retry(let reason, let rateLimited, _): return .retry(reason: reason, rateLimited: rateLimited)
            }
        }, exhausted: { reason, attempts in
            // Not reached: the last attempt throws its own error above.
            SyncError(.transient, "BigQuery kept failing while \(what) after \(attempts) attempts (last: \(reason)). Try again later.")
        })
    }

    private func accessToken() async throws -> String? {
        do {
            return try await auth.accessToken()
        } catch let error as GoogleAuthError {
            throw BigQueryError(.unauthenticated, error.message)
        }
    }

    // MARK: Resources

    func datasetURL() -> String { "\(projectPath)/datasets/\(configuration.dataset)" }
    func tableURL(_ table: String) -> String { "\(datasetURL())/tables/\(table)" }

    /// The table resource, or nil when the table does not exist.
    func tableIfExists(_ table: String, what: String) async throws -> BigQueryTableResource? {
        do {
            return try await send(.GET, tableURL(table), what: what).decode(BigQueryTableResource.self, what: what)
        } catch let error as BigQueryError where error.code == .notFound {
            return nil
        }
    }
}
