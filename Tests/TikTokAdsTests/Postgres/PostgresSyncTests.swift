import Destinations
import Foundation
import SyncKit
import Testing
import TikTokAds
import TikTokSimulator

/// Whole syncs into PostgreSQL against the simulator: every object with its types and the content SQLite gets,
/// re-runs, faults.
@Suite(PostgresHarness.enabled)
struct PostgresSyncTests {
    /// Every value as comparable text across destinations: numbers by their double (SQLite keeps decimals as REAL),
    /// JSON by its parsed value (jsonb keeps its own spacing and key order), times by their instant (PostgreSQL prints
    /// no zero fraction of a second: a snapshot's `synced_at` of 12:00:00.000000 reads back as 12:00:00).
    static func canonical(_ value: Value) -> String {
        switch value {
        case .decimal(let text): return Double(text).map { "\($0)" } ?? text
        case .datetime(let text): return UTCText.parse(text).map(UTCText.format) ?? text
        case .json(let text):
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
                  let data = try? JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys, .fragmentsAllowed]) else { return text }
            return String(decoding: data, as: UTF8.self)
        default: return value.text ?? "NULL"
        }
    }

    static func content(of schemas: [TableSchema], in destination: any Destination) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for schema in schemas {
            result[schema.name] = try await destination.rows(of: schema).map { $0.map(canonical).joined(separator: "|") }.sorted()
        }
        return result
    }

    @Test func everyObjectLandsWithItsTypesTheContentOfSQLiteAndAReRunChangesNothing() async throws {
        let objects = Catalog.objects.map(\.name)
        let settings = try SyncHarness.settings(objects: objects, startDaysAgo: 4)
        let schemas = try settings.objects.map { try $0.schema() }
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let name = PostgresHarness.uniqueSchema()
        let sqlite = SyncHarness.temporaryDatabase()
        let (first, second) = try await simulator.withRunningServer { url in
            let reference = try await SyncHarness.sync(baseURL: url, simulator: simulator, database: sqlite, settings: settings)
            #expect(reference.status == .succeeded)
            let first = try await PostgresHarness.sync(baseURL: url, simulator: simulator, schema: name, settings: settings)
            let dump = try await PostgresHarness.dump(name)
            let second = try await PostgresHarness.sync(baseURL: url, simulator: simulator, schema: name, settings: settings)
            #expect(try await PostgresHarness.dump(name) == dump, "a re-run over the same window changed the tables")
            return (first, second)
        }
        #expect(first.status == .succeeded && second.status == .succeeded)

        // Every table and column, with the type the catalog's type maps to.
        let types = try await PostgresHarness.columnTypes(name)
        for schema in schemas {
            let table = try #require(types[schema.name], "no table \(schema.name)")
            for field in schema.fields {
                let expected = PostgresSQL.columnType(field, in: schema)
                #expect(table[field.name] == expected, "\(schema.name).\(field.name) is \(table[field.name] ?? "missing"), not \(expected)")
            }
        }
        #expect(types["tiktok_ads_ad_insights_hourly"]?["stat_time_hour"] == "timestamp without time zone")
        #expect(types["tiktok_ads_campaigns"]?["create_time"] == "timestamp with time zone")
        #expect(types["tiktok_ads_ad_insights"]?["spend"] == "numeric")

        // The same rows as the SQLite destination got from the same simulator.
        let postgres = try PostgresHarness.destination(schema: name)
        let sqliteDestination = try SQLiteDestination(path: sqlite)
        let expected = try await Self.content(of: schemas, in: sqliteDestination)
        let actual = try await Self.content(of: schemas, in: postgres)
        await sqliteDestination.close()
        #expect(expected.values.reduce(0) { $0 + $1.count } > 500)
        for schema in schemas {
            #expect(actual[schema.name] == expected[schema.name], "\(schema.name) differs from SQLite")
        }
        // Money keeps the API's decimal text (two decimals), never a double's digits; hourly rows keep their local hour.
        let spends = try await postgres.select("SELECT DISTINCT spend::text FROM \(name).tiktok_ads_ad_insights WHERE spend IS NOT NULL")
        #expect(!spends.isEmpty && spends.allSatisfy { ($0.first ?? nil)?.wholeMatch(of: /\d+\.\d\d/) != nil }, "\(spends.prefix(5))")
        await postgres.close()
        try await PostgresHarness.dropSchema(name)
    }

    @Test func underEveryKindOfFaultTheSyncGivesTheContentOfACleanRun() async throws {
        let objects = ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country"]
        var draft = try SyncHarness.settings(objects: objects, startDaysAgo: 12)
        draft.pageSize = 7
        draft.audiencePageSize = 3
        let settings = draft
        let clean = PostgresHarness.uniqueSchema(), faulty = PostgresHarness.uniqueSchema()

        let cleanSimulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let cleanRecord = try await cleanSimulator.withRunningServer { url in
            try await PostgresHarness.sync(baseURL: url, simulator: cleanSimulator, schema: clean, settings: settings)
        }
        #expect(cleanRecord.status == .succeeded)

        let options = SyncHarness.everyFaultOptions()
        let simulator = TikTokSimulator(options: options)
        let record = try await simulator.withRunningServer { url in
            try await PostgresHarness.sync(baseURL: url, simulator: simulator, schema: faulty, settings: settings,
                                           retryPolicy: SyncHarness.faultRetries(), timeout: SyncHarness.faultTimeout)
        }
        #expect(record.status == .succeeded, "\(record.errors)")
        #expect(Set(simulator.requestLog.entries.compactMap(\.fault)) == Set(FaultKind.recoverable), "every fault kind should have happened")
        #expect(record.objects.values.reduce(0) { $0 + $1.retries } > 0)
        let expected = try await PostgresHarness.dump(clean)
        #expect(expected.values.reduce(0) { $0 + $1.count } > 100)
        #expect(try await PostgresHarness.dump(faulty) == expected)
        try await PostgresHarness.dropSchema(clean)
        try await PostgresHarness.dropSchema(faulty)
    }
}
