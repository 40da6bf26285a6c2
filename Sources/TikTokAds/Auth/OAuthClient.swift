import Foundation
import HTTPTransport
import Logging
import SyncKit

/// What TikTok grants for an authorisation code: a long-term access token and the ad accounts it may read.
public struct TokenGrant: Sendable, Equatable {
    public var accessToken: String
    public var advertiserIDs: [String]
    /// TikTok's numeric permission ids.
    public var scope: [Int64]
    /// Only in TikTok's account (creator) flavour of the flow; kept if TikTok ever sends them for advertisers.
    public var refreshToken: String?
    public var expiresInSeconds: Int?

    public init(accessToken: String, advertiserIDs: [String], scope: [Int64] = [], refreshToken: String? = nil, expiresInSeconds: Int? = nil) {
        self.accessToken = accessToken
        self.advertiserIDs = advertiserIDs
        self.scope = scope
        self.refreshToken = refreshToken
        self.expiresInSeconds = expiresInSeconds
    }
}

/// TikTok's OAuth endpoints for advertiser tokens: the code exchange (`oauth2/access_token/`), the accounts a token
/// may access (`oauth2/advertiser/get/`) and revocation (`oauth2/revoke_token/`). Failures say what to do.
public struct OAuthClient: Sendable {
    public let appID: String
    public let appSecret: String
    let client: TikTokClient

    /// `configuration`'s base URL and retry policy; its token is the one `advertisers` and `revoke` act on.
    public init(configuration: TikTokAPIConfiguration, appID: String, appSecret: String, logger: Logger) {
        var configuration = configuration
        configuration.appID = appID
        configuration.appSecret = appSecret
        self.appID = appID
        self.appSecret = appSecret
        SecretRedactor.register(appSecret)
        client = TikTokClient(configuration: configuration, pacer: makeRateLimiter(RateBudget(), clock: ContinuousClock()), logger: logger)
    }

    /// Exchanges a one-time authorisation code for a long-term token.
    public func exchange(authCode: String) async throws -> TokenGrant {
        SecretRedactor.register(authCode)
        let body = JSONValue.object([
            ("app_id", .string(appID)), ("secret", .string(appSecret)), ("auth_code", .string(authCode)),
            ("grant_type", .string("authorization_code")),
        ])
        let data: JSONValue
        do {
            data = try await client.post("oauth2/access_token", json: body)
        } catch let error as SyncError {
            throw Self.explainExchange(error, appID: appID)
        }
        guard let token = data["access_token"]?.stringValue, !token.isEmpty else {
            throw SyncError(.invalidResponse, "TikTok answered the code exchange without an access_token. Nothing was saved; run `tiktok-ads auth login` again.")
        }
        SecretRedactor.register(token)
        let ids = data["advertiser_ids"]?.arrayValue?.compactMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? []
        let scope = data["scope"]?.arrayValue?.compactMap { value -> Int64? in
            if case .number(let text) = value { return Int64(text) }
            return nil
        } ?? []
        let refresh = data["refresh_token"]?.stringValue
        SecretRedactor.register(refresh)
        return TokenGrant(accessToken: token, advertiserIDs: ids, scope: scope, refreshToken: refresh,
                          expiresInSeconds: data["expires_in"]?.intValue)
    }

    /// The ad accounts the configured token may access: (id, name).
    public func advertisers() async throws -> [(id: String, name: String?)] {
        let listing = try await client.get("oauth2/advertiser/get", query: [("app_id", appID), ("secret", appSecret)]) {
            ListingPage.decode($0, paged: false)
        }
        return listing.items.compactMap { item in
            item["advertiser_id"]?.stringValue.map { ($0, item["advertiser_name"]?.stringValue) }
        }
    }

    /// Revokes `token`: it stops working everywhere. A token TikTok already refuses counts as revoked.
    /// - Returns: false when TikTok no longer knew the token.
    @discardableResult
    public func revoke(token: String) async throws -> Bool {
        let body = JSONValue.object([("app_id", .string(appID)), ("secret", .string(appSecret)), ("access_token", .string(token))])
        do {
            _ = try await client.post("oauth2/revoke_token", json: body)
            return true
        } catch let error as SyncError where error.apiCode == 40104 || error.apiCode == 40105 {
            return false
        } catch let error as SyncError where error.kind == .authentication || error.kind == .advertiserUnavailable {
            throw SyncError(.authentication, "TikTok did not accept the app id and secret for revoking the token (code \(error.apiCode.map(String.init) ?? "?")). Set TIKTOK_APP_ID and TIKTOK_APP_SECRET to the App ID and Secret of the app that issued it (TikTok API for Business → My Apps → your app → Basic information).", apiCode: error.apiCode)
        }
    }

    /// The exchange's failures in the user's terms: a code is single-use and short-lived; a wrong secret is named.
    static func explainExchange(_ error: SyncError, appID: String) -> SyncError {
        let message = error.message.lowercased()
        if error.apiCode == 40110 || message.contains("auth_code") {
            return SyncError(.authentication,
                "TikTok refused the authorisation code (code \(error.apiCode.map(String.init) ?? "?")): a code works once, and only for about 10 minutes after the advertiser authorised the app. Nothing was saved. Run `tiktok-ads auth login` again (or open the authorisation link again and pass the new code to `tiktok-ads auth exchange` at once).",
                apiCode: error.apiCode)
        }
        if error.kind == .authentication || error.kind == .advertiserUnavailable || message.contains("secret") {
            return SyncError(.authentication,
                "TikTok did not accept app id \(appID) with this app secret (code \(error.apiCode.map(String.init) ?? "?")). Nothing was saved. Copy the App ID and Secret from TikTok API for Business → My Apps → your app → Basic information into TIKTOK_APP_ID and TIKTOK_APP_SECRET (or --app-id / app_secret in the config), then run `tiktok-ads auth login` again.",
                apiCode: error.apiCode)
        }
        return error
    }
}
