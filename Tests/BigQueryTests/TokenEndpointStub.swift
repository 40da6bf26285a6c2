import Destinations
import Foundation
import Hummingbird
import JWTKit
import Logging
import NIOCore
import Synchronization
import TestSupport

/// A local OAuth token endpoint for tests: verifies the RS256 assertion with the key's public half and
/// checks the claims, or accepts refresh tokens; records what it saw.
final class TokenEndpointStub: Sendable {
    struct Seen: Sendable {
        var grantType: String?
        var claims: ServiceAccountClaimsSeen?
        var kid: String?
        var refreshToken: String?
        var error: String?
    }

    /// The decoded claims of an accepted assertion.
    struct ServiceAccountClaimsSeen: Sendable {
        var iss: String
        var scope: String
        var aud: [String]
        var iat: Date
        var exp: Date
    }

    let verifier: JWTKeyCollection?
    let expectedIssuer: String
    let expectedScope: String
    let expectedRefreshToken: String
    /// How far `iat` may be from the wall clock (nil: not checked, for tests that move a virtual clock).
    let maxClockSkew: TimeInterval?
    private let log = Mutex<[Seen]>([])

    init(verifier: JWTKeyCollection?, expectedIssuer: String = "", expectedScope: String = "", expectedRefreshToken: String = "",
         maxClockSkew: TimeInterval? = 120) {
        self.maxClockSkew = maxClockSkew
        self.verifier = verifier
        self.expectedIssuer = expectedIssuer
        self.expectedScope = expectedScope
        self.expectedRefreshToken = expectedRefreshToken
    }

    var requests: [Seen] { log.withLock { $0 } }

    /// Serves on a free port, calls `body` with the token URL, stops afterwards.
    func withRunning<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("token") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let form = Self.parseForm(String(buffer: buffer))
            let (status, json) = await self.answer(form, audience: "http://\(request.head.authority ?? "")/token")
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return try await LocalHTTPServer.withRouter(router, label: "token-stub") { port in try await body("http://127.0.0.1:\(port)/token") }
    }

    private func answer(_ form: [String: String], audience: String) async -> (HTTPResponse.Status, String) {
        var seen = Seen(grantType: form["grant_type"])
        defer { log.withLock { $0.append(seen) } }
        switch form["grant_type"] {
        case "urn:ietf:params:oauth:grant-type:jwt-bearer":
            guard let verifier, let assertion = form["assertion"] else {
                seen.error = "no assertion"
                return (.badRequest, #"{"error":"invalid_request"}"#)
            }
            do {
                let claims = try await verifier.verify(assertion, as: ServiceAccountAssertion.self)
                let header = try JSONDecoder().decode([String: String].self,
                    from: Data(base64URL: String(assertion.split(separator: ".")[0])) ?? Data())
                seen.kid = header["kid"]
                seen.claims = ServiceAccountClaimsSeen(iss: claims.iss.value, scope: claims.scope, aud: claims.aud.value,
                                                       iat: claims.iat.value, exp: claims.exp.value)
                guard header["alg"] == "RS256", claims.iss.value == expectedIssuer, claims.scope == expectedScope,
                      claims.aud.value == [audience], claims.exp.value > claims.iat.value,
                      claims.exp.value.timeIntervalSince(claims.iat.value) <= 3600,
                      maxClockSkew.map({ abs(claims.iat.value.timeIntervalSinceNow) < $0 }) ?? true else {
                    seen.error = "claims"
                    return (.badRequest, #"{"error":"invalid_grant","error_description":"Invalid JWT claims."}"#)
                }
                return (.ok, #"{"access_token":"ya29.test-token","expires_in":3599,"token_type":"Bearer"}"#)
            } catch {
                seen.error = "signature: \(error)"
                return (.badRequest, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
            }
        case "refresh_token":
            seen.refreshToken = form["refresh_token"]
            guard form["refresh_token"] == expectedRefreshToken, form["client_id"] != nil, form["client_secret"] != nil else {
                return (.badRequest, #"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#)
            }
            return (.ok, #"{"access_token":"ya29.user-token","expires_in":3599,"token_type":"Bearer"}"#)
        default:
            return (.badRequest, #"{"error":"unsupported_grant_type"}"#)
        }
    }

    static func parseForm(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
