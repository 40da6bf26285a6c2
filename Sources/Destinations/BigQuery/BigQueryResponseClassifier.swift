import Foundation
import SyncKit

/// What to do with one BigQuery HTTP exchange or one finished job. Decided only by `BigQueryResponseClassifier`.
enum BigQueryAction<Success: Sendable>: Sendable {
    /// Done.
    case success(Success)
    /// A transient failure: try again after backoff. `error` is what the caller throws when the attempts run out.
    case retry(reason: String, rateLimited: Bool, error: BigQueryError)
    /// Give up with this error (worded for the user).
    case fail(BigQueryError)

    /// The same decision with `value` as the success.
    func map<T: Sendable>(_ value: () -> T) -> BigQueryAction<T> {
        switch self {
        case .success: .success(value())
        case .retry(let reason, let rateLimited, let error): .retry(reason: reason, rateLimited: rateLimited, error: error)
        case .fail(let error): .fail(error)
        }
    }
}

/// BigQuery's error body: `{"error": {"code", "message", "status", "errors": [{"reason", "message"}]}}`.
struct BigQueryErrorBody: Decodable, Sendable {
    struct Detail: Decodable, Sendable {
        var code: Int?
        var message: String?
        var status: String?
        var errors: [BigQueryErrorProto]?
    }

    var error: Detail?
}

/// The one place that reads BigQuery's HTTP statuses, error reasons and job errors: pure functions from what
/// came back to a `BigQueryAction`, so the retry loop (`RetryingCaller`) stays the same for every remote.
enum BigQueryResponseClassifier {
    /// Reasons worth retrying (the job or request may succeed the next time).
    static let retryableReasons: Set<String> = ["backendError", "rateLimitExceeded", "internalError", "backendErrors"]

    /// An HTTP answer: 2xx, 308 (a resumable upload continues) and 409 (already exists) are answers the caller
    /// reads; 429, 5xx and retryable reasons are retried; everything else fails with advice.
    static func classify(status: Int, body: [UInt8], what: String, configuration: BigQueryConfiguration) -> BigQueryAction<Void> {
        if (200..<300).contains(status) || status == 308 || status == 409 { return .success(()) }
        let detail = (try? JSONDecoder().decode(BigQueryErrorBody.self, from: Data(body)))?.error
        let message = detail?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        let reason = detail?.errors?.first?.reason ?? detail?.status
        let error = describe(status: status, reason: reason, message: message, what: what, configuration: configuration)
        guard error.code == .transient else { return .fail(error) }
        return .retry(reason: "HTTP \(status), \(reason ?? "no reason")", rateLimited: status == 429 || reason == "rateLimitExceeded",
                      error: error)
    }

    /// A request that did not complete (timeout, reset, refused connection): retried.
    static func classify<T: Sendable>(transportError reason: String, what: String, configuration: BigQueryConfiguration) -> BigQueryAction<T> {
        .retry(reason: reason, rateLimited: false, error: BigQueryError(.transient,
            "Cannot reach BigQuery at \(SecretRedactor.displayURL(configuration.apiBaseURL)) while \(what): \(reason)."))
    }

    /// A redirect to another origin (same-origin ones are followed by the transport): never repeated there.
    static func classify<T: Sendable>(redirectedFrom from: String, to: String, status: Int, what: String) -> BigQueryAction<T> {
        .fail(BigQueryError(.invalid,
            "BigQuery at \(from) answered HTTP \(status) redirecting to another host (\(to)) while \(what); the request was not repeated there (it carries your Google credentials). Check the BigQuery API URL settings and any proxy in between."))
    }

    /// A DONE job: success without `errorResult`; a retryable reason (`backendError`, `rateLimitExceeded`…) is
    /// retried (resubmitted under a new id); any other fails with BigQuery's reason and message and the job id.
    /// - Parameter attempts: how many times the job was submitted so far (for the message).
    static func classify(job: String, errorResult: BigQueryErrorProto?, attempts: Int, what: String,
                         configuration: BigQueryConfiguration) -> BigQueryAction<Void> {
        guard let errorResult else { return .success(()) }
        let reason = errorResult.reason
        let error = jobFailure(job, reason: reason, message: errorResult.message ?? "no message", what: what, attempts: attempts,
                               configuration: configuration)
        guard error.code == .transient else { return .fail(error) }
        return .retry(reason: "job \(job): \(reason ?? "no reason")", rateLimited: reason == "rateLimitExceeded", error: error)
    }

    /// Turns a status, a reason and BigQuery's message into an error that tells the user what to do.
    static func describe(status: Int, reason: String?, message: String, what: String,
                         configuration: BigQueryConfiguration) -> BigQueryError {
        let dataset = "\(configuration.project):\(configuration.dataset)"
        let lower = message.lowercased()
        if status == 429 || status >= 500 || (reason.map(retryableReasons.contains) ?? false) {
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

    /// The HTTP status BigQuery would answer for a job error's reason.
    static func status(forReason reason: String) -> Int {
        switch reason {
        case "notFound": 404
        case "accessDenied": 403
        case "backendError", "internalError": 500
        case "rateLimitExceeded": 429
        default: 400
        }
    }

    static func datasetNotFound(configuration: BigQueryConfiguration, detail: String) -> BigQueryError {
        let location = configuration.location ?? "US"
        return BigQueryError(.datasetNotFound,
            "BigQuery dataset \(configuration.project):\(configuration.dataset) does not exist (\(detail)). Create it with `bq mk --dataset --location=\(location) \(configuration.project):\(configuration.dataset)` or fix --bigquery-project / --bigquery-dataset.",
            reason: "notFound")
    }
}
