import AsyncHTTPClient
import Destinations
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// Servers that answer badly on purpose: malformed successes, redirects to another host, echoed secrets,
/// answers about advertisers nobody asked for. Nothing loaded may be lost, no secret may leak.
@Suite(.serialized)
struct HostileAnswerTests {
    static let earlier = SyncHarness.now.addingTimeInterval(-3 * 86_400)

    /// A success envelope whose data is null or has the wrong shape must not move a bookmark: the stream
    /// fails, the bookmarks stay where the last good run left them, and a later healthy run loads everything.
    @Test(arguments: [FaultKind.nullData, .malformedList], ["report/integrated/get", "campaign/get"])
    func aMalformedSuccessNeverMovesABookmark(kind: FaultKind, endpoint: String) async throws {
        let settings = try SyncHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 12)
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        var hostileOptions = SyncHarness.simulatorOptions()
        hostileOptions.faults = [FaultRule(kind: kind, rate: 1, endpoint: endpoint)]
        let hostile = TikTokSimulator(options: hostileOptions)

        let reference = SyncHarness.temporaryDatabase()
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            for path in [reference, database] {
                let first = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: path, settings: settings, at: Self.earlier)
                #expect(first.status == .succeeded)
            }
        }
        let stateBefore = try await Self.state(database)

        let record = try await hostile.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: hostile, database: database, settings: settings,
                                       retryPolicy: SyncHarness.fastRetries(maxAttempts: 3))
        }
        #expect(record.status == .failed, "a malformed success must fail the stream, not pass as empty")
        #expect(record.status.exitCode != 0)
        #expect(record.errors.contains { $0.contains("documented") }, "\(record.errors)")
        let object = endpoint == "campaign/get" ? "campaigns" : "ad_insights"
        let stateAfter = try await Self.state(database)
        for (key, before) in stateBefore where key.object == object {
            #expect(stateAfter[key]?.bookmark == before.bookmark, "\(key) bookmark moved on a malformed answer")
            #expect(stateAfter[key]?.syncedAt == before.syncedAt, "\(key) state moved on a malformed answer")
        }
        #expect(hostile.requestLog.entries.contains { $0.fault == kind })

        // The next healthy run re-reads from the unmoved bookmark: content equals an undisturbed database's.
        try await simulator.withRunningServer { url in
            for path in [reference, database] {
                let next = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: path, settings: settings)
                #expect(next.status == .succeeded)
            }
        }
        #expect(SyncHarness.differences(try await SyncHarness.dump(database), try await SyncHarness.dump(reference)).isEmpty)
    }

    @Test func aMalformedSuccessExitsNonZeroFromTheCommandLine() async throws {
        var options = SyncHarness.simulatorOptions()
        options.faults = [FaultRule(kind: .nullData, rate: 1, endpoint: "report/integrated/get")]
        let simulator = TikTokSimulator(options: options)
        let database = SyncHarness.temporaryDatabase()
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture([
                "sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", "ad_insights",
                "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","), "--max-attempts", "2",
                "--now", SyncHarness.now.formatted(.iso8601),
            ], environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        #expect(result.code == 1, "\(result.err)")
        #expect(result.out.contains("documented") || result.err.contains("documented"))
        #expect(try await Self.state(database).values.allSatisfy { $0.bookmark == nil })
    }

    // MARK: Redirects

    /// TikTok's API does not redirect: a redirect to another host is refused, and the other host receives
    /// nothing, neither the access token header nor the app secret in the query.
    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectNeverCarriesCredentialsToAnotherHost(status: Int) async throws {
        let token = "redirect-test-token-\(UUID().uuidString)"
        let secret = "redirect-test-secret-\(UUID().uuidString)"
        try await HostileServer.with(label: "elsewhere", answer: { _ in HostileAnswer(body: #"{"code":0,"data":{"list":[]}}"#) }) { elsewhere, stolen in
            let otherHost = elsewhere.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            try await HostileServer.with(answer: { request in
                .redirect(status, to: otherHost + request.path + (request.query.map { "?\($0)" } ?? ""))
            }) { base, received in
                let api = TikTokAPIConfiguration(baseURL: try #require(URL(string: base + "/open_api/")), accessToken: token,
                                                 appID: "redirect-app", appSecret: secret, retryPolicy: SyncHarness.fastRetries())
                let job = SyncJob(api: api, settings: try SyncHarness.settings(objects: ["campaigns"]), destination: try SQLiteDestination(path: SyncHarness.temporaryDatabase()),
                                  logger: Logger(label: "test"), now: { SyncHarness.now })
                let error = await #expect(throws: SyncError.self) { try await job.run() }
                #expect(error?.kind == .badInput)
                #expect(error?.message.contains("redirect") == true, "\(String(describing: error))")
                #expect(error?.message.contains(secret) == false)
                #expect(received.value.count == 1, "one request, not repeated")
            }
            #expect(stolen.value.isEmpty, "the other host received \(stolen.value.map(\.allText))")
        }
    }

    // MARK: Echoed secrets

    /// A server whose error messages repeat the request (URL with `secret=`, the Access-Token header): the
    /// text reaches neither stdout, stderr, the JSON log nor the run history (the sweep in `ToolBinary` checks
    /// every captured stream and every table), and the message itself is still there, with the secrets masked.
    @Test(arguments: [
        (["--log-format", "text"], false), (["--log-format", "json"], false),
        (["--log-format", "json", "--log-level", "debug"], true), (["--log-format", "text"], true),
    ])
    func secretsEchoedByAServerAreNeverPrintedOrStored(logging: [String], withAdvertiserIDs: Bool) async throws {
        let token = "echo-test-token-\(UUID().uuidString)"
        let secret = "echo-test-secret-\(UUID().uuidString)"
        let database = SyncHarness.temporaryDatabase()
        let result = try await HostileServer.with(answer: { request in
            let echoed = "request=\(request.path)?\(request.query ?? "") Access-Token=\(request.headers.first { $0.0.lowercased() == "access-token" }?.1 ?? "")"
            // advertiser/info: a permission error (the advertiser is skipped and its reason stored);
            // the listing: a parameter error (the run stops and its error is stored).
            let code = request.path.contains("advertiser/info") ? 40001 : 40002
            let message = "Invalid param. \(echoed)".replacingOccurrences(of: "\"", with: "'")
            return HostileAnswer(body: #"{"code":\#(code),"message":"\#(message)","data":{}}"#)
        }) { base, received in
            var arguments = ["sync", "--api-base-url", base + "/open_api/", "--sqlite", database, "--objects", "campaigns",
                             "--max-attempts", "2"] + logging
            if withAdvertiserIDs { arguments += ["--advertiser-ids", "7000000000000000001"] }
            let result = try await ToolBinary.capture(arguments, environment: [
                "TIKTOK_ACCESS_TOKEN": token, "TIKTOK_APP_ID": "echo-app", "TIKTOK_APP_SECRET": secret,
            ])
            #expect(received.value.contains { $0.allText.contains(token) }, "the server did receive the token to echo")
            return result
        }
        #expect(result.code != 0)
        #expect((result.out + result.err).contains(SecretRedactor.mask), "the echoed message is shown, masked: \(result.err)")
        let runs = try await SyncHarness.query(database, "SELECT status, errors, skipped_advertisers FROM _tiktok_ads_runs")
        #expect(!runs.isEmpty, "the run is recorded")
    }

    @Test func theRedactorMasksCredentialShapedTextItWasNeverTold() {
        let text = """
            GET /open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=s3&auth_code=abc Access-Token: tok123 \
            {"refresh_token": "1//0g-xyz", "client_secret":"GOCSPX-abc"} Authorization: Bearer ya29.a0Af \
            -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----
            """
        let redacted = SecretRedactor.redact(text)
        for leaked in ["s3", "auth_code=abc", "tok123", "1//0g-xyz", "GOCSPX-abc", "ya29.a0Af", "MIIEv"] {
            #expect(!redacted.contains(leaked), "\(leaked) survived: \(redacted)")
        }
        #expect(redacted.contains("app_id=1"), "non-secret parameters stay readable")
        #expect(SecretRedactor.displayURL("https://user:pw@example.com/a/b?secret=x#f") == "https://example.com/a/b")
    }

    // MARK: Advertisers

    /// `advertiser/info` answering for an advertiser nobody asked for: it is ignored, not synced.
    @Test func anAdvertiserNobodyAskedForIsIgnored() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions(advertisers: 2))
        let granted = simulator.world.grantedAdvertiserIDs
        let (asked, foreign) = (granted[0], granted[1])
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            // A proxy that widens every advertiser/info request to both advertisers.
            try await HostileServer.with(answer: { request in
                var query = request.query ?? ""
                if request.path.contains("advertiser/info") {
                    query = query.replacingOccurrences(of: asked, with: "\(asked)%22%2C%22\(foreign)")
                }
                return await Self.forward(request, query: query, to: url)
            }) { base, _ in
                try await SyncHarness.sync(baseURL: try #require(URL(string: base + "/open_api/")), simulator: simulator, database: database,
                                           settings: try SyncHarness.settings(objects: ["advertiser", "campaigns"], advertiserIDs: [asked]))
            }
        }
        #expect(record.status == .succeeded, "\(record.errors) \(record.skippedAdvertisers)")
        let advertisers = try await SyncHarness.query(database, "SELECT DISTINCT advertiser_id FROM tiktok_ads_advertiser UNION SELECT DISTINCT advertiser_id FROM tiktok_ads_campaigns")
        #expect(advertisers == [[asked]])
        let infoCalls = simulator.requestLog.entries.filter { $0.endpoint == "advertiser/info" }
        #expect(infoCalls.contains { ($0.query["advertiser_ids"] ?? "").contains(foreign) }, "the proxy did widen the request")
    }

    /// A wrong app secret when listing advertisers says so, and where to find the right one.
    @Test func aWrongAppSecretSaysSo() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let error = try await simulator.withRunningServer { url in
            let api = TikTokAPIConfiguration(baseURL: url, accessToken: simulator.options.accessToken, appID: simulator.options.appId,
                                             appSecret: "wrong-secret-value", retryPolicy: SyncHarness.fastRetries())
            let job = SyncJob(api: api, settings: try SyncHarness.settings(objects: ["campaigns"]), destination: try SQLiteDestination(path: SyncHarness.temporaryDatabase()),
                              logger: Logger(label: "test"), now: { SyncHarness.now })
            return await #expect(throws: SyncError.self) { try await job.run() }
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("app id and secret") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Advertiser ?") == false)
    }

    // MARK: Listings and records that are not TikTok's

    /// A server that repeats the same rows on every page under an endless `total_page` (10^9): the listing
    /// ends after a few pages that bring nothing new, with a warning, and the rows it did bring are loaded once.
    @Test func aListingThatRepeatsItsRowsUnderAnEndlessTotalPageEnds() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let settings = try SyncHarness.settings(objects: ["campaigns"])
        let reference = SyncHarness.temporaryDatabase()
        let database = SyncHarness.temporaryDatabase()
        let log = Protected<[String]>([])
        let record = try await simulator.withRunningServer { url in
            _ = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: reference, settings: settings)
            // Every campaign/get page is page 1's rows, claiming a billion pages.
            return try await HostileServer.with(answer: { request in
                guard request.path.contains("campaign/get") else { return await Self.forward(request, query: request.query ?? "", to: url) }
                let query = (request.query ?? "").replacingOccurrences(of: #"page=\d+(&|$)"#, with: "page=1$1", options: .regularExpression)
                var answer = await Self.forward(request, query: query, to: url)
                answer.body = answer.body.replacingOccurrences(of: #""total_page":\s*\d+"#, with: #""total_page":1000000000"#, options: .regularExpression)
                return answer
            }) { base, received in
                let record = try await SyncHarness.sync(baseURL: try #require(URL(string: base + "/open_api/")), simulator: simulator,
                                                        database: database, settings: settings, log: log)
                let pages = received.value.filter { $0.path.contains("campaign/get") }.count
                let advertisers = simulator.world.grantedAdvertiserIDs.count
                #expect(pages == advertisers * (1 + TikTokSource.pagesWithoutNewRowsBeforeEnding),
                        "each advertiser's listing reads its one real page and then stops after the repeats")
                return record
            }
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(log.value.contains { $0.contains("no row it had not already returned") && $0.contains("total_page=1000000000") }, "\(log.value)")
        #expect(try await SyncHarness.query(database, "SELECT COUNT(*) FROM tiktok_ads_campaigns")
                == SyncHarness.query(reference, "SELECT COUNT(*) FROM tiktok_ads_campaigns"))
    }

    /// `advertiser/info` naming its advertiser with a number, or giving its timezone as a number, is not
    /// TikTok's answer (ids are strings; report dates are placed in the account's timezone): the run fails
    /// with a message naming the field, before anything is written.
    @Test(arguments: [
        (#""advertiser_id":"(\d+)""#, #""advertiser_id":$1"#, "advertiser_id"),
        (#""timezone":"[^"]*""#, #""timezone":8"#, "timezone"),
    ])
    func anAdvertiserRecordWithNumbersForStringsIsRefused(pattern: String, replacement: String, field: String) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let error = try await simulator.withRunningServer { url in
            try await HostileServer.with(answer: { request in
                var answer = await Self.forward(request, query: request.query ?? "", to: url)
                if request.path.contains("advertiser/info") {
                    answer.body = answer.body.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
                }
                return answer
            }) { base, _ in
                await #expect(throws: SyncError.self) {
                    try await SyncHarness.sync(baseURL: try #require(URL(string: base + "/open_api/")), simulator: simulator, database: database,
                                               settings: try SyncHarness.settings(objects: ["advertiser", "campaigns"]),
                                               retryPolicy: SyncHarness.fastRetries(maxAttempts: 2))
                }
            }
        }
        #expect(error?.kind == .invalidResponse)
        #expect(error?.message.contains("advertiser/info") == true && error?.message.contains("`data.list[0].\(field)`") == true,
                "\(String(describing: error))")
        for table in ["tiktok_ads_advertiser", "tiktok_ads_campaigns"] {
            let rows = try? await SyncHarness.query(database, "SELECT COUNT(*) FROM \(table)")
            #expect(rows == nil || rows == [["0"]], "\(table): \(String(describing: rows))")
        }
    }

    // MARK: Helpers

    static func state(_ database: String) async throws -> [StreamKey: StreamState] {
        let destination = try SQLiteDestination(path: database)
        let state = try await destination.loadState()
        await destination.close()
        return state
    }

    /// Repeats `request` against the simulator at `base` (with `query`) and returns its answer.
    static func forward(_ request: RecordedRequest, query: String, to base: URL) async -> HostileAnswer {
        let root = base.absoluteString.replacingOccurrences(of: "/open_api/", with: "")
        var outgoing = HTTPClientRequest(url: root + request.path + (query.isEmpty ? "" : "?\(query)"))
        for (name, value) in request.headers where name.lowercased() == "access-token" { outgoing.headers.add(name: name, value: value) }
        do {
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .minutes(5))
            let body = try await response.body.collect(upTo: 64 << 20)
            return HostileAnswer(status: Int(response.status.code), body: String(buffer: body))
        } catch {
            return HostileAnswer(status: 502, body: "proxy: \(error)")
        }
    }
}
