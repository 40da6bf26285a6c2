import Destinations
import Foundation
import Logging
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// The PostgreSQL server the tests use: `POSTGRES_TEST_URL` (`.ci/run` starts one with scripts/postgres.sh). Each
/// test writes to a schema of its own, so tests run in parallel without meeting.
enum PostgresHarness {
    static let url = ProcessInfo.processInfo.environment["POSTGRES_TEST_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The trait of every test that needs the server: skipped, saying why, when none is given.
    static let enabled = Testing.ConditionTrait.enabled(if: url != nil,
        "no PostgreSQL server given (export POSTGRES_TEST_URL=\"$(scripts/postgres.sh start)\"; .ci/run always gives one)")

    static func serverURL() throws -> String { try #require(url, "POSTGRES_TEST_URL is not set") }

    /// The password in a postgres:// URL.
    static func password(in url: String) -> String? {
        URLComponents(string: url)?.percentEncodedPassword?.removingPercentEncoding
    }

    /// The URL without its password (the password then goes through PGPASSWORD or a file).
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.password = nil
        return components.string ?? url
    }

    static func components() throws -> URLComponents { try #require(URLComponents(string: try serverURL())) }

    static func uniqueSchema(_ label: String = "t") -> String { "\(label)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))" }

    static func destination(schema: String, url: String? = nil, logger: Logger = Logger(label: "test"),
                            lockWait: Duration = .seconds(5)) throws -> PostgresDestination {
        PostgresDestination(configuration: try PostgresConfiguration.parse(url: url ?? serverURL(), schema: schema, environment: [:]),
                            logger: logger, lockWait: lockWait)
    }

    /// Runs `body` with a destination on a fresh schema, closes it and drops the schema, whether `body` throws or not.
    static func withDestination(_ body: (PostgresDestination, String) async throws -> Void) async throws {
        let name = uniqueSchema()
        let destination = try destination(schema: name)
        do {
            try await body(destination, name)
        } catch {
            await destination.close()
            try await dropSchema(name)
            throw error
        }
        await destination.close()
        try await dropSchema(name)
    }

    /// Runs `sql` (one statement) as the test user.
    @discardableResult
    static func query(_ sql: String) async throws -> [[String?]] {
        let admin = try destination(schema: "public")
        do {
            let rows = try await admin.select(sql)
            await admin.close()
            return rows
        } catch {
            await admin.close()
            throw error
        }
    }

    static func dropSchema(_ schema: String) async throws {
        try await query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// The tables of a schema (all, bookkeeping included, or data tables only).
    static func tables(_ schema: String, dataOnly: Bool = true) async throws -> [String] {
        try await query("""
            SELECT table_name::text FROM information_schema.tables WHERE table_schema = '\(schema)' \(dataOnly ? "AND table_name NOT LIKE '\\_%'" : "") ORDER BY 1
            """).compactMap { $0.first ?? nil }
    }

    /// Every data table's rows as text, sorted: two schemas with equal dumps hold the same content.
    static func dump(_ schema: String) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for table in try await tables(schema) {
            result[table] = try await query("SELECT t::text FROM \(schema).\(table) t ORDER BY 1").compactMap { $0.first ?? nil }
        }
        return result
    }

    /// The text of every table of the schema, bookkeeping included, for the secrets sweep.
    static func allText(_ schema: String) async throws -> [String: String] {
        var result: [String: String] = [:]
        for table in try await tables(schema, dataOnly: false) {
            result["table \(schema).\(table)"] = try await query("SELECT t::text FROM \(schema).\(table) t").compactMap { $0.first ?? nil }.joined(separator: "\n")
        }
        return result
    }

    /// `information_schema`'s data type of every column, per table.
    static func columnTypes(_ schema: String) async throws -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for row in try await query("SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = '\(schema)'") {
            guard let table = row[0], let column = row[1], let type = row[2] else { continue }
            result[table, default: [:]][column] = type
        }
        return result
    }

    /// The secrets of a run: the simulator's token and app secret, and the server's password.
    static func sweep(_ simulator: TikTokSimulator, extra: [String?] = []) -> SecretSweep {
        SecretSweep([simulator.options.accessToken, simulator.options.secret, url.flatMap(password(in:))] + extra)
    }

    /// One in-process sync into `schema`, then the secrets sweep over its log, its record and every table it wrote.
    static func sync(baseURL: URL, simulator: TikTokSimulator, schema: String, settings: SyncSettings,
                     concurrency: Int = 4, retryPolicy: RetryPolicy = SyncHarness.fastRetries(), timeout: Duration = .seconds(30),
                     retention: [String: Int] = [:], reconciliation: ReconciliationMode = .off) async throws -> RunRecord {
        let lines = Protected<[String]>([])
        let destination = try destination(schema: schema, logger: CapturingLogHandler.logger(lines))
        let api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: simulator.options.accessToken,
                                         appID: simulator.options.appId, appSecret: simulator.options.secret,
                                         requestTimeout: timeout, retryPolicy: retryPolicy)
        var job = SyncJob(api: api, settings: settings, destination: destination, concurrency: concurrency,
                          pacing: SyncHarness.faultTolerantPacing, retentionDays: retention,
                          logger: CapturingLogHandler.logger(lines), now: { SyncHarness.now })
        job.reconciliation = reconciliation
        let outcome: Result<RunRecord, any Error>
        do {
            try await destination.lockSchema()
            outcome = .success(try await job.run())
        } catch {
            outcome = .failure(error)
        }
        await destination.close()
        var captured = try await allText(schema)
        captured["log"] = lines.value.joined(separator: "\n")
        switch outcome {
        case .success(let record): captured["run record"] = (record.errors + record.skippedAdvertisers.values).joined(separator: "\n")
        case .failure(let error): captured["thrown error"] = "\(error)"
        }
        for leak in sweep(simulator).leaks(in: captured) { Issue.record("secret leak: \(leak)") }
        return try outcome.get()
    }
}
