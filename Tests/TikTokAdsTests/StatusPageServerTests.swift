import Foundation
import NIOHTTP1
import SyncKit
import Testing
import TikTokSimulator

/// The status page served by the binary: `/status.json` is byte for byte `tiktok-ads status --format json` for the same
/// destination and instant (under `schedule` and under `serve`), `/metrics` and `/health` keep working, basic auth
/// refuses wrong or missing credentials with 401 and never prints the password, bad flags are bad input.
@Suite(.serialized)
struct StatusPageServerTests {
    @Test func scheduleServesTheSameJSONAsTheStatusCommandAndThePage() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let minute = SyncHarness.hourlyMinuteFarFromNow()
        let granted = simulator.world.grantedAdvertiserIDs
        let (served, page, health, metrics, exit) = try await simulator.withRunningServer { url in
            let server = try await StatusPageHarness.startSchedule(url, database: database, advertisers: granted, minute: minute)
            let metrics = try await StatusPageHarness.waitForFinishedRun(server.base)
            let served = try await StatusPageHarness.get(server.base + "/status.json")
            let page = try await StatusPageHarness.get(server.base + "/")
            let health = try await StatusPageHarness.get(server.base + "/health")
            return (served, page, health, metrics, await server.stop())
        }
        #expect(exit == 0)
        #expect(served.status == 200)
        #expect(served.headers.first(name: "Content-Type") == "application/json")
        let cli = try await StatusPageHarness.statusJSON(database, ["--hourly", minute])
        #expect(served.body == cli, "/status.json differs from `status --format json`")

        let json = try StatusPageHarness.object(served.body)
        #expect(json["schedule"] as? String == "hourly at minute \(minute)")
        #expect(json["next_tick"] as? String != nil)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs.first?["status"] as? String == "succeeded")
        // The run history keeps what the pacer did: every endpoint family the run called, with its answers.
        let pacing = try #require(runs.first?["pacing"] as? [[String: Any]])
        #expect(!pacing.isEmpty)
        #expect(pacing.allSatisfy { ($0["answers"] as? Int ?? 0) > 0 })
        let daily = try #require(json["daily"] as? [[String: Any]])
        #expect(Set(daily.compactMap { $0["advertiser_id"] as? String }) == Set(granted))
        #expect(daily.allSatisfy { ($0["days"] as? [Any])?.count == 30 })
        // Each day's figures are the sums of the advertiser's rows of that day in the table the series reads.
        var daysWithData = 0
        for entry in daily {
            guard let advertiser = entry["advertiser_id"] as? String, let object = entry["object"] as? String else { continue }
            let sums = try await SyncHarness.query(database, """
                SELECT stat_time_day, SUM(impressions), SUM(clicks), printf('%.2f', SUM(spend)) FROM tiktok_ads_\(object)
                WHERE advertiser_id = '\(advertiser)' GROUP BY 1
                """)
            let expected = Dictionary(sums.map { (String(($0[0] ?? "").prefix(10)), $0) }, uniquingKeysWith: { first, _ in first })
            for day in entry["days"] as? [[String: Any]] ?? [] {
                let date = day["date"] as? String ?? ""
                #expect((day["has_data"] as? Bool ?? false) == (expected[date] != nil), "\(advertiser) \(date)")
                guard let row = expected[date] else { continue }
                daysWithData += 1
                #expect((day["impressions"] as? Int).map(String.init) == row[1], "\(advertiser) \(date)")
                #expect((day["clicks"] as? Int).map(String.init) == row[2], "\(advertiser) \(date)")
                #expect((day["spend"] as? NSNumber).map { String(format: "%.2f", $0.doubleValue) } == row[3], "\(advertiser) \(date)")
            }
        }
        #expect(daysWithData > 0)

