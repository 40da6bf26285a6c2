import CryptoExtras
import Destinations
import Foundation
import JWTKit
import Logging
import NIOCore
import Synchronization
import Testing

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
}
