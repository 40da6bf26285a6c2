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

    static func rateLimited(appId: String) -> APIError {
        APIError(code: 40100, message: "Due to too many requests, requests from App [\(appId)] are temporarily restricted.")
    }
}
