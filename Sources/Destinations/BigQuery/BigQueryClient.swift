import Foundation
import HTTPTransport
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// The BigQuery REST API v2 over AsyncHTTPClient: the one place that reads HTTP statuses and error bodies.
/// Retries 429, 5xx and transport failures with backoff; turns every other failure into a `BigQueryError`.
struct BigQueryClient: Sendable {
    let configuration: BigQueryConfiguration
    let transport: HTTPTransport
    let auth: any GoogleAccessTokenProvider
    let logger: Logger

    /// A response that is not an error: 2xx, 308 (resumable upload continues) or 409 (already exists).
    struct Response: @unchecked Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    var projectPath: String { "\(configuration.apiBaseURL)/bigquery/v2/projects/\(configuration.project)" }
    var uploadPath: String { "\(configuration.uploadBaseURL)/upload/bigquery/v2/projects/\(configuration.project)" }

    /// Sends one request, retrying transient failures; `body` is rebuilt for every attempt.
    func send(_ method: HTTPMethod, _ url: String, json: Any? = nil, headers: [(String, String)] = [],
              body: (@Sendable () throws -> ByteBuffer)? = nil, what: String) async throws -> Response {
        let policy = configuration.retryPolicy
        var attempt = 0
        while true {
            attempt += 1
            var requestHeaders: [(String, String)] = []
            if let token = try await accessToken() {
                requestHeaders.append(("Authorization", "Bearer \(token)"))
            }
            requestHeaders += headers
            var requestBody: [UInt8]?
            if let json {
                requestHeaders.append(("Content-Type", "application/json"))
                requestBody = Array(try JSONSerialization.data(withJSONObject: json))
            } else if let body {
                requestBody = Array(try body().readableBytesView)
            }
            let request = HTTPTransport.Request(method: method, url: url, headers: requestHeaders, body: requestBody,
                                                timeout: configuration.requestTimeout)
            let outcome: Result<Response, BigQueryError>
            try Task.checkCancellation()
            switch await transport.send(request, redirects: .sameOrigin(max: 3)) {
            case .response(let status, let headers, let body):
                outcome = Self.classify(Response(status: status, headers: headers, body: Data(body)), what: what, configuration: configuration)
            case .redirected(let status, let from, let to):
                throw BigQueryError(.invalid,
                    "BigQuery at \(from) answered HTTP \(status) redirecting to another host (\(to)) while \(what); the request was not repeated there (it carries your Google credentials). Check the BigQuery API URL settings and any proxy in between.")
            case .transportError(let reason):
                try Task.checkCancellation()
                outcome = .failure(BigQueryError(.transient, "Cannot reach BigQuery at \(SecretRedactor.displayURL(configuration.apiBaseURL)) while \(what): \(reason)."))
            }
            switch outcome {
            case .success(let response):
                return response
            case .failure(let error) where error.code == .transient && attempt < policy.maxAttempts:
                let delay = policy.delay(afterAttempt: attempt, rateLimited: error.reason == "rateLimitExceeded")
                logger.debug("bigquery request retried", metadata: ["bigquery.what": "\(what)", "bigquery.attempt": "\(attempt)",
                                                                    "bigquery.reason": "\(error.reason ?? error.code.rawValue)"])
                try await configuration.sleep(delay)
            case .failure(let error):
                throw error
            }
        }
    }

    private func accessToken() async throws -> String? {
        do {
            return try await auth.accessToken()
        } catch let error as GoogleAuthError {
            throw BigQueryError(.unauthenticated, error.message)
        }
    }

    /// The single classification of a BigQuery HTTP answer.
    static func classify(_ response: Response, what: String, configuration: BigQueryConfiguration) -> Result<Response, BigQueryError> {
        let status = response.status
        if (200..<300).contains(status) || status == 308 || status == 409 { return .success(response) }
        let error = response.json["error"] as? [String: Any]
        let message = error?["message"] as? String ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        let reason = ((error?["errors"] as? [[String: Any]])?.first?["reason"] as? String) ?? (error?["status"] as? String)
        return .failure(describe(status: status, reason: reason, message: message, what: what, configuration: configuration))
    }

    /// Turns a status, a reason and BigQuery's message into an error that tells the user what to do.
    static func describe(status: Int, reason: String?, message: String, what: String,
                         configuration: BigQueryConfiguration) -> BigQueryError {
        let dataset = "\(configuration.project):\(configuration.dataset)"
        let lower = message.lowercased()
        if status == 429 || status >= 500 || (reason.map(BigQueryError.retryableReasons.contains) ?? false) {
            return BigQueryError(.transient, "BigQuery failed while \(what) (HTTP \(status), \(reason ?? "no reason")): \(message). Try again later.", reason: reason)
        }
        if status == 401 {
            return BigQueryError(.unauthenticated,
                "BigQuery refused the credentials while \(what) (\(message)). Check --google-credentials / GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`.", reason: reason)
        }
        if status == 403, reason == "quotaExceeded" {
            return BigQueryError(.quotaExceeded, "BigQuery quota exceeded while \(what): \(message). Wait for the quota to refill or raise it.", reason: reason)
        }
        if status == 403 || reason == "accessDenied" {
            return BigQueryError(.accessDenied,
                "Access denied while \(what) in \(dataset): \(message). Grant the identity BigQuery Data Editor on the dataset and BigQuery Job User on project \(configuration.project).", reason: reason)
        }
        if status == 404 || reason == "notFound" {
            if lower.contains("location") {
                return BigQueryError(.wrongLocation,
                    "BigQuery could not find it in location \(configuration.location ?? "(default)") while \(what): \(message). Set --bigquery-location to the dataset's location.", reason: reason)
            }
            if lower.contains("dataset") {
                return datasetNotFound(configuration: configuration, detail: message)
            }
            return BigQueryError(.notFound, "Not found while \(what): \(message).", reason: reason)
        }
        return BigQueryError(.invalid, "BigQuery rejected the request while \(what) (HTTP \(status), \(reason ?? "no reason")): \(message).", reason: reason)
    }

    static func datasetNotFound(configuration: BigQueryConfiguration, detail: String) -> BigQueryError {
        let location = configuration.location ?? "US"
        return BigQueryError(.datasetNotFound,
            "BigQuery dataset \(configuration.project):\(configuration.dataset) does not exist (\(detail)). Create it with `bq mk --dataset --location=\(location) \(configuration.project):\(configuration.dataset)` or fix --bigquery-project / --bigquery-dataset.",
            reason: "notFound")
    }

    // MARK: Resources

    func datasetURL() -> String { "\(projectPath)/datasets/\(configuration.dataset)" }
    func tableURL(_ table: String) -> String { "\(datasetURL())/tables/\(table)" }

    /// The resource, or nil on 404.
    func getIfExists(_ url: String, what: String) async throws -> [String: Any]? {
        do {
            return try await send(.GET, url, what: what).json
        } catch let error as BigQueryError where error.code == .notFound {
            return nil
        }
    }
}
