import SyncKit

/// A Google authentication failure: a code, a message that says what to do, and never any key material.
public typealias GoogleAuthError = ServiceError<GoogleAuthErrorCode>

/// What went wrong with Google authentication, for callers that react differently.
public enum GoogleAuthErrorCode: String, Sendable {
    /// No credentials were found anywhere they are looked for.
    case noCredentials
    /// A credentials file could not be read or is not a Google credentials file.
    case invalidCredentialsFile
    /// The token endpoint or metadata server refused the credentials (revoked, wrong key, clock skew).
    case rejected
    /// The token endpoint or metadata server could not be reached or answered something unreadable.
    case unavailable
}
