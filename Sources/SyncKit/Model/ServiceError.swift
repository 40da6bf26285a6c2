/// A failure of one remote service the destinations talk to (BigQuery, Google authentication), shaped like
/// swift-nio's `FileSystemError`: a code the caller switches on, a message that says what to do (secrets masked),
/// the service's own reason when it gave one, and the failure underneath kept as a value. Each service declares
/// only its codes (`BigQueryError = ServiceError<BigQueryErrorCode>`).
public struct ServiceError<ErrorCode: Hashable & Sendable>: Error, Sendable, CustomStringConvertible {
    /// The service's codes (`BigQueryError.Code`).
    public typealias Code = ErrorCode

    public var code: Code
    public var message: String
    /// The service's reason, e.g. BigQuery's `notFound` or `rateLimitExceeded`.
    public var reason: String?
    /// The failure underneath (an HTTP client error), kept as a value.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, reason: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = SecretRedactor.redact(message)
        self.reason = reason
        self.cause = cause
    }

    public var description: String { message }
}
