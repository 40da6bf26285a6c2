import Destinations
import Foundation
import Logging
import SyncKit
import TestSupport
import Testing
import TikTokAds
import TikTokSimulator

/// Syncs into the files destination, and reads its files back with Python's csv and json modules
/// (`scripts/read-files-destination.py`), for comparison with a SQLite sync of the same data.
enum FilesHarness {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-files-\(UUID().uuidString)").path
    }

    /// Runs one sync into `directory` against a running simulator at `baseURL`.
    static func sync(baseURL: URL, simulator: TikTokSimulator, directory: String, format: FileFormat, settings: SyncSettings,
                     retryPolicy: RetryPolicy = SyncHarness.fastRetries(), timeout: Duration = .seconds(30),
                     retention: [String: Int] = [:]) async throws -> RunRecord {
        let destination = try FilesDestination(directory: directory, format: format)
        let api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: simulator.options.accessToken,
                                         appID: simulator.options.appId, appSecret: simulator.options.secret,
                                         requestTimeout: timeout, retryPolicy: retryPolicy)
        let lines = Protected<[String]>([])
        let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, pacing: SyncHarness.faultTolerantPacing,
                          retentionDays: retention, logger: CapturingLogHandler.logger(lines), now: { SyncHarness.now })
        let record = try await job.run()
        await destination.close()
        let sweep = SecretSweep([simulator.options.accessToken, simulator.options.secret])
        var places = ["log": lines.value.joined(separator: "\n")]
        for (path, data) in try snapshot(directory, everything: true) { places[path] = String(decoding: data, as: UTF8.self) }
        for leak in sweep.leaks(in: places) { Issue.record("secret leak: \(leak)") }
        return record
    }

    /// Every file under `directory` by relative path; without `everything`, the run history and the learned pace
    /// (which differ from run to run by design) and the lock file are left out.
    static func snapshot(_ directory: String, everything: Bool = false) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walk = FileManager.default.enumerator(atPath: directory) else { return files }
        for case let path as String in walk {
            var isDirectory: ObjCBool = false
            let full = directory + "/" + path
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if !everything, ["_tiktok_ads_runs.jsonl", "_tiktok_ads_pacing.json", ".tiktok-ads.lock"].contains(path) { continue }
            files[path] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
        return files
    }

    /// What the Python reader found.
    struct Reading {
        var tables: [String: [[String: Any]]]
        var types: [String: [String: [String]]]
        var state: [[String: Any]]
        var leftovers: [String]
        var problems: [String]
    }

    static func readWithPython(_ directory: String, format: FileFormat) async throws -> Reading {
        let script = READMECommandTests.root.appendingPathComponent("scripts/read-files-destination.py").path
        let out = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory, format.rawValue]
        process.standardOutput = out
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
        let data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: out.fileHandleForReading.readDataToEndOfFile()) }
        }
        let status = await exited.first { _ in true }
        #expect(status == 0, "the Python reader failed")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Reading(tables: json["tables"] as? [String: [[String: Any]]] ?? [:], types: json["types"] as? [String: [String: [String]]] ?? [:],
                       state: json["state"] as? [[String: Any]] ?? [], leftovers: json["leftovers"] as? [String] ?? [],
                       problems: json["problems"] as? [String] ?? [])
    }

    /// The catalog type of a table's column (every column of the tool's tables is in the catalog).
    static func type(of column: String, in table: String) -> FieldType {
        if table == StateStore.schema.name { return StateStore.schema.fields.first { $0.name == column }?.type ?? .string }
        return Catalog.objects.first { $0.table == table }?.field(named: column)?.type ?? .string
    }

    /// A value as text both sides agree on: NULL and "" as `∅`, numbers by value, booleans as 1/0, JSON with sorted keys.
    static func canonical(_ value: Any?, _ type: FieldType) -> String {
        let text: String? = switch value {
        case nil, is NSNull: nil
        case let string as String: string
        case let number as NSNumber where type == .boolean: number.boolValue ? "1" : "0"
        case let number as NSNumber where type == .integer: String(number.int64Value)
        case let number as NSNumber: String(number.doubleValue)
        case let some?: (try? JSONSerialization.data(withJSONObject: some, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        }
        guard let text, !text.isEmpty else { return "∅" }
        switch type {
        case .integer: return Int64(text).map(String.init) ?? "bad integer \(text)"
        case .decimal, .float: return Double(text).map { String($0) } ?? "bad number \(text)"
        case .boolean: return ["true", "1"].contains(text) ? "1" : ["false", "0"].contains(text) ? "0" : "bad boolean \(text)"
        case .json:
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
                  let sorted = try? JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys, .fragmentsAllowed]) else { return "bad json \(text)" }
            return String(decoding: sorted, as: UTF8.self)
        default: return text
        }
    }

    /// Each data table's rows as canonical lines over `columns`, sorted.
    static func canonicalRows(_ tables: [String: [[String: Any]]], columns: [String: [String]]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (table, rows) in tables where !rows.isEmpty {
            let names = columns[table] ?? []
            result[table] = rows.map { row in names.map { canonical(row[$0], type(of: $0, in: table)) }.joined(separator: "|") }.sorted()
        }
        return result
    }

    /// The SQLite database's data tables (and stream state) as canonical lines, and each table's columns.
    static func canonicalRows(sqlite database: String) async throws -> (rows: [String: [String]], columns: [String: [String]]) {
        var rows: [String: [String]] = [:], columns: [String: [String]] = [:]
        let tables = try await SyncHarness.query(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND (name NOT LIKE '\\_%' ESCAPE '\\' OR name = '_tiktok_ads_state')")
        for table in tables.compactMap({ $0[0] }) {
            let names = try await SyncHarness.query(database, "SELECT name FROM pragma_table_info('\(table)') ORDER BY cid").compactMap { $0[0] }
            columns[table] = names
            let values = try await SyncHarness.query(database, "SELECT * FROM \"\(table)\"")
            if !values.isEmpty {
                rows[table] = values.map { row in zip(names, row).map { canonical($1, type(of: $0, in: table)) }.joined(separator: "|") }.sorted()
            }
        }
        return (rows, columns)
    }
}
