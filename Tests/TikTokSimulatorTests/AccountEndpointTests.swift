import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TikTokSimulator

@Suite struct AccountEndpointTests {
    @Test func tokenExchangeReturnsGrantedAdvertisersAndNoRefreshToken() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let r = try await Harness.post(
                url, "oauth2/access_token", json: ["app_id": "sim-app-id", "secret": "sim-app-secret", "auth_code": "sim-auth-code"])
            #expect(r.code == 0)
            #expect(r.message == "OK")
            #expect(r.data?["access_token"] as? String == "sim-access-token")
            #expect(r.data?["advertiser_ids"] as? [String] == sim.world.grantedAdvertiserIDs)
            #expect(r.data?["scope"] is [Any])
            #expect(r.data?["refresh_token"] == nil)
            // The auth code is single use.
            let again = try await Harness.post(
                url, "oauth2/access_token", json: ["app_id": "sim-app-id", "secret": "sim-app-secret", "auth_code": "sim-auth-code"])
            #expect(again.code == 40110)
        }
    }

    @Test(arguments: [
        (["secret": "sim-app-secret", "auth_code": "sim-auth-code"], 40002, "app_id"),
        (["app_id": "sim-app-id", "auth_code": "sim-auth-code"], 40002, "secret"),
        (["app_id": "sim-app-id", "secret": "sim-app-secret"], 40002, "auth_code"),
        (["app_id": "sim-app-id", "secret": "wrong", "auth_code": "sim-auth-code"], 40001, "secret"),
        (["app_id": "sim-app-id", "secret": "sim-app-secret", "auth_code": "nope"], 40110, "auth_code"),
    ])
    func tokenExchangeErrors(body: [String: String], code: Int, mentions: String) async throws {
        try await Harness.withSimulator(Harness.options()) { _, url in
            let r = try await Harness.post(url, "oauth2/access_token", json: body)
            #expect(r.status == 200)
            #expect(r.code == code)
            #expect(r.message?.contains(mentions) == true, "\(r.text)")
        }
    }

    @Test func advertiserGetListsGrantedOnlyWithoutPageInfo() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let r = try await Harness.get(url, "oauth2/advertiser/get", ["app_id": "sim-app-id", "secret": "sim-app-secret"])
            #expect(r.code == 0)
            #expect(r.list.compactMap { $0["advertiser_id"] as? String } == sim.world.grantedAdvertiserIDs)
            #expect(r.list.allSatisfy { $0["advertiser_name"] is String })
            #expect(r.data?["page_info"] == nil)
            let wrong = try await Harness.get(url, "oauth2/advertiser/get", ["app_id": "other", "secret": "sim-app-secret"])
            #expect(wrong.code != 0)
            #expect(wrong.message?.contains("The app_id is inconsistent with the token's app information") == true)
            let missing = try await Harness.get(url, "oauth2/advertiser/get", ["app_id": "sim-app-id"])
            #expect(missing.code == 40002)
            #expect(missing.message?.hasPrefix("secret:") == true)
        }
    }

    @Test func advertiserInfoTypesAndFields() async throws {
        try await Harness.withSimulator(Harness.options { $0.advertisers = 5 }) { sim, url in
            let ids = sim.world.grantedAdvertiserIDs
            let r = try await Harness.get(url, "advertiser/info", ["advertiser_ids": Harness.jsonText(ids)])
            #expect(r.code == 0)
            #expect(r.list.count == 5)
            let first = try #require(r.list.first)
            #expect(first["advertiser_id"] as? String == ids[0])
            #expect(first["create_time"] is NSNumber)
            #expect(first["balance"] is NSNumber)
            #expect(first["company_name_editable"] == nil)
            let zones = Set(r.list.compactMap { $0["timezone"] as? String })
            #expect(zones.count == 5)
            #expect(Set(r.list.compactMap { $0["currency"] as? String }).isSuperset(of: ["USD", "GBP", "JPY", "EUR"]))
            let some = try await Harness.get(
                url, "advertiser/info", ["advertiser_ids": Harness.jsonText([ids[1]]), "fields": "[\"name\",\"timezone\"]"])
            #expect(some.list.first.map { Set($0.keys) } == ["name", "timezone"])
        }
    }

    @Test func advertiserInfoErrors() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let granted = sim.world.grantedAdvertiserIDs[0]
            let denied = sim.world.unauthorizedAdvertiserIDs[0]
            let cases: [([String: String], Int, String)] = [
                ([:], 40002, "advertiser_ids"),
                (["advertiser_ids": "123"], 40002, "advertiser_ids"),
                (["advertiser_ids": "[\"" + granted], 40002, "advertiser_ids"),
                (["advertiser_ids": Harness.jsonText(Array(repeating: granted, count: 101))], 40002, "advertiser_ids"),
                (["advertiser_ids": Harness.jsonText([granted]), "fields": "[\"nope\"]"], 40002, "fields"),
                (["advertiser_ids": Harness.jsonText([denied])], 40001, "No permission to operate advertiser \(denied)"),
                (["advertiser_ids": Harness.jsonText(["7000000000000000001"])], 40001, "No permission to operate advertiser"),
            ]
            for (params, code, text) in cases {
                let r = try await Harness.get(url, "advertiser/info", params)
                #expect(r.code == code, "\(params)")
                #expect(r.message?.contains(text) == true, "\(r.text)")
            }
        }
    }

    @Test(arguments: [
        (nil as String?, 40105), ("wrong-token", 40105), ("Bearer sim-access-token", 40105), ("sim-access-token", 0),
    ])
    func accessTokenHeader(token: String?, code: Int) async throws {
        try await Harness.withSimulator(Harness.options()) { _, url in
            let r = try await Harness.get(url, "user/info", token: token)
            #expect(r.status == 200)
            #expect(r.code == code)
            if code == 0 {
                #expect(r.message == "OK")
                #expect(r.data?["display_name"] is String)
                #expect(r.data?["email"] is String)
            }
        }
    }

    @Test(arguments: [true, false])
    func pathsWorkWithAndWithoutTrailingSlash(slash: Bool) async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            for endpoint in ["user/info", "campaign/get", "adgroup/get", "ad/get", "dmp/custom_audience/list"] {
                let r = try await Harness.get(url, endpoint, endpoint == "user/info" ? [:] : ["advertiser_id": adv], trailingSlash: slash)
                #expect(r.code == 0, "\(endpoint): \(r.text)")
                #expect(r.message == "OK")
                #expect((r.json?["request_id"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test func customAudiencesPaging() async throws {
        try await Harness.withSimulator(Harness.options { $0.audiencesPerAdvertiser = 25 }) { sim, url in
            let adv = sim.world.grantedAdvertiserIDs[0]
            let first = try await Harness.get(url, "dmp/custom_audience/list", ["advertiser_id": adv])
            #expect(first.code == 0)
            #expect(first.pageInfo["page_size"] == 10)
            #expect(first.list.count == 10)
            let total = try #require(first.pageInfo["total_number"])
            #expect(total > 10 && total <= 25)
            let item = try #require(first.list.first)
            #expect(item["audience_type"] is String)
            #expect(item["cover_num"] is NSNumber)
            #expect((item["create_time"] as? String)?.count == 19)
            let all = try await Harness.get(url, "dmp/custom_audience/list", ["advertiser_id": adv, "page_size": "100"])
            #expect(all.list.count == total)
            for bad in ["0", "101", "x"] {
                let r = try await Harness.get(url, "dmp/custom_audience/list", ["advertiser_id": adv, "page_size": bad])
                #expect(r.code == 40002)
                #expect(r.message?.hasPrefix("page_size:") == true)
            }
            let denied = try await Harness.get(url, "dmp/custom_audience/list", ["advertiser_id": sim.world.unauthorizedAdvertiserIDs[0]])
            #expect(denied.code == 40001)
        }
    }

    @Test func controlEndpointsExposeLogAndMoveNow() async throws {
        try await Harness.withSimulator(Harness.options()) { sim, url in
            _ = try await Harness.get(url, "user/info")
            _ = try await Harness.get(url, "user/info", token: nil)
            #expect(sim.requestLog.count(endpoint: "user/info") == 2)
            #expect(sim.requestLog.entries.last?.code == 40105)
            let root = url.deletingLastPathComponent().absoluteString
            let log = try await Harness.send(.init(url: root + "_simulator/requests"), timeout: Harness.patience)
            #expect((log.json?["counts"] as? [String: Any])?["user/info"] as? Int == 2)
            var del = HTTPClientRequestBuilder.make(root + "_simulator/requests", method: "DELETE")
            _ = try await Harness.send(del, timeout: Harness.patience)
            #expect(sim.requestLog.totalCount == 0)
            del = HTTPClientRequestBuilder.make(root + "_simulator/now", method: "POST", body: "{\"now\":\"2026-02-01T00:00:00Z\"}")
            let moved = try await Harness.send(del, timeout: Harness.patience)
            #expect(moved.status == 200)
            #expect(sim.now == Date(timeIntervalSince1970: 1_769_904_000))
            let health = try await Harness.send(.init(url: root + "_simulator/health"), timeout: Harness.patience)
            #expect(health.status == 200)
        }
    }
}
