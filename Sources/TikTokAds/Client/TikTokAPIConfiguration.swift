import Foundation
import SyncKit

/// Where and how the client reaches the TikTok Business API.
public struct TikTokAPIConfiguration: Sendable {
    /// The base up to `open_api/`, e.g. `https://business-api.tiktok.com/open_api/`.
    public var baseURL: URL
    public var accessToken: String
    public var appID: String?
    public var appSecret: String?
    /// The longest wait for one response.
    public var requestTimeout: Duration
    public var retryPolicy: RetryPolicy
    /// Production or TikTok's sandbox (`--sandbox`): said in the summary and in `check`, and in the advice of a
    /// refused token.
    public var environment: APIEnvironment = .production
    /// Added to a refused token's message: where the token came from and how to get a new one.
    public var authenticationAdvice: String?

    public static let productionBaseURL = URL(string: "https://business-api.tiktok.com/open_api/")!  // a literal that parses
    public static let sandboxBaseURL = URL(string: "https://sandbox-ads.tiktok.com/open_api/")!  // a literal that parses

    public init(baseURL: URL = productionBaseURL, accessToken: String, appID: String? = nil, appSecret: String? = nil,
                requestTimeout: Duration = .seconds(120), retryPolicy: RetryPolicy = RetryPolicy()) {
        self.baseURL = baseURL
        self.accessToken = accessToken
        self.appID = appID
        self.appSecret = appSecret
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        SecretRedactor.register(accessToken)
        SecretRedactor.register(appSecret)
    }

    /// The advertiser authorisation page on the API's host (`https://business-api.tiktok.com/portal/auth`).
    public var portalURL: URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.path = "/portal/auth"
        components.query = nil
        return components.url ?? URL(string: "https://business-api.tiktok.com/portal/auth")!  // a literal that parses
    }

    /// `error` with `authenticationAdvice` added when it is a refused token.
    func advised(_ error: SyncError) -> SyncError {
        guard error.kind == .authentication, let authenticationAdvice else { return error }
        var advised = SyncError(.authentication, error.message + " " + authenticationAdvice, apiCode: error.apiCode,
                                advertiserID: error.advertiserID, cause: error.cause)
        advised.rejectedMetrics = error.rejectedMetrics
        return advised
    }

    /// The full URL of an endpoint such as `campaign/get`.
    func url(for endpoint: String, query: [(String, String)]) -> String {
        var base = baseURL.absoluteString
        if !base.hasSuffix("/") { base += "/" }
        var url = base + "v1.3/" + endpoint + "/"
        if !query.isEmpty {
            url += "?" + query.map { "\(QueryEncoding.escape($0.0))=\(QueryEncoding.escape($0.1))" }.joined(separator: "&")
        }
        return url
    }
}

/// Which TikTok API a run reads.
public enum APIEnvironment: String, Sendable, Codable {
    case production, sandbox

    /// "TikTok's sandbox" / "TikTok" for messages.
    public var displayName: String { self == .sandbox ? "TikTok's sandbox API" : "TikTok's production API" }
}

/// Percent-encoding for query values that carry JSON text.
enum QueryEncoding {
    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// JSON text of a list of strings, e.g. `["a","b"]`.
    static func jsonArray(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).jsonText
    }
}
