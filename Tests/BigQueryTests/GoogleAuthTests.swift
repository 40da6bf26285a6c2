import CryptoExtras
@testable import Destinations
import Foundation
import HTTPTransport
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import SyncKit
import Testing
import TestSupport

/// The service-account JWT flow and the refresh-token flow against a local token endpoint that verifies
/// the RS256 signature with the key's public half and checks iss, scope, aud, iat and exp.
struct GoogleAuthTests {
    static let scope = "https://www.googleapis.com/auth/bigquery"

    static func logger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func serviceAccountFile(pem: String, tokenURI: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "project_id": "test-proj", "private_key_id": "key-1", "private_key": pem,
            "client_email": "loader@test-proj.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokenURI,
        ])
    }

    @Test func serviceAccountJWTIsSignedVerifiedExchangedAndCached() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let verifier = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: key.publicKey.pemRepresentation),
                                                    digestAlgorithm: .sha256, kid: "key-1")
        let stub = TokenEndpointStub(verifier: verifier, expectedIssuer: "loader@test-proj.iam.gserviceaccount.com",
                                     expectedScope: Self.scope)
        try await stub.withRunning { tokenURL in
            let credentials = try GoogleCredentials.parse(try Self.serviceAccountFile(pem: key.pemRepresentation, tokenURI: tokenURL))
            #expect(credentials.projectID == "test-proj")
            let source = GoogleTokenSource(credentials: credentials, configuration: .init(scopes: [Self.scope], environment: [:]),
                                           logger: Self.logger())
            #expect(try await source.accessToken() == "ya29.test-token")
            // Cached: a second call does not go back to the endpoint.
            #expect(try await source.accessToken() == "ya29.test-token")
            #expect(await source.fetchCount == 1)
        }
        let seen = try #require(stub.requests.first)
        #expect(stub.requests.count == 1)
        #expect(seen.error == nil)
        #expect(seen.kid == "key-1")
        let claims = try #require(seen.claims)
        #expect(claims.iss == "loader@test-proj.iam.gserviceaccount.com")
        #expect(claims.scope == Self.scope)
        #expect(claims.exp.timeIntervalSince(claims.iat) == 3600)
    }

    @Test func tokenIsRefreshedBeforeItExpires() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let verifier = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: key.publicKey.pemRepresentation),
                                                    digestAlgorithm: .sha256, kid: "key-1")
        let stub = TokenEndpointStub(verifier: verifier, expectedIssuer: "loader@test-proj.iam.gserviceaccount.com",
                                     expectedScope: Self.scope, maxClockSkew: nil)
        let clock = Mutex(Date())
        try await stub.withRunning { tokenURL in
            let credentials = try GoogleCredentials.parse(try Self.serviceAccountFile(pem: key.pemRepresentation, tokenURI: tokenURL))
            let source = GoogleTokenSource(credentials: credentials, configuration: .init(scopes: [Self.scope], environment: [:]),
                                           logger: Self.logger(), now: { clock.withLock { $0 } })
            _ = try await source.accessToken()
            clock.withLock { $0 = $0.addingTimeInterval(3000) }  // 599 s left: still more than the 300 s margin
            _ = try await source.accessToken()
            #expect(await source.fetchCount == 1)
            clock.withLock { $0 = $0.addingTimeInterval(400) }  // 199 s left: refresh
            _ = try await source.accessToken()
            #expect(await source.fetchCount == 2)
        }
    }

    @Test func aSignatureFromAnotherKeyIsRejectedWithoutShowingTheKey() async throws {
        let signing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let verifier = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: other.publicKey.pemRepresentation),
                                                    digestAlgorithm: .sha256, kid: "key-1")
        let stub = TokenEndpointStub(verifier: verifier, expectedIssuer: "loader@test-proj.iam.gserviceaccount.com",
                                     expectedScope: Self.scope)
        let pem = signing.pemRepresentation
        try await stub.withRunning { tokenURL in
            let credentials = try GoogleCredentials.parse(try Self.serviceAccountFile(pem: pem, tokenURI: tokenURL))
            let source = GoogleTokenSource(credentials: credentials, configuration: .init(scopes: [Self.scope], environment: [:]),
                                           logger: Self.logger())
            let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
            #expect(error?.code == .rejected)
            #expect(error?.message.contains("Invalid JWT Signature") == true)
            let body = pem.split(separator: "\n").dropFirst().first.map(String.init) ?? "MII"
            #expect(error.map { !"\($0)".contains(body) } == true)
            #expect(!"\(credentials)".contains(body))
        }
        #expect(stub.requests.first?.error?.hasPrefix("signature") == true)
    }

    @Test func authorizedUserRefreshTokenIsExchanged() async throws {
        let stub = TokenEndpointStub(verifier: nil, expectedRefreshToken: "1//refresh")
        try await stub.withRunning { tokenURL in
            let file = try JSONSerialization.data(withJSONObject: [
                "type": "authorized_user", "client_id": "cid", "client_secret": "csecret", "refresh_token": "1//refresh",
            ])
            let credentials = try GoogleCredentials.parse(file)
            #expect(!"\(credentials)".contains("csecret") && !"\(credentials)".contains("1//refresh"))
            let source = GoogleTokenSource(credentials: credentials,
                                           configuration: .init(scopes: [Self.scope], tokenURL: tokenURL, environment: [:]),
                                           logger: Self.logger())
            #expect(try await source.accessToken() == "ya29.user-token")
        }
    }

    @Test func applicationDefaultResolutionOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let user = directory.appendingPathComponent("user.json")
        try Data(#"{"type":"authorized_user","client_id":"a","client_secret":"b","refresh_token":"c"}"#.utf8).write(to: user)
        guard case .authorizedUser = try GoogleCredentials.resolve(environment: ["GOOGLE_APPLICATION_CREDENTIALS": user.path]) else {
            Issue.record("GOOGLE_APPLICATION_CREDENTIALS was not used")
            return
        }
        guard case .metadataServer = try GoogleCredentials.resolve(environment: ["HOME": directory.path]) else {
            Issue.record("the metadata server is the last resort")
            return
        }
        let missing = #expect(throws: GoogleAuthError.self) { try GoogleCredentials.resolve(file: directory.appendingPathComponent("nope.json").path) }
        #expect(missing?.code == .invalidCredentialsFile)
        let bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"type":"service_account","client_email":"x@y","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----\n"}"#.utf8).write(to: bad)
        // A malformed key fails when used, and the error does not quote it.
        let credentials = try GoogleCredentials.resolve(file: bad.path)
        #expect(!"\(credentials)".contains("SECRETSTUFF"))
    }

    @Test func metadataServerUnreachableSaysWhereCredentialsCanComeFrom() async throws {
        let source = GoogleTokenSource(credentials: .metadataServer,
                                       configuration: .init(scopes: [Self.scope], metadataBaseURL: "http://127.0.0.1:1/computeMetadata/v1/",
                                                            requestTimeout: .seconds(2), environment: [:]),
                                       logger: Self.logger())
        let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
        #expect(error?.code == .noCredentials)
        #expect(error?.message.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
    }

    /// A metadata server that accepts the connection and never answers (off Google Cloud, a firewall that drops):
    /// given `metadataTimeout`, not the request timeout, and asked once; the message lists every place looked in.
    /// The metadata server's own short timeout applies, not the request timeout: with a request timeout of an hour,
    /// a test that used it would outlive its time limit. The failure is remembered, so the server is asked once.
    @Test(.timeLimit(.minutes(10)))
    func aMetadataServerThatNeverAnswersIsGivenSecondsOnce() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let source = GoogleTokenSource(credentials: .metadataServer,
                                       configuration: .init(scopes: [Self.scope], metadataBaseURL: "http://127.0.0.1:\(silent.port)/computeMetadata/v1/",
                                                            requestTimeout: .seconds(3600), metadataTimeout: .seconds(1),
                                                            environment: ["HOME": "/nonexistent-home"]),
                                       logger: Self.logger())
        let first = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
        let second = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
        #expect(silent.acceptWaitingConnections() == 1, "the metadata server is asked once; the second ask reuses the failure")
        #expect(first?.code == .noCredentials && second?.code == .noCredentials)
        #expect(second?.message == first?.message, "the second ask reports the first failure")
        for place in ["--google-credentials", "GOOGLE_APPLICATION_CREDENTIALS (not set)",
                      "/nonexistent-home/.config/gcloud/application_default_credentials.json (not found)",
                      "the metadata server at http://127.0.0.1:\(silent.port)/", "gcloud auth application-default login"] {
            #expect(first?.message.contains(place) == true, "\(place): \(String(describing: first))")
        }
    }
}

