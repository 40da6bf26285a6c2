import Destinations
import Foundation
import Logging
import SyncKit
import TestSupport
import Testing

/// Google endpoints that redirect or echo secrets: credentials never travel to another host, and no
/// refresh token, client secret or access token reaches an error message.
struct GoogleHostileServerTests {
    static func userCredentials(refreshToken: String, clientSecret: String, tokenURI: String) throws -> GoogleCredentials {
        try GoogleCredentials.parse(try JSONSerialization.data(withJSONObject: [
            "type": "authorized_user", "client_id": "hostile-client.apps.googleusercontent.com",
            "client_secret": clientSecret, "refresh_token": refreshToken, "token_uri": tokenURI,
        ]))
    }

    static func source(_ credentials: GoogleCredentials) -> GoogleTokenSource {
        GoogleTokenSource(credentials: credentials, configuration: .init(scopes: ["https://www.googleapis.com/auth/bigquery"], environment: [:]),
                          logger: Logger(label: "test"))
    }

    /// A token endpoint that redirects to another host: the refresh token and client secret (in a POST body,
    /// which a 307 or 308 would carry along) never arrive there.
    @Test(arguments: [302, 307, 308])
    func aTokenRequestNeverFollowsARedirectToAnotherHost(status: Int) async throws {
        let refreshToken = "1//hostile-refresh-\(UUID().uuidString)"
        let clientSecret = "GOCSPX-hostile-\(UUID().uuidString)"
        try await HostileServer.with(label: "elsewhere", answer: { _ in
            HostileAnswer(body: #"{"access_token":"ya29.stolen","expires_in":3600}"#)
        }) { elsewhere, stolen in
            let otherHost = elsewhere.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            try await HostileServer.with(answer: { _ in .redirect(status, to: otherHost + "/token") }) { base, received in
                let source = Self.source(try Self.userCredentials(refreshToken: refreshToken, clientSecret: clientSecret, tokenURI: base + "/token"))
                let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
                #expect(error?.message.contains("redirect") == true, "\(String(describing: error))")
                #expect(received.value.count == 1)
            }
            #expect(stolen.value.isEmpty, "the other host received \(stolen.value.map(\.allText))")
        }
    }

    /// A redirect to the same origin is followed (Google may move a path), with the request intact.
    @Test func aRedirectOnTheSameOriginIsFollowed() async throws {
        let refreshToken = "1//same-origin-\(UUID().uuidString)"
        try await HostileServer.with(answer: { request in
            if request.path == "/moved" { return .redirect(307, to: "/token") }
            guard request.body.contains("refresh_token=") else { return HostileAnswer(status: 400, body: #"{"error":"invalid_request"}"#) }
            return HostileAnswer(body: #"{"access_token":"ya29.same-origin","expires_in":3600}"#)
        }) { base, received in
            let source = Self.source(try Self.userCredentials(refreshToken: refreshToken, clientSecret: "GOCSPX-same-origin", tokenURI: base + "/moved"))
            #expect(try await source.accessToken() == "ya29.same-origin")
            #expect(received.value.map(\.path) == ["/moved", "/token"])
        }
    }

    /// A token endpoint whose error repeats the refresh token and client secret: the message keeps the
    /// error, never the secrets.
    @Test func secretsEchoedByTheTokenEndpointAreMasked() async throws {
        let refreshToken = "1//echoed-refresh-\(UUID().uuidString)"
        let clientSecret = "GOCSPX-echoed-\(UUID().uuidString)"
        try await HostileServer.with(answer: { request in
            let echoed = request.body.replacingOccurrences(of: "\"", with: "'")
            return HostileAnswer(status: 400, body: #"{"error":"invalid_grant","error_description":"Bad request: \#(echoed) refresh \#(refreshToken) secret \#(clientSecret)"}"#)
        }) { base, _ in
            let source = Self.source(try Self.userCredentials(refreshToken: refreshToken, clientSecret: clientSecret, tokenURI: base + "/token"))
            let error = await #expect(throws: GoogleAuthError.self) { try await source.accessToken() }
            let message = error?.message ?? ""
            #expect(message.contains("invalid_grant"))
            let leaks = SecretSweep([refreshToken, clientSecret]).leaks(in: ["error message": message, "description": "\(String(describing: error))"])
            #expect(leaks.isEmpty, "\(leaks): \(message)")
        }
    }
}
