/// Something that hands out OAuth 2.0 access tokens for Google APIs (BigQuery, Sheets).
public protocol GoogleAccessTokenProvider: Sendable {
    /// A token valid for at least a few more minutes; nil when requests go unauthenticated (an emulator).
    func accessToken() async throws -> String?
}

/// No authentication: for emulators, which accept any or no `Authorization` header.
public struct NoGoogleAuthentication: GoogleAccessTokenProvider {
    public init() {}
    public func accessToken() async throws -> String? { nil }
}