/// Token requests go through the one retry loop: 429, 408, 5xx and transport failures are retried with backoff on
/// the injected clock; refusals (400, 401, 403) and redirects elsewhere fail at once, with the same messages.
struct GoogleTokenRetryTests {
    static func source(tokenURL: String, clock: VirtualClock) throws -> GoogleTokenSource {
        let credentials = try GoogleCredentials.parse(try JSONSerialization.data(withJSONObject: [
            "type": "authorized_user", "client_id": "cid", "client_secret": "csecret-retry", "refresh_token": "1//refresh-retry",
        ]))
        return GoogleTokenSource(credentials: credentials,
                                 configuration: .init(scopes: [GoogleAuthTests.scope], tokenURL: tokenURL, environment: [:]),
                                 logger: GoogleAuthTests.logger(), clock: clock)
    }

    /// A server that gives `answers` in turn (the last one again once they run out).
    static func withEndpoint<T: Sendable>(_ answers: [HostileAnswer],
                                          _ body: @Sendable (_ tokenURL: String, _ received: Protected<[RecordedRequest]>) async throws -> T) async throws -> T {
        let served = Protected(0)
        return try await HostileServer.with(answer: { _ in
            let index = served.withLock { count in
                count += 1
                return count - 1
            }
            return answers[min(index, answers.count - 1)]
        }) { base, received in try await body(base + "/token", received) }
    }

