import JWTKit

/// The claims of the RS256 JWT a service account exchanges for an access token (RFC 7523).
public struct ServiceAccountAssertion: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var scope: String
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    /// The user to impersonate with domain-wide delegation (Workspace only).
    public var sub: SubjectClaim?

    public init(iss: IssuerClaim, scope: String, aud: AudienceClaim, iat: IssuedAtClaim, exp: ExpirationClaim, sub: SubjectClaim? = nil) {
        self.iss = iss
        self.scope = scope
        self.aud = aud
        self.iat = iat
        self.exp = exp
        self.sub = sub
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
