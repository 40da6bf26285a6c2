import Destinations
import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokSimulator

/// The `tiktok-ads` binary with `--destination postgres`: exit codes, messages, the lock, the other commands, and
/// the password kept out of every output (ToolBinary's secrets sweep covers the server's password and the schema's tables).
@Suite(PostgresHarness.enabled)
struct PostgresCommandTests {
    static func syncArguments(_ url: URL, schema: String, postgresURL: String, advertisers: [String], objects: String = "campaigns,ads,ad_insights") -> [String] {
        ["sync", "--api-base-url", url.absoluteString, "--destination", "postgres", "--postgres-url", postgresURL, "--postgres-schema", schema,
         "--now", "2026-03-15T12:00:00Z", "--objects", objects, "--advertiser-ids", advertisers.joined(separator: ","),
         "--start-date", "2026-03-01", "--max-attempts", "3"]
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func theFirstSyncTakesThePasswordFromPGPASSWORDAndSkipsAnAdvertiserWithoutPermissionWithExit3() async throws {
        let schema = PostgresHarness.uniqueSchema()
        let server = try PostgresHarness.serverURL()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let output = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(
                Self.syncArguments(url, schema: schema, postgresURL: PostgresHarness.withoutPassword(server),
                                   advertisers: simulator.world.grantedAdvertiserIDs + simulator.world.unauthorizedAdvertiserIDs) + ["--log-level", "debug"],
                environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "PGPASSWORD": PostgresHarness.password(in: server) ?? ""])
        }
        #expect(output.code == 3, "\(output.err)")
        #expect(output.err.contains(simulator.world.unauthorizedAdvertiserIDs[0]))
        #expect(!output.err.contains("tiktok_test@"), "URLs are shown without their user info")
        let rows = try await PostgresHarness.dump(schema)
        #expect((rows["tiktok_ads_ad_insights"]?.count ?? 0) > 0)
        #expect(try await PostgresHarness.query("SELECT status FROM \(schema)._tiktok_ads_runs") == [["partial"]])
        try await PostgresHarness.dropSchema(schema)
    }

    @Test func badInputExitsWithAClearMessageAndLeavesWhatWasLoadedIntact() async throws {
        let schema = PostgresHarness.uniqueSchema()
        let server = try PostgresHarness.serverURL()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let role = PostgresHarness.uniqueSchema("r"), rolePassword = "role-\(UUID().uuidString)"
        try await PostgresHarness.query("CREATE ROLE \(role) LOGIN PASSWORD '\(rolePassword)'")
        let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
        try await simulator.withRunningServer { url in
            let advertisers = simulator.world.grantedAdvertiserIDs
            #expect(try await ToolBinary.capture(Self.syncArguments(url, schema: schema, postgresURL: server, advertisers: advertisers),
                                                 environment: environment).code == 0)
            let loaded = try await PostgresHarness.dump(schema)

            // Unreachable server.
            var closed = try PostgresHarness.components()
            let port = try Self.closedPort()
            closed.port = port
            let unreachable = try await ToolBinary.capture(
                Self.syncArguments(url, schema: schema, postgresURL: try #require(closed.string), advertisers: advertisers), environment: environment)
            #expect(unreachable.code == 1)
            #expect(unreachable.err.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(port)"), "\(unreachable.err)")

            // Wrong password (given as PGPASSWORD: the sweep checks it is never printed).
            let wrong = try await ToolBinary.capture(
                Self.syncArguments(url, schema: schema, postgresURL: PostgresHarness.withoutPassword(server), advertisers: advertisers),
                environment: environment.merging(["PGPASSWORD": "wrong-password-\(UUID().uuidString)"]) { $1 })
            #expect(wrong.code == 1)
            #expect(wrong.err.contains("refused user tiktok_test: password authentication failed"), "\(wrong.err)")
            #expect(wrong.err.contains("PGPASSWORD"))

            // A user that may not create a schema in the database.
            var asRole = try PostgresHarness.components()
            asRole.user = role
            asRole.password = rolePassword
            let other = PostgresHarness.uniqueSchema()
            let denied = try await ToolBinary.capture(
                Self.syncArguments(url, schema: other, postgresURL: try #require(asRole.string), advertisers: advertisers), environment: environment)
            #expect(denied.code == 1)
            #expect(denied.err.contains("User \(role) may not create tables in schema \(other)"), "\(denied.err)")
            #expect(denied.err.contains("GRANT CREATE ON DATABASE"))
            #expect(try await PostgresHarness.tables(other, dataOnly: false).isEmpty)

            // A URL that is not one: bad input, exit 2, the password not echoed.
            let malformed = try await ToolBinary.capture(
                Self.syncArguments(url, schema: schema, postgresURL: "mysql://tiktok_test:not-echoed-secret@127.0.0.1/db", advertisers: advertisers),
                environment: environment)
            #expect(malformed.code == 2)
            #expect(malformed.err.contains("is not a postgres:// URL"), "\(malformed.err)")

            #expect(try await PostgresHarness.dump(schema) == loaded, "a refused run changed what was loaded")
        }
        try await PostgresHarness.dropSchema(schema)
        try await PostgresHarness.query("DROP ROLE \(role)")
    }

    @Test func aSecondSyncOnTheSchemaExits1SayingASyncHoldsTheLock() async throws {
        let schema = PostgresHarness.uniqueSchema()
        let holder = try PostgresHarness.destination(schema: schema)
        try await holder.lockSchema()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let output = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(Self.syncArguments(url, schema: schema, postgresURL: try PostgresHarness.serverURL(),
                                                            advertisers: simulator.world.grantedAdvertiserIDs),
                                         environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken])
        }
        await holder.close()
        #expect(output.code == 1)
        #expect(output.err.contains("Another sync is writing to postgres://127.0.0.1:"), "\(output.err)")
        #expect(output.err.contains("a sync already holds its lock"))
        #expect(try await PostgresHarness.tables(schema, dataOnly: false).isEmpty, "the refused sync wrote nothing")
    }

    @Test func scheduleRunsTheSyncIntoPostgresAndStopsOnSIGTERM() async throws {
        let schema = PostgresHarness.uniqueSchema()
        let server = try PostgresHarness.serverURL()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let (log, exit) = try await simulator.withRunningServer { url in
            let err = Pipe()
            let child = try ToolBinary.start(["schedule", "--hourly", SyncHarness.hourlyMinuteFarFromNow(), "--api-base-url", url.absoluteString, "--destination", "postgres",
                                              "--postgres-url", server, "--postgres-schema", schema, "--now", "2026-03-15T12:00:00Z",
                                              "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
                                              "--objects", "campaigns,ad_insights"],
                                             environment: ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken], error: err.fileHandleForWriting)
            try err.fileHandleForWriting.close()
            // The catch-up run at start; then SIGTERM ends the schedule.
            let log = await ToolBinary.readUntil(err.fileHandleForReading) { $0.contains("scheduled run finished") }
            kill(child.pid, SIGTERM)
            return (log, await child.exit.value)
        }
        #expect(exit == 0)
        #expect(log.contains("scheduled run finished") && log.contains("status=succeeded"), "\(log)")
        for leak in PostgresHarness.sweep(simulator).leaks(in: ["stderr of schedule": log]) { Issue.record("secret leak: \(leak)") }
        #expect(try await PostgresHarness.query("SELECT status FROM \(schema)._tiktok_ads_runs") == [["succeeded"]])
        try await PostgresHarness.dropSchema(schema)
    }

    @Test func stateCleanupAndCheckWorkOnPostgres() async throws {
        let schema = PostgresHarness.uniqueSchema()
        let server = try PostgresHarness.serverURL()
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }  // it holds the password
        // The password from a password_file named in the config; the URL (and its user) from the config too.
        let passwordFile = directory.appendingPathComponent("password").path
        try ((PostgresHarness.password(in: server) ?? "") + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("tiktok-ads.yml").path
        try """
            destination:
              type: postgres
              postgres:
                url: \(PostgresHarness.withoutPassword(server))
                schema: \(schema)
                password_file: \(passwordFile)
                sslmode: prefer
            """.write(toFile: config, atomically: true, encoding: .utf8)
        try await simulator.withRunningServer { url in
            let environment = ["TIKTOK_ACCESS_TOKEN": simulator.options.accessToken]
            let advertisers = simulator.world.grantedAdvertiserIDs.joined(separator: ",")
            let sync = try await ToolBinary.capture(["sync", "--config", config, "--api-base-url", url.absoluteString, "--now", "2026-03-15T12:00:00Z",
                                                     "--objects", "ads,ad_insights", "--advertiser-ids", advertisers, "--start-date", "2026-03-01"],
                                                    environment: environment)
            #expect(sync.code == 0, "\(sync.err)")

            let shown = try await ToolBinary.capture(["state", "show", "--config", config], environment: [:])
            #expect(shown.code == 0, "\(shown.err)")
            #expect(shown.out.contains("ad_insights") && shown.out.contains("2026-03-15T12:00:00Z") && shown.out.contains("succeeded"), "\(shown.out)")

            let before = try await PostgresHarness.query("SELECT count(*)::text FROM \(schema).tiktok_ads_ad_insights WHERE stat_time_day < '2026-03-10'")
            let cleanup = try await ToolBinary.capture(["cleanup", "--config", config, "--retention-days", "5", "--now", "2026-03-15T12:00:00Z"], environment: [:])
            #expect(cleanup.code == 0, "\(cleanup.err)")
            let old = try #require(before.first?.first ?? nil)
            #expect(old != "0")
            #expect(cleanup.out.contains("tiktok_ads_ad_insights: deleted \(old) rows"), "\(cleanup.out)")
            #expect(try await PostgresHarness.query("SELECT count(*)::text FROM \(schema).tiktok_ads_ad_insights WHERE stat_time_day < '2026-03-10'") == [["0"]])

            let reset = try await ToolBinary.capture(["state", "reset", "--config", config, "--objects", "ads"], environment: [:])
            #expect(reset.code == 0, "\(reset.err)")
            #expect(try await PostgresHarness.query("SELECT DISTINCT object FROM \(schema)._tiktok_ads_state") == [["ad_insights"]])

            let check = try await ToolBinary.capture(["check", "--config", config, "--api-base-url", url.absoluteString, "--advertiser-ids", advertisers],
                                                     environment: environment)
            #expect(check.code == 0, "\(check.err)")
            #expect(check.out.contains("postgres://127.0.0.1:"), "\(check.out)")
            #expect(try await PostgresHarness.tables(schema, dataOnly: false).allSatisfy { !$0.contains("check") }, "check left its probe table")
        }
        try await PostgresHarness.dropSchema(schema)
    }
}