        #expect(page.status == 200)
        #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
        #expect(page.body.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.body.contains("<script"))
        #expect(!page.body.contains("sim-access-token") && !served.body.contains("sim-access-token"), "never a secret")
        #expect(health.status == 200 && health.body == "ok\n")
        #expect(metrics.contains("tiktok_ads_runs_total{status=\"succeeded\"} 1"))
    }

    @Test func serveShowsAnUnscheduledDestinationBehindBasicAuth() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let password = "pa55-word-\(UUID().uuidString.prefix(8))"
        let authFile = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-auth-\(UUID().uuidString)")
        try "viewer:\(password)\n".write(to: authFile, atomically: true, encoding: .utf8)
        try await simulator.withRunningServer { url in
            let sync = try await ToolBinary.capture([
                "sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", StatusPageHarness.objects.joined(separator: ","),
                "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","), "--now", StatusPageHarness.now,
            ], environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
            #expect(sync.code == 0, "\(sync.err)")
        }
        let server = try await StatusPageHarness.start(["serve", "--sqlite", database, "--port", "0", "--now", StatusPageHarness.now,
                                                        "--daily", "05:00", "--timezone", "Europe/Berlin", "--metrics-basic-auth-file", authFile.path])
        func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        let missing = try await StatusPageHarness.get(server.base + "/")
        let wrong = try await StatusPageHarness.get(server.base + "/status.json", authorization: basic("viewer:wrong"))
        let page = try await StatusPageHarness.get(server.base + "/", authorization: basic("viewer:\(password)"))
        let served = try await StatusPageHarness.get(server.base + "/status.json", authorization: basic("viewer:\(password)"))
        let metrics = try await StatusPageHarness.get(server.base + "/metrics", authorization: basic("viewer:\(password)"))
        let exit = await server.stop()

        #expect(exit == 0)
        #expect(missing.status == 401)
        #expect(missing.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic ") == true)
        #expect(wrong.status == 401)
        #expect(page.status == 200)
        #expect(page.body.contains("daily at 05:00 Europe/Berlin"))
        #expect(page.body.contains("not running here (tiktok-ads serve"))
        #expect(metrics.status == 404, "serve runs no schedule: no metrics")
        let cli = try await StatusPageHarness.statusJSON(database, ["--daily", "05:00", "--timezone", "Europe/Berlin"])
        #expect(served.status == 200)
        #expect(served.body == cli)
        #expect(try StatusPageHarness.object(served.body)["next_tick"] as? String == "2026-03-16T04:00:00Z")
        // The password is never printed.
        let logs = try String(contentsOf: server.stderr, encoding: .utf8) + server.stdout
        #expect(!logs.contains(password))
        for answer in [missing.body, wrong.body, page.body, served.body] { #expect(!answer.contains(password)) }
    }

    @Test(.enabled(if: StatusPageHarness.nonLoopbackIPv4() != nil, "this machine has no IPv4 address besides loopback to try"))
    func theDefaultBindIsLoopbackOnlyAndMetricsBindExposesThePage() async throws {
        let address = try #require(StatusPageHarness.nonLoopbackIPv4())
        let database = SyncHarness.temporaryDatabase()
        _ = FileManager.default.createFile(atPath: database, contents: nil)  // an empty SQLite database: nothing synced yet
        let loopback = try await StatusPageHarness.start(["serve", "--sqlite", database, "--port", "0"])
        let port = try #require(URL(string: loopback.base)?.port)
        let local = try await StatusPageHarness.get(loopback.base + "/")
        #expect(StatusPageHarness.connectionRefused(host: address, port: port), "the default bind answers on 127.0.0.1 only")
        #expect(await loopback.stop() == 0)
        #expect(local.status == 200)
        #expect(local.body.contains("Nothing has been synced into this destination yet."))

        let exposed = try await StatusPageHarness.start(["serve", "--sqlite", database, "--port", "0", "--metrics-bind", "0.0.0.0"])
        #expect(exposed.stdout.hasPrefix("status page on http://0.0.0.0:"))
        let exposedPort = try #require(URL(string: exposed.base)?.port)
        let remote = try await StatusPageHarness.get("http://\(address):\(exposedPort)/status.json")
        #expect(await exposed.stop() == 0)
        #expect(remote.status == 200)
        #expect(try StatusPageHarness.object(remote.body)["streams"] as? [Any] != nil)
    }

    @Test func badServeFlagsAreBadInput() async throws {
        let database = SyncHarness.temporaryDatabase()
        let bind = try await ToolBinary.capture(["serve", "--sqlite", database, "--metrics-bind", "not-an-address"])
        #expect(bind.code == 2)
        #expect(bind.err.contains("is not an IP address"))
        let missing = try await ToolBinary.capture(["serve", "--sqlite", database, "--port", "0"])
        #expect(missing.code == 2)
        #expect(missing.err.contains("No database at \(database)"))
        #expect(!FileManager.default.fileExists(atPath: database))
        let auth = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-auth-\(UUID().uuidString)")
        try "only-a-user\n".write(to: auth, atomically: true, encoding: .utf8)
        let scheduled = try await ToolBinary.capture(["schedule", "--hourly", "5", "--sqlite", database, "--metrics-port", "0",
                                                      "--metrics-basic-auth-file", auth.path], environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"])
        #expect(scheduled.code == 2)
        #expect(scheduled.err.contains("user:password on its first line"))
    }
}
