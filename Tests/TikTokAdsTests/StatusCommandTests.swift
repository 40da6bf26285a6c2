import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// `tiktok-ads status` reads the destination only and judges freshness against the schedule: exit 0 when every stream
/// committed within twice the interval, 1 otherwise; the JSON says the same per stream, with rows and the last error.
@Suite(.serialized)
struct StatusCommandTests {
    static let objects = "advertiser,campaigns,ad_insights"

    static func status(_ database: String, at hoursAfter: Int, _ extra: [String] = []) async throws -> (code: Int32, json: [String: Any], text: String) {
        let now = SyncHarness.now.addingTimeInterval(TimeInterval(hoursAfter * 3600)).formatted(.iso8601)
        let json = try await ToolBinary.capture(["status", "--sqlite", database, "--format", "json", "--now", now] + extra)
        let text = try await ToolBinary.capture(["status", "--sqlite", database, "--now", now] + extra)
        #expect(json.code == text.code, "the format does not change the verdict")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out) \(json.err)")
        return (json.code, object, text.out)
    }

    static func sync(_ url: URL, _ simulator: TikTokSimulator, _ database: String, advertisers: [String]) async throws -> Int32 {
        try await ToolBinary.capture([
            "sync", "--api-base-url", url.absoluteString, "--sqlite", database, "--objects", objects,
            "--advertiser-ids", advertisers.joined(separator: ","), "--now", SyncHarness.now.formatted(.iso8601),
        ], environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]).code
    }

    @Test func freshAfterASyncThenLateOnceTheScheduleIsMissed() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let granted = simulator.world.grantedAdvertiserIDs
            #expect(try await Self.sync(url, simulator, database, advertisers: granted) == 0)

            let fresh = try await Self.status(database, at: 1)
            #expect(fresh.code == 0, "\(fresh.text)")
            #expect(fresh.json["fresh"] as? Bool == true)
            let streams = try #require(fresh.json["streams"] as? [[String: Any]])
            #expect(streams.count == granted.count * 3)
            for stream in streams {
                let advertiser = try #require(stream["advertiser_id"] as? String)
                let object = try #require(stream["object"] as? String)
                #expect(stream["fresh"] as? Bool == true)
                #expect(stream["age_seconds"] as? Int == 3600)
                let table = object == "advertiser" ? "tiktok_ads_advertiser" : "tiktok_ads_" + object
                let count = try await SyncHarness.query(database, "SELECT COUNT(*) FROM \(table) WHERE advertiser_id = '\(advertiser)'")
                #expect(stream["rows"] as? Int == Int(count.first?.first.flatMap { $0 } ?? ""), "\(advertiser) \(object)")
                if object == "ad_insights" {
                    // The bookmark is today in the account's timezone; an hour later it is 0 or 1 local day behind.
                    let behind = try #require(stream["days_behind"] as? Int)
                    #expect((0...1).contains(behind))
                } else {
                    #expect(stream["bookmark"] == nil)
                }
            }
            #expect((fresh.json["runs"] as? [[String: Any]])?.first?["status"] as? String == "succeeded")
            #expect(fresh.text.contains("Everything is fresh."))

            // A daily schedule missed twice: late. An hourly one after three hours: late too.
            let late = try await Self.status(database, at: 49)
            #expect(late.code == 1)
            #expect(late.json["fresh"] as? Bool == false)
            #expect(late.text.contains("LATE"))
            #expect(try await Self.status(database, at: 3, ["--hourly", "5"]).code == 1)
            #expect(try await Self.status(database, at: 1, ["--hourly", "5"]).code == 0)
        }
    }

    @Test func aSkippedAdvertiserIsShownFailingWithItsReason() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        try await simulator.withRunningServer { url in
            let all = simulator.world.advertisers.map(\.id)
            let refused = try #require(simulator.world.advertisers.first { !$0.isGranted }?.id)
            #expect(try await Self.sync(url, simulator, database, advertisers: all) == 3)
            let status = try await Self.status(database, at: 1)
            #expect(status.code == 1)
            let streams = try #require(status.json["streams"] as? [[String: Any]])
            let failing = try #require(streams.first { $0["advertiser_id"] as? String == refused })
            #expect(failing["fresh"] as? Bool == false)
            #expect((failing["last_error"] as? String)?.contains("grant") == true, "\(failing)")
            #expect(status.text.contains("FAILING"))
        }
    }

    @Test func aMissingDatabaseIsBadInputAndIsNotCreated() async throws {
        let database = SyncHarness.temporaryDatabase()
        let result = try await ToolBinary.capture(["status", "--sqlite", database])
        #expect(result.code == 2)
        #expect(result.err.contains("No database at \(database)"))
        #expect(!FileManager.default.fileExists(atPath: database))
    }
}
