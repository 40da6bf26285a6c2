import HTTPTransport
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// Hands out Google access tokens for a set of credentials: signs and exchanges the service-account JWT,
/// refreshes a user's token, or asks the metadata server; caches the token and refreshes it before it expires.
/// Shared by every Google destination (BigQuery, Sheets); nothing here knows about either.
public actor GoogleTokenSource: GoogleAccessTokenProvider {
    /// Endpoints and timing; every URL can be pointed at a local stub.
    public struct Configuration: Sendable {
        /// Space-joined into the `scope` claim.
        public var scopes: [String]
        /// Overrides the token endpoint (otherwise the key file's `token_uri`, else Google's).
        public var tokenURL: String?
        /// The metadata server, up to `computeMetadata/v1/`.
        public var metadataBaseURL: String
        /// Refresh this long before the token expires.
        public var refreshMargin: TimeInterval
        /// The assertion's lifetime (Google allows at most one hour).
        public var assertionLifetime: TimeInterval
        public var requestTimeout: TimeAmount
        /// The longest wait for the metadata server, the last place credentials are looked for: it answers within
        /// milliseconds where it exists, and off Google Cloud nothing answers at all.
        public var metadataTimeout: TimeAmount
        /// Where credentials were looked for before the metadata server, named when it cannot be reached either.
        public var searchedBeforeMetadataServer: String
        /// Retries of 429, 408, 5xx and transport failures of a token request; refusals (400, 401, 403) fail at once.
        public var retryPolicy: RetryPolicy

        public static let defaultTokenURL = "https://oauth2.googleapis.com/token"
        public static let defaultMetadataBaseURL = "http://metadata.google.internal/computeMetadata/v1/"

        public init(scopes: [String], tokenURL: String? = nil, metadataBaseURL: String? = nil,
                    refreshMargin: TimeInterval = 300, assertionLifetime: TimeInterval = 3600,
                    requestTimeout: TimeAmount = .seconds(30), metadataTimeout: TimeAmount = .seconds(3),
                    retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxDelay: .seconds(8),
                                                           rateLimitDelay: .seconds(2)),
                    environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.scopes = scopes
            self.tokenURL = tokenURL ?? environment["GOOGLE_OAUTH_TOKEN_URL"]
            if let metadataBaseURL {
                self.metadataBaseURL = metadataBaseURL
            } else if let host = environment["GCE_METADATA_HOST"], !host.isEmpty {
                self.metadataBaseURL = "http://\(host)/computeMetadata/v1/"
            } else {
                self.metadataBaseURL = Self.defaultMetadataBaseURL
            }
            self.refreshMargin = refreshMargin
            self.assertionLifetime = assertionLifetime
            self.requestTimeout = requestTimeout
            self.metadataTimeout = metadataTimeout
            self.searchedBeforeMetadataServer = GoogleCredentials.searchedBeforeMetadataServer(environment: environment)
            self.retryPolicy = retryPolicy
        }
    }

    /// A token and the instant it stops working.
    public struct Token: Sendable {
        public var value: String
        public var expiresAt: Date
    }

    public nonisolated let credentials: GoogleCredentials
    public nonisolated let configuration: Configuration
    private let transport: HTTPTransport
    private let logger: Logger
    /// Backoff waits between attempts of a token request go through this clock.
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private var cached: Token?
    private var refreshing: Task<Token, any Error>?
    private var signer: JWTKeyCollection?
    /// Set once the metadata server was found unreachable: asking again would only wait again.
    private var metadataUnreachable: GoogleAuthError?
    /// How many tokens were fetched (tests check caching with it).
    public private(set) var fetchCount = 0

    public init(credentials: GoogleCredentials, configuration: Configuration, transport: HTTPTransport = .shared,
                logger: Logger, clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.clock = clock
        self.now = now
    }

    public func accessToken() async throws -> String? {
        try await token().value
    }

    /// The cached token, or a new one when it expires within the refresh margin; concurrent callers share one fetch.
    public func token() async throws -> Token {
        if let cached, cached.expiresAt.timeIntervalSince(now()) > configuration.refreshMargin { return cached }
        if let refreshing { return try await refreshing.value }
        let task = Task { try await self.fetch() }
        refreshing = task
        defer { refreshing = nil }
        let token = try await task.value
        cached = token
        return token
    }

    private func fetch() async throws -> Token {
        fetchCount += 1
        logger.debug("fetching a Google access token", metadata: ["google.credentials": "\(credentials)"])
        switch credentials {
        case .serviceAccount(let key):
            let assertion = try await signedAssertion(for: key)
            let url = configuration.tokenURL ?? key.tokenURI ?? Configuration.defaultTokenURL
            return try await exchange(url: url, form: [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion),
            ], context: .init(what: "the service account \(key.clientEmail)", endpoint: url))
        case .authorizedUser(let user):
            let url = configuration.tokenURL ?? user.tokenURI ?? Configuration.defaultTokenURL
            return try await exchange(url: url, form: [
                ("grant_type", "refresh_token"), ("refresh_token", user.refreshToken),
                ("client_id", user.clientID), ("client_secret", user.clientSecret),
            ], context: .init(what: "the user credentials (client \(user.clientID))", endpoint: url, isAuthorizedUser: true))
        case .metadataServer:
            return try await metadataToken()
        }
    }

    /// The signed RS256 JWT for `key` (header `kid` = the key id; claims iss, scope, aud, iat, exp).
    func signedAssertion(for key: ServiceAccountKey) async throws -> String {
        let keys: JWTKeyCollection
        if let signer {
            keys = signer
        } else {
            let privateKey: Insecure.RSA.PrivateKey
            do {
                privateKey = try Insecure.RSA.PrivateKey(pem: key.privateKey)
            } catch {
                // The error from the PEM parser could quote the key; say only what to do.
                throw GoogleAuthError(.invalidCredentialsFile,
                    "The private key of \(key.description) is not a PKCS#8 RSA PEM key of at least 2048 bits. Download a new JSON key from IAM → Service accounts → Keys.")
            }
            keys = await JWTKeyCollection().add(rsa: privateKey, digestAlgorithm: .sha256,
                                                 kid: key.privateKeyID.map { JWKIdentifier(string: $0) })
            signer = keys
        }
        let issued = now().addingTimeInterval(-30)  // allows for clock skew
        let audience = configuration.tokenURL ?? key.tokenURI ?? Configuration.defaultTokenURL
        let claims = ServiceAccountAssertion(
            iss: .init(value: key.clientEmail), scope: configuration.scopes.joined(separator: " "),
            aud: .init(value: [audience]), iat: .init(value: issued),
            exp: .init(value: issued.addingTimeInterval(min(configuration.assertionLifetime, 3600))))
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(claims, kid: key.privateKeyID.map { JWKIdentifier(string: $0) }, header: header)
    }

    private func exchange(url: String, form: [(String, String)], context: GoogleTokenClassifier.Context) async throws -> Token {
        let request = HTTPTransport.Request(
            method: .POST, url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(Self.formEncode(form).utf8), timeout: .nanoseconds(configuration.requestTimeout.nanoseconds), maxBodyBytes: 1 << 20)
        return try await token(from: request, context)
    }

    private func metadataToken() async throws -> Token {
        if let metadataUnreachable { throw metadataUnreachable }
        var base = configuration.metadataBaseURL
        if !base.hasSuffix("/") { base += "/" }
        let scopes = configuration.scopes.joined(separator: ",")
            .addingPercentEncoding(withAllowedCharacters: Self.formAllowed) ?? ""
        let url = "\(base)instance/service-accounts/default/token?scopes=\(scopes)"
        let timeout = min(configuration.requestTimeout, configuration.metadataTimeout)
        let request = HTTPTransport.Request(url: url, headers: [("Metadata-Flavor", "Google")],
                                            timeout: .nanoseconds(timeout.nanoseconds), maxBodyBytes: 1 << 20)
        do {
            return try await token(from: request, .init(what: "the metadata server's service account", endpoint: url, isMetadataServer: true,
                                                        searchedBefore: configuration.searchedBeforeMetadataServer))
        } catch let error as GoogleAuthError where error.code == .noCredentials {
            metadataUnreachable = error
            throw error
        }
    }

    private func token(from request: HTTPTransport.Request, _ context: GoogleTokenClassifier.Context) async throws -> Token {
        let grant = try await grant(from: request, context)
        SecretRedactor.register(grant.accessToken)
        return Token(value: grant.accessToken, expiresAt: now().addingTimeInterval(grant.expiresIn ?? 3600))
    }

    /// Sends a token request through the one retry loop: transient failures are retried on `clock`, refusals are
    /// thrown at once. A token request carries a refresh token, client secret or signed assertion, so it follows
    /// redirects only to the same origin. Throws `GoogleAuthError` (or `CancellationError`).
    private nonisolated func grant(from request: HTTPTransport.Request, _ context: GoogleTokenClassifier.Context) async throws -> GoogleTokenClassifier.Grant {
        let caller = RetryingCaller(policy: configuration.retryPolicy, clock: clock, logger: logger)
        var lastError: GoogleAuthError?
        do {
            return try await caller.call("google token", attempt: { _ in
                let outcome = await transport.send(request, redirects: .sameOrigin(max: 3))
                try Task.checkCancellation()
                switch GoogleTokenClassifier.classify(outcome, context) {
                case .token(let grant):
                    return .success(grant)
                case .retry(let error, let rateLimited):
                    lastError = error
                    return .retry(reason: error.message, rateLimited: rateLimited)
                case .fail(let error):
                    throw error
                }
            }, exhausted: { lastReason, attempts in
                SyncError(.transient, "\(lastReason) (Gave up after \(attempts) attempts.)")
            })
        } catch let exhausted as SyncError {
            // Every attempt failed transiently: the last failure's kind, with how often it was tried.
            throw GoogleAuthError(lastError?.code ?? .unavailable, exhausted.message)
        }
    }

    static let formAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: formAllowed) ?? name)=\(value.addingPercentEncoding(withAllowedCharacters: formAllowed) ?? "")"
        }.joined(separator: "&")
    }
}
