/// A business error answered with HTTP 200 and a non-zero body `code`, as the real API does.
struct APIError: Error, Sendable, Equatable {
    var code: Int
    var message: String
    var httpStatus: Int = 200

    static func invalid(_ parameter: String, _ problem: String) -> APIError {
        APIError(code: 40002, message: "\(parameter): \(problem)")
    }

    static func missing(_ parameter: String) -> APIError {
        invalid(parameter, "Missing data for required field.")
    }

    static func noPermission(advertiser: String) -> APIError {
        APIError(
            code: 40001,
            message: "No permission to operate advertiser \(advertiser). Please make sure the advertiser has granted you the permission.")
    }

    static let badToken = APIError(code: 40105, message: "Access token is incorrect or has been revoked.")

    /// TikTok's generic "too many requests" answer: what the QPS budget (and the injected `code40100` fault) answers.
    static func rateLimited(appId: String) -> APIError {
        APIError(code: 40100, message: "Due to too many requests, requests from App [\(appId)] are temporarily restricted.")
    }

    /// A QPM breach, or a request during the penalty that follows one.
    static func minuteLimitExceeded(appId: String, endpoint: String, limit: Int, retryAfter: Duration) -> APIError {
        APIError(code: 40100, message: "Requests from App [\(appId)] to \(apiPath(endpoint)) exceeded the limit of \(limit) per minute and are restricted; try again in \(waitText(retryAfter)).")
    }

    /// The daily quota (QPD) of an endpoint is spent.
    static func dailyQuotaSpent(appId: String, endpoint: String, limit: Int) -> APIError {
        APIError(code: 40100, message: "Requests from App [\(appId)] to \(apiPath(endpoint)) have used the daily quota of \(limit) requests; the quota is reset at 00:00 UTC.")
    }

    /// "campaign/get" -> "/open_api/v1.3/campaign/get/".
    static func apiPath(_ endpoint: String) -> String { "/open_api/v1.3/\(endpoint)/" }

    /// "5 minutes", "1 minute", "3 seconds": whole minutes from one minute on, rounded up; never less than 1 second.
    static func waitText(_ duration: Duration) -> String {
        let seconds = max(1, Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded(.up)))
        if seconds >= 60 {
            let minutes = (seconds + 59) / 60
            return minutes == 1 ? "1 minute" : "\(minutes) minutes"
        }
        return seconds == 1 ? "1 second" : "\(seconds) seconds"
    }
}
