/// A business error answered with HTTP 200 and a non-zero body `code`, as the real API does.
struct APIError: Error, Sendable, Equatable {
    var code: Int
    var message: String
    var httpStatus: Int = 200

    static func invalid(_ parameter: String, _ problem: String) -> APIError {
        APIError(code: 40002, message: "\(parameter): \(problem)")
    }

    /// Report metrics TikTok does not accept in this request (unknown, retired, not offered at this level or in this
    /// report type, or not allowed for this account), all named at once in request order. TikTok's own wording, quoted
    /// verbatim (HTTP 200, trailing space included) in airbytehq/airbyte issue #11375 ("Source Tiktok: fix metrix for
    /// LIFETIME granularity": `{'code': 40002, 'message': "Please correct the information in invalid metric fields and
    /// try again. Invalid metric fields: ['voucher_spend', 'cash_spend']. ", ...}`); PostHog/posthog PR #42830 quotes
    /// the same sentence with one name inside its own error text ("... Invalid metric fields:
    /// ['total_complete_payment_value']. (code: 40002)"), and singer-io/tap-tiktok-ads issue #14 is titled
    /// "Invalid metric fields: ['placement']." (see docs/retired-metrics.md).
    static func invalidMetricFields(_ names: [String]) -> APIError {
        APIError(code: 40002, message: "Please correct the information in invalid metric fields and try again. Invalid metric fields: \(pythonList(names)). ")
    }

    /// A list of names as Python prints one (`['a', 'b']`): TikTok's gateway formats the list that way.
    static func pythonList(_ names: [String]) -> String {
        "[" + names.map(pythonString).joined(separator: ", ") + "]"
    }

    /// A string as Python's `repr` writes it: single quotes unless the text holds a single quote and no double one.
    static func pythonString(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append(quote)
        return out
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