    static let unavailable = HostileAnswer(status: 503, body: #"{"error":"backend_error"}"#)
    static let token = HostileAnswer(body: #"{"access_token":"ya29.after-retries","expires_in":3599,"token_type":"Bearer"}"#)

    @Test func aTokenEndpointThatAnswers503TwiceIsRetriedOnTheClock() async throws {
        let clock = VirtualClock()
        try await Self.withEndpoint([Self.unavailable, Self.unavailable, Self.token]) { tokenURL, received in
            let source = try Self.source(tokenURL: tokenURL, clock: clock)
            #expect(try await source.accessToken() == "ya29.after-retries")
            #expect(received.value.count == 3)
            #expect(await source.fetchCount == 1)
        }
        // Two backoffs of the default policy (500 ms base, doubling, jitter in the upper half), on the injected clock.
        let waits = clock.sleeps
        #expect(waits.count == 2)
        #expect(waits.first.map { $0 >= .milliseconds(250) && $0 <= .milliseconds(500) } == true, "\(waits)")
        #expect(waits.last.map { $0 >= .milliseconds(500) && $0 <= .seconds(1) } == true, "\(waits)")
    }

    @Test func anInvalidGrantIsNotRetried() async throws {
        let clock = VirtualClock()
        let refused = HostileAnswer(status: 400, body: #"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#)
        try await Self.withEndpoint([refused, Self.token]) { tokenURL, received in
            let source = try Self.source(tokenURL: tokenURL, clock: clock)
            let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
            #expect(error?.code == .rejected)
            #expect(error?.message.contains("HTTP 400, invalid_grant: Token has been expired or revoked.") == true, "\(String(describing: error))")
            #expect(error?.message.contains("run `gcloud auth application-default login` again") == true)
            #expect(received.value.count == 1)
        }
        #expect(clock.sleeps.isEmpty)
    }

    @Test func aTokenEndpointThatKeepsFailingGivesUpAfterThePolicysAttempts() async throws {
        let clock = VirtualClock()
        try await Self.withEndpoint([Self.unavailable]) { tokenURL, received in
            let source = try Self.source(tokenURL: tokenURL, clock: clock)
            let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("answered HTTP 503 (backend_error)") == true, "\(String(describing: error))")
            #expect(error?.message.contains("4 attempts") == true)
            #expect(received.value.count == 4)
        }
        #expect(clock.sleeps.count == 3)
    }

    enum Expected: Equatable, CustomStringConvertible {
        case token, retry, rateLimited, fail(GoogleAuthError.Code)
        var description: String {
            switch self {
            case .token: "token"
            case .retry: "retry"
            case .rateLimited: "rate limited"
            case .fail(let code): "fail(\(code))"
            }
        }
    }

    static func answer(_ status: Int, _ body: String = #"{"error":"x"}"#) -> HTTPTransport.Outcome {
        .response(status: status, headers: HTTPHeaders(), body: Array(body.utf8))
    }

    /// One row of the table: an answer of the token endpoint (or the metadata server) and what it must mean.
    struct Row: Sendable, CustomStringConvertible {
        var outcome: HTTPTransport.Outcome
        var metadataServer = false
        var expected: Expected
        var description: String { "\(metadataServer ? "metadata " : "")\(outcome) → \(expected)" }
    }

    static func row(_ outcome: HTTPTransport.Outcome, metadata: Bool = false, _ expected: Expected) -> Row {
        Row(outcome: outcome, metadataServer: metadata, expected: expected)
    }

    @Test(arguments: [
        row(answer(200, #"{"access_token":"ya29.t","expires_in":3599}"#), .token),
        row(answer(200, "<html>login</html>"), .fail(.unavailable)),
        row(answer(400, #"{"error":"invalid_grant"}"#), .fail(.rejected)),
        row(answer(401, #"{"error":"unauthorized_client"}"#), .fail(.rejected)),
        row(answer(403), .fail(.rejected)),
        row(answer(404), .fail(.unavailable)),
        row(answer(404), metadata: true, .fail(.unavailable)),
        row(answer(408), .retry),
        row(answer(429), .rateLimited),
        row(answer(500), .retry), row(answer(502), .retry), row(answer(503), .retry),
        row(answer(503), metadata: true, .retry),
        row(.transportError("timeout"), .retry),
        row(.transportError("connection refused"), metadata: true, .fail(.noCredentials)),
        row(.redirected(status: 307, from: "https://oauth2.googleapis.com/token", to: "https://elsewhere.example/token"), .fail(.unavailable)),
    ])
    func classifiesEveryTokenAnswerOnce(_ row: Row) {
        let context = row.metadataServer
            ? GoogleTokenClassifier.Context(what: "the metadata server's service account",
                                            endpoint: "http://metadata.google.internal/computeMetadata/v1/x", isMetadataServer: true)
            : GoogleTokenClassifier.Context(what: "the service account a@b", endpoint: "https://oauth2.googleapis.com/token")
        let verdict = GoogleTokenClassifier.classify(row.outcome, context)
        switch (verdict, row.expected) {
        case (.token(let grant), .token): #expect(grant.accessToken == "ya29.t" && grant.expiresIn == 3599)
        case (.retry(let error, let rateLimited), .retry): #expect(!rateLimited && error.code == .unavailable)
        case (.retry(let error, let rateLimited), .rateLimited): #expect(rateLimited && error.code == .unavailable)
        case (.fail(let error), .fail(let code)): #expect(error.code == code, "\(error)")
        default: Issue.record("got \(verdict), expected \(row.expected)")
        }
    }
}
