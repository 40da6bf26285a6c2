/// Every failure the tool reports: a kind that decides what happens next, and a message that tells the user what to do.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    /// What a failure means for the run.
    public enum Kind: String, Sendable {
        /// The user's input (config, flags, files) is wrong; exit code 2.
        case badInput
        /// The access token is missing, wrong or revoked; nothing can continue.
        case authentication
        /// The API rejected a request's parameters; retrying cannot help.
        case badRequest
        /// One advertiser cannot be read (no permission, deleted); skip it and go on.
        case advertiserUnavailable
        /// A failure that may pass: retried, and reported if it does not.
        case transient
        /// The API answered something the client cannot understand.
        case invalidResponse
        /// The API cannot be reached at the configured URL, or what answers there is not the API (refused
        /// connection, unknown host, TLS failure, HTML before any API answer): the whole run stops, exit 1.
        case unreachable
        /// The destination could not be written or read.
        case destination
        /// The API refuses report metrics a stream asks for and the stream may not go on without them
        /// (`strict_metrics`, or nothing but keys would be left): that stream fails, the others go on.
        case rejectedMetrics
        /// The API's daily request quota is spent: nothing more can be read before it resets (00:00 UTC for TikTok).
        case quotaExhausted
        /// The run was cancelled.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// The TikTok body code, when the API gave one.
    public var apiCode: Int?
    public var advertiserID: String?
    /// The report metrics the API named as invalid (TikTok's 40002 "Invalid metric fields: [...]"), in its order;
    /// empty for every other failure. Whoever knows the request decides whether to drop them and ask again.
    public var rejectedMetrics: [String] = []
    /// The failure underneath (a SQLite or HTTP client error), kept as a value for callers that inspect it.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, apiCode: Int? = nil, advertiserID: String? = nil, cause: (any Error)? = nil) {
        self.kind = kind
        // Messages quote remote answers and URLs: no secret survives into them.
        self.message = SecretRedactor.redact(message)
        self.apiCode = apiCode
        self.advertiserID = advertiserID
        self.cause = cause
    }

    /// A failure underneath known only by its text.
    public init(_ kind: Kind, _ message: String, apiCode: Int? = nil, advertiserID: String? = nil, underlying: String) {
        self.init(kind, message, apiCode: apiCode, advertiserID: advertiserID, cause: DescribedFailure(text: underlying))
    }

    /// The cause's description, secrets masked.
    public var underlying: String? { cause.map { SecretRedactor.redact("\($0)") } }

    public var description: String {
        var text = message
        if let underlying { text += " (\(underlying))" }
        return text
    }

    /// Whether this failure ends the whole run rather than one stream.
    public var stopsRun: Bool {
        switch kind {
        case .badInput, .authentication, .badRequest, .destination, .quotaExhausted, .cancelled, .unreachable: true
        case .advertiserUnavailable, .transient, .invalidResponse, .rejectedMetrics: false
        }
    }
}

/// A failure known only by its text (from a library that gives nothing better).
public struct DescribedFailure: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}

extension SyncError {
    /// `error` when it already says what happened: a `SyncError` itself, or a cancellation; nil for any other error,
    /// which its caller words.
    public static func known(_ error: any Error) -> SyncError? {
        if let error = error as? SyncError { return error }
        return error is CancellationError ? SyncError(.cancelled, "The run was cancelled.") : nil
    }
}
