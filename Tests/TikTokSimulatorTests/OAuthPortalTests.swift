import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TikTokSimulator

/// The simulator plays TikTok's OAuth side: the authorisation portal redirects to the app with a one-time code and the
/// app's state, a code is exchanged once and only within its lifetime (simulated time), issued tokens work on every
/// endpoint until revoked.
struct OAuthPortalTests {
    /// An HTTP client that shows redirects instead of following them.
    static let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))

    /// GET the portal without following its redirect: (status, Location).
    static func authorize(_ base: URL, _ params: [String: String]) async throws -> (status: Int, location: String?, body: String) {
        let portal = base.absoluteString.replacingOccurrences(of: "/open_api/", with: "/portal/auth")
        let request = HTTPClientRequest(url: portal + "?" + Harness.encode(params))
        let response = try await client.execute(request, timeout: .minutes(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Location"), String(buffer: body))
    }

    static func query(_ location: String) -> [String: String] {
        let items = URLComponents(string: location)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    static let app = ["app_id": "sim-app-id", "secret": "sim-app-secret"]

    @Test func thePortalRedirectsToTheAppWithACodeAndTheState() async throws {
        try await Harness.withSimulator(Harness.options()) { _, url in
            let answer = try await Self.authorize(url, ["app_id": "sim-app-id", "state": "s+1/=&x", "redirect_uri": "http://localhost:8910/callback?keep=1"])
            #expect(answer.status == 302)
            let location = try #require(answer.location)
            #expect(location.hasPrefix("http://localhost:8910/callback?"))
            let query = Self.query(location)
            #expect(query["keep"] == "1")
            #expect(query["state"] == "s+1/=&x")
            #expect(query["auth_code"]?.isEmpty == false)
            #expect(query["code"] == query["auth_code"])
        }
    }

    @Test(arguments: [
        (["state": "s", "redirect_uri": "http://localhost:1/cb"], "no app_id"),
        (["app_id": "other", "state": "s", "redirect_uri": "http://localhost:1/cb"], "No app with app_id other"),
        (["app_id": "sim-app-id", "state": "s"], "no valid redirect_uri"),
        (["app_id": "sim-app-id", "state": "s", "redirect_uri": "http://localhost:1/elsewhere"], "not the redirect URI registered"),
    ])
    func thePortalRefusesABadLink(params: [String: String], message: String) async throws {
        try await Harness.withSimulator(Harness.options { $0.redirectURI = "http://localhost:1/cb" }) { _, url in
            let answer = try await Self.authorize(url, params)
            #expect(answer.status == 400)
            #expect(answer.location == nil)
            #expect(answer.body.contains(message), "\(answer.body)")
        }
    }

    @Test func aPortalCodeIsExchangedOnceForANewTokenThatWorksUntilRevoked() async throws {
        try await Harness.withSimulator(Harness.options()) { _, url in
            let location = try #require(try await Self.authorize(url, ["app_id": "sim-app-id", "state": "s", "redirect_uri": "http://localhost:1/cb"]).location)
            let code = try #require(Self.query(location)["auth_code"])
            let first = try await Harness.post(url, "oauth2/access_token", json: Self.app.merging(["auth_code": code]) { $1 })
            #expect(first.code == 0)
            let token = try #require(first.data?["access_token"] as? String)
            #expect(token != Harness.token)
            #expect((first.data?["advertiser_ids"] as? [String])?.isEmpty == false)

            let again = try await Harness.post(url, "oauth2/access_token", json: Self.app.merging(["auth_code": code]) { $1 })
            #expect(again.code == 40110)

            #expect(try await Harness.get(url, "oauth2/advertiser/get", Self.app, token: token).code == 0)
            let revoked = try await Harness.post(url, "oauth2/revoke_token", json: Self.app.merging(["access_token": token]) { $1 })
            #expect(revoked.code == 0)
            #expect(try await Harness.get(url, "oauth2/advertiser/get", Self.app, token: token).code == 40105)
            // Revoking again: TikTok no longer knows the token.
            #expect(try await Harness.post(url, "oauth2/revoke_token", json: Self.app.merging(["access_token": token]) { $1 }).code == 40105)
            // The configured token is untouched.
            #expect(try await Harness.get(url, "oauth2/advertiser/get", Self.app).code == 0)
        }
    }

    @Test func aCodeExpiresTenMinutesOfSimulatedTimeAfterItWasIssued() async throws {
        try await Harness.withSimulator(Harness.options()) { simulator, url in
            var codes: [String] = []
            for _ in 0..<2 {
                let location = try #require(try await Self.authorize(url, ["app_id": "sim-app-id", "state": "s", "redirect_uri": "http://localhost:1/cb"]).location)
                codes.append(try #require(Self.query(location)["auth_code"]))
            }
            simulator.setNow(Harness.fixedNow.addingTimeInterval(600))
            #expect(try await Harness.post(url, "oauth2/access_token", json: Self.app.merging(["auth_code": codes[0]]) { $1 }).code == 0)
            simulator.setNow(Harness.fixedNow.addingTimeInterval(601))
            #expect(try await Harness.post(url, "oauth2/access_token", json: Self.app.merging(["auth_code": codes[1]]) { $1 }).code == 40110)
        }
    }

    @Test func revokingNeedsTheAppsSecret() async throws {
        try await Harness.withSimulator(Harness.options()) { _, url in
            let answer = try await Harness.post(url, "oauth2/revoke_token", json: ["app_id": "sim-app-id", "secret": "wrong", "access_token": Harness.token])
            #expect(answer.code == 40001)
            #expect(try await Harness.get(url, "oauth2/advertiser/get", Self.app).code == 0)
        }
    }

    @Test func theSandboxCannotListATokensAdvertisers() async throws {
        try await Harness.withSimulator(Harness.options { $0.sandbox = true }) { _, url in
            let answer = try await Harness.get(url, "oauth2/advertiser/get", Self.app)
            #expect(answer.code == 40001)
            #expect(answer.message?.contains("sandbox") == true)
        }
    }
}
