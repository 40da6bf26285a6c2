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

        public static let defaultTokenURL = "https://oauth2.googleapis.com/token"
        public static let defaultMetadataBaseURL = "http://metadata.google.internal/computeMetadata/v1/"

        public init(scopes: [String], tokenURL: String? = nil, metadataBaseURL: String? = nil,
                    refreshMargin: TimeInterval = 300, assertionLifetime: TimeInterval = 3600,
                    requestTimeout: TimeAmount = .seconds(30),
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
    private let now: @Sendable () -> Date
    private var cached: Token?
    private var refreshing: Task<Token, any Error>?
    private var signer: JWTKeyCollection?
    /// How many tokens were fetched (tests check caching with it).
    public private(set) var fetchCount = 0

    public init(credentials: GoogleCredentials, configuration: Configuration, transport: HTTPTransport = .shared,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
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
            ], what: "the service account \(key.clientEmail)")
        case .authorizedUser(let user):
            let url = configuration.tokenURL ?? user.tokenURI ?? Configuration.defaultTokenURL
            return try await exchange(url: url, form: [
                ("grant_type", "refresh_token"), ("refresh_token", user.refreshToken),
                ("client_id", user.clientID), ("client_secret", user.clientSecret),
            ], what: "the user credentials (client \(user.clientID))")
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

    private func exchange(url: String, form: [(String, String)], what: String) async throws -> Token {
        let request = HTTPTransport.Request(
            method: .POST, url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(Self.formEncode(form).utf8), timeout: .nanoseconds(configuration.requestTimeout.nanoseconds), maxBodyBytes: 1 << 20)
        let (status, body) = try await send(request)
        return try parseToken(status: status, body: body, what: what, endpoint: url)
    }

    private func metadataToken() async throws -> Token {
        var base = configuration.metadataBaseURL
        if !base.hasSuffix("/") { base += "/" }
        let scopes = configuration.scopes.joined(separator: ",")
            .addingPercentEncoding(withAllowedCharacters: Self.formAllowed) ?? ""
        let url = "\(base)instance/service-accounts/default/token?scopes=\(scopes)"
        let request = HTTPTransport.Request(url: url, headers: [("Metadata-Flavor", "Google")],
                                            timeout: .nanoseconds(configuration.requestTimeout.nanoseconds), maxBodyBytes: 1 << 20)
        let (status, body) = try await send(request, noCredentialsHint: true)
        return try parseToken(status: status, body: body, what: "the metadata server's service account", endpoint: url)
    }

    /// Sends a token request; a token request carries a refresh token, client secret or signed assertion,
    /// so it follows redirects only to the same origin.
    private func send(_ request: HTTPTransport.Request, noCredentialsHint: Bool = false) async throws -> (HTTPResponseStatus, Data) {
        let url = SecretRedactor.displayURL(request.url)
        switch await transport.send(request, redirects: .sameOrigin(max: 3)) {
        case .response(let status, _, let body):
            return (HTTPResponseStatus(statusCode: status), Data(body))
        case .redirected(let status, let from, let to):
            throw GoogleAuthError(.unavailable,
                "The Google token endpoint \(from) answered HTTP \(status) redirecting to another host (\(to)); the request was not repeated there (it carries your credentials). Check the token URL setting and any proxy in between.")
        case .transportError(let reason):
            if noCredentialsHint {
                throw GoogleAuthError(.noCredentials,
                    "No Google credentials: give a key file with --google-credentials or GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`. (The metadata server at \(url) was not reachable: \(reason))")
            }
            throw GoogleAuthError(.unavailable, "Cannot reach the Google token endpoint \(url): \(reason). Check the network, or the token URL setting.")
        }
    }

    private func parseToken(status: HTTPResponseStatus, body: Data, what: String, endpoint: String) throws -> Token {
        struct Success: Decodable { var access_token: String; var expires_in: Double? }
        struct Failure: Decodable { var error: String?; var error_description: String? }
        if status == .ok, let success = try? JSONDecoder().decode(Success.self, from: body) {
            SecretRedactor.register(success.access_token)
            return Token(value: success.access_token, expiresAt: now().addingTimeInterval(success.expires_in ?? 3600))
        }
        let failure = try? JSONDecoder().decode(Failure.self, from: body)
        let reason = [failure?.error, failure?.error_description].compactMap { $0 }.joined(separator: ": ")
        if status.code == 400 || status.code == 401 || status.code == 403 {
            var hint = "Check that the key or refresh token is current and the machine's clock is right."
            if failure?.error == "invalid_grant", case .authorizedUser = credentials {
                hint = "The refresh token was revoked or expired; run `gcloud auth application-default login` again."
            }
            throw GoogleAuthError(.rejected, "Google refused \(what) (HTTP \(status.code)\(reason.isEmpty ? "" : ", \(reason)")). \(hint)")
        }
        throw GoogleAuthError(.unavailable,
            "The token endpoint \(SecretRedactor.displayURL(endpoint)) answered HTTP \(status.code)\(reason.isEmpty ? "" : " (\(reason))") instead of a token for \(what). Try again later.")
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
