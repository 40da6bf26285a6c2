import SyncKit

/// A BigQuery failure, classified once at the HTTP boundary; its message says what to do.
public typealias BigQueryError = ServiceError<BigQueryErrorCode>

/// What a BigQuery failure means for the caller.
public enum BigQueryErrorCode: String, Sendable {
    /// The credentials were refused (401).
    case unauthenticated
    /// The identity lacks a permission (403 accessDenied).
    case accessDenied
    /// The dataset does not exist.
    case datasetNotFound
    /// The dataset exists in another location than the configured one.
    case wrongLocation
    /// A table, job or other resource does not exist.
    case notFound
    /// The request or query is wrong (400 invalid / invalidQuery, a job's errorResult).
    case invalid
    /// A failure that may pass (5xx, backendError, rateLimitExceeded, transport); retried before it is thrown.
    case transient
    /// A quota is exhausted for the day.
    case quotaExceeded
    /// A job stayed PENDING/RUNNING longer than the configured job timeout.
    case jobTimedOut
}
