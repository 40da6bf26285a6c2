import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokAdsApp
import TikTokSimulator

/// A protocol run is the `sync` job with a message stream for destination: against the simulator it emits the rows a
/// SQLite sync loads, ends with the state that sync commits, and a run given that state reads only the lookback.
@Suite(.serialized)
struct ProtocolSyncTests {
    static let objects = ["campaigns", "ads", "ad_insights", "ad_insights_hourly", "ad_insights_by_country"]

    /// Runs the job into a protocol destination; returns its messages and the state it ended with.
    static func run(_ dialect: any ProtocolDialect, url: URL, simulator: TikTokSimulator, settings: SyncSettings,
                    state: ProtocolState) async throws -> (record: RunRecord, lines: [String], state: ProtocolState) {
        let lines = Protected<[String]>([])
        let output = ProtocolOutput { text in lines.withLock { $0 += text.split(separator: "\n").map(String.init) } }
        let destination = ProtocolDestination(displayName: "test", dialect: dialect, output: output,
                                              streamNames: Dictionary(uniqueKeysWithValues: Catalog.objects.map { ($0.name, $0.table) }), state: state)
        let api = TikTokAPIConfiguration(baseURL: url, accessToken: simulator.options.accessToken, appID: simulator.options.appId,
                                         appSecret: simulator.options.secret, requestTimeout: .seconds(30), retryPolicy: SyncHarness.fastRetries())
        let log = Protected<[String]>([])
        let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, pacing: SyncHarness.faultTolerantPacing,
                          logger: CapturingLogHandler.logger(log), now: { SyncHarness.now })
        let record = try await job.run()
        try await SyncHarness.expectNoLeaks(SecretSweep([simulator.options.accessToken, simulator.options.secret]), database: nil,
                                            captured: ["messages": lines.value.joined(separator: "\n"), "log": log.value.joined(separator: "\n")])
        return (record, lines.value, destination.state)
    }

    /// Record rows per stream, each as its key values joined.
    static func keys(_ lines: [String], dialect: String) throws -> [String: Set<String>] {
        var keys: [String: Set<String>] = [:]
        for line in lines {
            let message = try ProtocolMessageTests.parse(line)
            guard message["type"] as? String == "RECORD" else { continue }
            let (stream, data) = dialect == "singer"
                ? (message["stream"] as? String ?? "", message["record"] as? [String: Any] ?? [:])
                : ((message["record"] as? [String: Any])?["stream"] as? String ?? "", (message["record"] as? [String: Any])?["data"] as? [String: Any] ?? [:])
            let object = try #require(Catalog.object(named: stream))
            // As SQLite holds them: a date-time with a space, not ISO 8601's T.
            keys[stream, default: []].insert(object.key.map { ProtocolSyncTests.sqliteText(data[$0]) }.joined(separator: "|"))
        }
        return keys
    }

    static func sqliteText(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "NULL" }
        var text = Array("\(value)")
        if text.count >= 19, text[10] == "T", text[4] == "-" { text[10] = " " }
        return String(text)
    }

    @Test(arguments: ["singer", "airbyte"])
    func aProtocolRunEmitsWhatASyncLoadsAndResumesWithTheLookback(dialectName: String) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let dialect: any ProtocolDialect = dialectName == "singer" ? SingerDialect() : AirbyteDialect()
        try await simulator.withRunningServer { url in
            let settings = try SyncHarness.settings(objects: Self.objects, advertiserIDs: simulator.world.grantedAdvertiserIDs, lookbackDays: 3)
            let sync = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: database, settings: settings)
            #expect(sync.status == .succeeded)
            let first = try await Self.run(dialect, url: url, simulator: simulator, settings: settings, state: ProtocolState())
            #expect(first.record.status == .succeeded)

            // The same rows, by key, in every stream; nothing else on the stream but protocol messages.
            let emitted = try Self.keys(first.lines, dialect: dialectName)
            for name in Self.objects {
                let object = try #require(Catalog.object(named: name))
                let columns = object.key.map { "COALESCE(\"\($0)\", 'NULL')" }.joined(separator: " || '|' || ")
                let stored = Set(try await SyncHarness.query(database, "SELECT \(columns) FROM \(object.table)").compactMap { $0.first ?? nil })
                #expect(!stored.isEmpty)
                let sent = emitted[object.table] ?? []
                #expect(sent == stored, "\(object.table): \(stored.count) rows in SQLite, \(sent.count) emitted, e.g. \(Array(stored.symmetricDifference(sent).prefix(3)))")
            }
            // The state it ends with is the one the SQLite sync committed.
            let sqlite = try SQLiteDestination(path: database)
            let committed = try await sqlite.loadState()
            await sqlite.close()
            #expect(first.state.streams.mapValues(\.bookmark) == committed.mapValues(\.bookmark))
            #expect(first.state.streams.values.contains { $0.bookmark != nil })

            // The state as the runner keeps it (the last STATE value, or the last STATE per stream) reads back to the same.
            let states = first.lines.filter { $0.contains(#""type":"STATE""#) }
            let given: ProtocolState
            if dialectName == "singer" {
                given = try SingerDialect.read(Data(try #require(states.last).utf8), file: "state", objectNamed: { ProtocolStreams.object(named: $0) })
            } else {
                var last: [String: Any] = [:]
                for line in states {
                    let state = try #require(try ProtocolMessageTests.parse(line)["state"] as? [String: Any])
                    let name = try #require(((state["stream"] as? [String: Any])?["stream_descriptor"] as? [String: Any])?["name"] as? String)
                    last[name] = state
                }
                let data = try JSONSerialization.data(withJSONObject: Array(last.values))
                given = try AirbyteDialect.read(data, file: "state", objectNamed: { ProtocolStreams.object(named: $0) })
            }
            #expect(given.streams.mapValues(\.bookmark) == first.state.streams.mapValues(\.bookmark))

            // Given that state, report requests start at the bookmark minus the lookback, never before.
            simulator.requestLog.reset()
            let second = try await Self.run(dialect, url: url, simulator: simulator, settings: settings, state: given)
            #expect(second.record.status == .succeeded)
            let reports = simulator.requestLog.entries.filter { $0.endpoint == "report/integrated/get" }
            #expect(!reports.isEmpty)
            for advertiser in simulator.world.grantedAdvertiserIDs {
                let bookmark = try #require(given.streams[StreamKey(advertiserID: advertiser, object: "ad_insights")]?.bookmark)
                let starts = reports.filter { $0.advertiserID == advertiser && $0.query["report_type"] == "BASIC" && $0.query["data_level"] == "AUCTION_AD"
                    && ($0.query["dimensions"] ?? "").contains("stat_time_day") }.compactMap { $0.query["start_date"].flatMap { LocalDate($0) } }
                #expect(starts.min() == bookmark.adding(days: -3), "advertiser \(advertiser): daily report from \(starts.min().map { "\($0)" } ?? "-"), bookmark \(bookmark)")
                let hourlyBookmark = try #require(given.streams[StreamKey(advertiserID: advertiser, object: "ad_insights_hourly")]?.bookmark)
                let hourly = reports.filter { $0.advertiserID == advertiser && ($0.query["dimensions"] ?? "").contains("stat_time_hour") }
                    .compactMap { $0.query["start_date"].flatMap { LocalDate($0) } }
                #expect(hourly.min() == hourlyBookmark.adding(days: -3), "hourly windows start at the lookback: \(hourly.min().map { "\($0)" } ?? "-")")
            }
        }
    }
}
