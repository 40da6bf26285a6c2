import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// The built `tiktok-ads` against an API base URL where TikTok is not: nothing listening, a host name that does not
/// resolve, a web server, garbage. Each run stops with exit 1 within seconds (the bound asserted is a generous 30 s),
/// names the URL, what happened and what to check, and leaves the data and bookmarks of an existing database as they were.
@Suite(.serialized)
struct UnreachableAPITests {
    static let advertiserID = "7000000000000000001"

    /// A database a healthy run filled (rows, bookmarks, one run in the history) and the text of every table.
    static func existingDatabase() async throws -> (path: String, tables: [String: String]) {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let record = try await simulator.withRunningServer { url in
            try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database,
                                       settings: try SyncHarness.settings(objects: ["campaigns", "ad_insights"], startDaysAgo: 5))
        }
        #expect(record.status == .succeeded)
        return (database, try await SyncHarness.allText(database))
    }

    /// Runs `sync` against `base` into an existing database; returns the exit code, stderr and the seconds it took,
    /// after checking the database: every table as before, and one more run in the history, failed, naming `url`.
    static func syncAgainst(_ base: String, token: String, expectURL url: String) async throws -> (code: Int32, err: String, seconds: Double) {
        let (database, before) = try await existingDatabase()
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await ToolBinary.capture([
            "sync", "--api-base-url", base, "--sqlite", database, "--advertiser-ids", advertiserID, "--objects", "campaigns,ad_insights",
            "--now", SyncHarness.now.formatted(.iso8601),
        ], environment: ["TIKTOK_ACCESS_TOKEN": token])
        let seconds = Double(started.duration(to: clock.now).components.seconds)

        let after = try await SyncHarness.allText(database)
        let runs = RunHistory.schema.name
        #expect(Set(after.keys) == Set(before.keys))
        for (table, text) in before where table != runs {
            #expect(after[table] == text, "table \(table) changed")
        }
        let earlierRuns = Set((before[runs] ?? "").split(separator: "\n"))
        #expect(earlierRuns.count == 1)
        #expect((after[runs] ?? "").split(separator: "\n").filter { !earlierRuns.contains($0) }.count == 1, "one run more in the history")
        let failed = try await SyncHarness.query(database, "SELECT errors FROM \(runs) WHERE status = 'failed'")
        #expect(failed.count == 1, "the failed run is recorded")
        let errors = try JSONSerialization.jsonObject(with: Data((failed.first?.first ?? "[]")?.utf8 ?? "[]".utf8)) as? [String]
        #expect(errors?.contains { $0.contains(url) } == true, "the run history says why: \(String(describing: errors))")
        return (result.code, result.err, seconds)
    }

    @Test func nothingListeningExitsOneNamingTheURLAndTheCause() async throws {
        let result = try await Self.syncAgainst("http://127.0.0.1:1/open_api/", token: "unreachable-token-\(UUID().uuidString)",
                                                expectURL: "http://127.0.0.1:1/open_api/v1.3/advertiser/info/")
        #expect(result.code == 1, "\(result.err)")
        #expect(result.seconds < 30, "it took \(result.seconds) s")
        #expect(result.err.contains("Cannot reach the TikTok API at http://127.0.0.1:1/open_api/v1.3/advertiser/info/: connection refused"), "\(result.err)")
        #expect(result.err.contains("--api-base-url"))
    }

    @Test func anUnknownHostExitsOneNamingTheURLAndTheCause() async throws {
        let result = try await Self.syncAgainst("http://no-such-host.invalid/open_api/", token: "unreachable-token-\(UUID().uuidString)",
                                                expectURL: "http://no-such-host.invalid/open_api/v1.3/advertiser/info/")
        #expect(result.code == 1, "\(result.err)")
        #expect(result.seconds < 30, "it took \(result.seconds) s")
        #expect(result.err.contains("Cannot reach the TikTok API at http://no-such-host.invalid/open_api/v1.3/advertiser/info/: host not found"), "\(result.err)")
        #expect(result.err.contains("host name in --api-base-url"))
    }

    /// A server that is not TikTok. `{token}` in a body is replaced by the access token the request carried: a
    /// server echoing it must not make the tool print it (the secrets sweep of `ToolBinary.capture` checks).
    struct NotTikTok: Sendable, CustomTestStringConvertible {
        var status: Int
        var contentType: String
        var body: String
        /// What the message must show of the answer.
        var shows: [String]

        var testDescription: String { "HTTP \(status) \(contentType)" }
    }

    @Test(arguments: [
        NotTikTok(status: 200, contentType: "text/html",
                  body: "<!DOCTYPE html><!-- {token} --><html><head><title>Welcome to nginx!</title></head><body>" + String(repeating: "x", count: 500),
                  shows: ["HTTP 200 (text/html, ", "\"<!DOCTYPE html><!-- \(SecretRedactor.mask) --><html>"]),
        NotTikTok(status: 404, contentType: "text/html; charset=utf-8", body: "<html><body><h1>404 Not Found</h1></body></html>",
                  shows: ["HTTP 404 (text/html; charset=utf-8, ", "<h1>404 Not Found</h1>"]),
        NotTikTok(status: 200, contentType: "application/octet-stream", body: "\u{0}\u{1}PK\u{3}\u{4}garbage\u{1B}[0m",
                  shows: ["HTTP 200 (application/octet-stream, 17 bytes)", #""\x00\x01PK\x03\x04garbage\x1B[0m""#]),
        NotTikTok(status: 200, contentType: "application/json", body: #"{"code":0,"message":"OK","data":{"list":[{"campai"#,
                  shows: ["HTTP 200 (application/json, ", #""{"code":0,"message":"OK","data":{"list":[{"campai""#]),
        NotTikTok(status: 502, contentType: "text/html", body: "<html><head><title>502 Bad Gateway</title></head></html>",
                  shows: ["HTTP 502 (text/html, ", "502 Bad Gateway", "a proxy in between is failing"]),
    ])
    func anAnswerThatIsNotTikTokExitsOneNamingTheURLAndWhatCameBack(answer: NotTikTok) async throws {
        let token = "not-tiktok-token-\(UUID().uuidString)"
        try await HostileServer.with(answer: { request in
            let echoed = request.headers.first { $0.0.lowercased() == "access-token" }?.1 ?? "none"
            return HostileAnswer(status: answer.status, headers: [("Content-Type", answer.contentType)],
                                 body: answer.body.replacingOccurrences(of: "{token}", with: echoed))
        }) { base, received in
            let url = base + "/open_api/v1.3/advertiser/info/"
            let result = try await Self.syncAgainst(base + "/open_api/", token: token, expectURL: url)
            #expect(result.code == 1, "\(result.err)")
            #expect(result.seconds < 30, "it took \(result.seconds) s")
            #expect(result.err.contains("\(url) answered HTTP \(answer.status)"), "\(result.err)")
            for text in answer.shows { #expect(result.err.contains(text), "\(text) is missing from: \(result.err)") }
            #expect(result.err.contains("--api-base-url"))
            #expect(received.value.count == 3, "three quick attempts, then the run stopped")
            #expect(received.value.contains { $0.allText.contains(token) }, "the server did receive the token it could echo")
        }
    }
}
