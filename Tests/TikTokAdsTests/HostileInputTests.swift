import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokSimulator

/// One hostile input: how the real `tiktok-ads` binary is called, and what it must answer.
struct HostileInput: Sendable, CustomTestStringConvertible {
    var name: String
    /// The command line; `{API}` becomes the URL of a server that records every request it gets.
    var arguments: [String]
    /// Written to `tiktok-ads.yml` in the working directory (and `--config tiktok-ads.yml` added), when set.
    var config: String?
    var environment: [String: String] = ["TIKTOK_ACCESS_TOKEN": HostileInputTests.token]
    var exitCode: Int32 = 2
    /// Text the message must contain: what is wrong, and how to fix it.
    var problem: [String]
    var fix: [String]
    /// Text that must appear nowhere in the output (a secret, or part of one).
    var neverShown: [String] = []
    /// Paths (outside the working directory) that must not exist afterwards.
    var neverCreated: [String] = []

    var testDescription: String { name }

    /// `sync` against the recording server, into the suite's pre-existing database.
    static func sync(_ name: String, _ extra: [String], problem: [String], fix: [String]) -> HostileInput {
        HostileInput(name: name, arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite"] + extra, problem: problem, fix: fix)
    }

    /// `sync` with a config file: a valid head (token from the environment, the recording server, the database)
    /// followed by `lines`.
    static func config(_ name: String, _ lines: String, command: [String] = ["sync"], problem: [String], fix: [String]) -> HostileInput {
        HostileInput(name: name, arguments: command, config: """
            access_token: ${TIKTOK_ACCESS_TOKEN}
            api_base_url: "{API}"
            sqlite: data.sqlite
            \(lines)
            """, problem: problem, fix: fix)
    }
}

/// Hostile input, table-driven, against the real binary: every case exits with the expected code and a message that
/// names the problem and the fix, finishes well within a generous bound, sends no request, leaves a pre-existing
/// database byte-identical and creates no file in its working directory (nor anywhere it was told to).
@Suite(.serialized)
struct HostileInputTests {
    static let token = "hostile-suite-token-8f3a2c"
    static let evilToken = "tok-5e1b9d7a\r\nX-Evil: 1"
    static let bound: Duration = .seconds(20)

    /// The pre-existing database every case starts from: a demo sync of one simulated advertiser, made once.
    static let baseline = Task<Data, any Error> {
        let directory = try temporaryDirectory()
        let code = try await ToolBinary.start(["demo", "--sqlite", "baseline.sqlite", "--advertisers", "1", "--days", "3", "--quiet"],
                                              environment: [:], inheritEnvironment: false, currentDirectory: directory).exit.value
        guard code == 0 else { throw SyncError(.destination, "the baseline demo sync exited \(code)") }
        return try Data(contentsOf: directory.appendingPathComponent("baseline.sqlite"))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static let cases: [HostileInput] = [
        // Dates
        .sync("impossible start date", ["--start-date", "2026-02-30"], problem: ["--start-date '2026-02-30' is not a date"], fix: ["YYYY-MM-DD"]),
        .sync("start date in another format", ["--start-date", "31.01.2026"], problem: ["--start-date '31.01.2026'"], fix: ["YYYY-MM-DD"]),
        .sync("start date in the future", ["--start-date", "2999-01-01"], problem: ["--start-date 2999-01-01 is in the future"], fix: ["latest date"]),
        .sync("start date before TikTok", ["--start-date", "1999-01-01"], problem: ["--start-date 1999-01-01 is before TikTok Ads existed"], fix: ["2016-01-01"]),
        .sync("end date before start date", ["--start-date", "2026-01-10", "--end-date", "2026-01-01"],
              problem: ["--end-date 2026-01-01 is before --start-date 2026-01-10"], fix: ["--start-date"]),
        // Objects and fields
        .sync("unknown object", ["--objects", "campains"], problem: ["unknown object 'campains'"], fix: ["Did you mean `campaigns`?"]),
        .sync("empty objects flag", ["--objects", ""], problem: ["--objects is an empty list"], fix: ["leave it out for the default set"]),
        .sync("objects flag of commas", ["--objects", ",,"], problem: ["--objects is an empty list"], fix: ["Name objects"]),
        .sync("an object named twice", ["--objects", "campaigns,ads,tiktok_ads_campaigns"], problem: ["--objects names 'campaigns' twice"],
              fix: ["Name each object once"]),
        .sync("unknown field", ["--fields", "ad_insights=spend,nope"], problem: ["Unknown field(s) 'nope'"], fix: ["tiktok-ads discover --object ad_insights"]),
        .sync("fields without an object", ["--fields", "spend"], problem: ["--fields 'spend'"], fix: ["OBJECT=field1,field2"]),
        .sync("fields of an object not imported", ["--objects", "campaigns", "--fields", "ad_insights=spend"],
              problem: ["--fields names object 'ad_insights', which is not among the objects"], fix: ["Add it to --objects"]),
        // Advertisers
        .sync("empty advertiser ids", ["--advertiser-ids", ""], problem: ["--advertiser-ids is an empty list"], fix: ["leave it out"]),
        .sync("no advertisers and no app credentials", ["--objects", "campaigns"], problem: ["No advertiser ids given"],
              fix: ["--advertiser-ids", "TIKTOK_APP_ID and TIKTOK_APP_SECRET"]),
        .sync("advertiser id that is no number", ["--advertiser-ids", "7012,abc"], problem: ["--advertiser-ids 'abc' is not an advertiser id"], fix: ["digits only"]),
        // Numeric flags
        .sync("negative lookback", ["--lookback-days=-5"], problem: ["--lookback-days -5 is out of range"], fix: ["from 0 to 364"]),
        .sync("zero concurrency", ["--concurrency", "0"], problem: ["--concurrency 0 is out of range"], fix: ["from 1 to 64"]),
        .sync("huge concurrency", ["--concurrency", "100000"], problem: ["--concurrency 100000 is out of range"], fix: ["from 1 to 64"]),
        .sync("zero qps", ["--qps", "0"], problem: ["--qps 0 is out of range"], fix: ["from 1 to 10000"]),
        .sync("negative qpm", ["--qpm=-1"], problem: ["--qpm -1 is out of range"], fix: ["from 1 to 600000"]),
        .sync("zero request timeout", ["--request-timeout", "0"], problem: ["--request-timeout 0 is out of range"], fix: ["seconds from 1 to 3600"]),
        .sync("negative request timeout", ["--request-timeout=-1"], problem: ["--request-timeout -1 is out of range"], fix: ["seconds from 1 to 3600"]),
        .sync("zero attempts", ["--max-attempts", "0"], problem: ["--max-attempts 0 is out of range"], fix: ["from 1 to 100"]),
        .sync("zero retention", ["--retention-days", "0"], problem: ["--retention-days 0 is out of range"], fix: ["from 1 to 36500"]),
        .sync("lookback that is no number", ["--lookback-days", "week"], problem: ["--lookback-days", "week"], fix: ["--help"]),
        // SQLite paths
        HostileInput(name: "empty sqlite path", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", ""],
                     problem: ["--sqlite is empty"], fix: ["Give the database file's path"]),
        HostileInput(name: "in-memory sqlite", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", ":memory:"],
                     problem: ["--sqlite ':memory:' is not a file"], fix: ["Give a file path"]),
        HostileInput(name: "sqlite path that is a directory", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "."],
                     problem: ["--sqlite '.' is a directory"], fix: ["tiktok-ads.sqlite"]),
        HostileInput(name: "sqlite in a missing directory", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "missing/x.sqlite"],
                     problem: ["the directory 'missing' does not exist"], fix: ["Create it first"]),
        HostileInput(name: "in-memory sqlite for cleanup", arguments: ["cleanup", "--sqlite", ":memory:", "--retention-days", "30"],
                     problem: ["--sqlite ':memory:' is not a file"], fix: ["Give a file path"]),
        HostileInput(name: "in-memory sqlite for the demo", arguments: ["demo", "--sqlite", ":memory:"],
                     problem: ["--sqlite ':memory:' is not a file"], fix: ["Give a file path"]),
        // Credentials
        HostileInput(name: "token flag with a header injection", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite",
                                                                          "--access-token", evilToken],
                     problem: ["--access-token contains a control character"], fix: ["Copy the value again as one line"],
                     neverShown: ["tok-5e1b9d7a", "X-Evil"]),
        HostileInput(name: "token variable with a header injection", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite"],
                     environment: ["TIKTOK_ACCESS_TOKEN": evilToken],
                     problem: ["the environment variable TIKTOK_ACCESS_TOKEN contains a control character"], fix: ["Copy the value again"],
                     neverShown: ["tok-5e1b9d7a", "X-Evil"]),
        HostileInput(name: "token with a space inside", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite"],
                     environment: ["TIKTOK_ACCESS_TOKEN": "tok-5e1b9d7a 77c0"],
                     problem: ["TIKTOK_ACCESS_TOKEN contains a space at position 13"], fix: ["Copy the value again"], neverShown: ["tok-5e1b9d7a"]),
        HostileInput(name: "app secret with a control character", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite"],
                     environment: ["TIKTOK_ACCESS_TOKEN": token, "TIKTOK_APP_SECRET": "sec-9d1f0a\u{7}"],
                     problem: ["TIKTOK_APP_SECRET contains a control character"], fix: ["Copy the value again"], neverShown: ["sec-9d1f0a"]),
        HostileInput(name: "whitespace-only token", arguments: ["sync", "--api-base-url", "{API}", "--sqlite", "data.sqlite"],
                     environment: ["TIKTOK_ACCESS_TOKEN": " \n"],
                     problem: ["the environment variable TIKTOK_ACCESS_TOKEN is empty"], fix: ["Set it"]),
        // Other flags
        .sync("ftp base URL", ["--api-base-url", "ftp://example.com/open_api/"], problem: ["--api-base-url 'ftp://example.com/open_api/' is not an http(s) URL"],
              fix: ["https://business-api.tiktok.com/open_api/"]),
        .sync("BigQuery dataset name", ["--destination", "bigquery", "--bigquery-dataset", "my-data!"],
              problem: ["--bigquery-dataset", "'my-data!' is not a dataset id"], fix: ["letters, digits and underscores"]),
        .sync("unknown destination", ["--destination", "mysql"], problem: ["mysql"], fix: ["sqlite", "bigquery", "sheets", "postgres"]),
        .sync("PostgreSQL without a server", ["--destination", "postgres"], problem: ["No PostgreSQL server"], fix: ["--postgres-url postgres://"]),
        .sync("PostgreSQL schema name", ["--destination", "postgres", "--postgres-url", "postgres://u@127.0.0.1/db", "--postgres-schema", "Ads-2"],
              problem: ["--postgres-schema", "'Ads-2' is not a plain name"], fix: ["lowercase letters, digits and underscores"]),
        .sync("unknown log level", ["--log-level", "loud"], problem: ["--log-level"], fix: ["trace, debug, info"]),
        HostileInput(name: "missing config file", arguments: ["sync", "--config", "nope.yml", "--sqlite", "data.sqlite"],
                     problem: ["Cannot read the config file 'nope.yml'"], fix: ["Check the path"]),
        HostileInput(name: "hourly minute out of range", arguments: ["schedule", "--sqlite", "data.sqlite", "--hourly", "75"],
                     problem: ["--hourly 75 is out of range"], fix: ["from 0 to 59"]),
        HostileInput(name: "daily time out of range", arguments: ["schedule", "--sqlite", "data.sqlite", "--daily", "25:00"],
                     problem: ["--daily '25:00' is not a time of day"], fix: ["HH:MM"]),
        HostileInput(name: "unknown timezone", arguments: ["schedule", "--sqlite", "data.sqlite", "--daily", "05:00", "--timezone", "Mars/Olympus"],
                     problem: ["--timezone 'Mars/Olympus' is not a known timezone"], fix: ["Europe/Berlin"]),
        // Unknown keys, at every level
        .config("unknown top-level key", "advertiser_idz: [\"7012345678901234567\"]",
                problem: ["unknown key `advertiser_idz`"], fix: ["did you mean `advertiser_ids`?"]),
        .config("sqlite_path instead of sqlite", "sqlite_path: /data/x.sqlite", problem: ["unknown key `sqlite_path`"], fix: ["did you mean `sqlite`?"]),
        .config("unknown rate_limit key", "rate_limit: {qpss: 5}", problem: ["unknown key `rate_limit.qpss`"], fix: ["did you mean `qps`?"]),
        .config("unknown destination key", "destination: {typ: bigquery}", problem: ["unknown key `destination.typ`"], fix: ["did you mean `type`?"]),
        .config("unknown bigquery key", "destination: {type: bigquery, bigquery: {project: p, datasett: d}}",
                problem: ["unknown key `destination.bigquery.datasett`"], fix: ["did you mean `dataset`?"]),
        .config("unknown sheets key", "destination: {type: sheets, sheets: {spreadsheat: abc}}",
                problem: ["unknown key `destination.sheets.spreadsheat`"], fix: ["did you mean `spreadsheet`?"]),
        .config("unknown schedule key", "schedule: {dayly: \"05:00\"}", problem: ["unknown key `schedule.dayly`"], fix: ["did you mean `daily`?"]),
        .config("unknown object entry key", "objects: [campaigns, {name: ad_insights, feilds: [spend]}]",
                problem: ["unknown key `objects[1].feilds`"], fix: ["did you mean `fields`?"]),
        .config("unknown object in retention", "retention_days_by_object: {ad_insight: 30}",
                problem: ["retention_days_by_object.ad_insight", "unknown object 'ad_insight'"], fix: ["Did you mean `ad_insights`?"]),
        .config("unknown key without a near one", "colour: blue", problem: ["unknown key `colour`"], fix: ["Keys allowed at the top level", "lookback_days"]),
        // Config values, checked like the flags
        .config("negative lookback in the file", "lookback_days: -5", problem: ["`lookback_days: -5` in the config file"], fix: ["from 0 to 364"]),
        .config("zero concurrency in the file", "concurrency: 0", problem: ["`concurrency: 0` in the config file"], fix: ["from 1 to 64"]),
        .config("huge concurrency in the file", "concurrency: 100000", problem: ["`concurrency: 100000`"], fix: ["from 1 to 64"]),
        .config("zero qps in the file", "rate_limit: {qps: 0, qpm: -1}", problem: ["`rate_limit.qps: 0`"], fix: ["from 1 to 10000"]),
        .config("negative qpm in the file", "rate_limit: {qpm: -1}", problem: ["`rate_limit.qpm: -1`"], fix: ["from 1 to 600000"]),
        .config("zero attempts in the file", "max_attempts: 0", problem: ["`max_attempts: 0`"], fix: ["from 1 to 100"]),
        .config("negative retention in the file", "retention_days: -1", problem: ["`retention_days: -1`"], fix: ["from 1 to 36500"]),
        .config("zero retention in the file", "retention_days: 0", problem: ["`retention_days: 0`"], fix: ["from 1 to 36500"]),
        .config("retention of an entity object", "retention_days_by_object: {campaigns: 30}",
                problem: ["'campaigns' has no report dates"], fix: ["report objects such as ad_insights"]),
        .config("zero timeout in the file", "request_timeout_seconds: 0", problem: ["`request_timeout_seconds: 0`"], fix: ["seconds from 1 to 3600"]),
        .config("negative timeout in the file", "request_timeout_seconds: -1", problem: ["`request_timeout_seconds: -1`"], fix: ["seconds from 1 to 3600"]),
        .config("start date in the future in the file", "start_date: 2999-01-01", problem: ["`start_date: 2999-01-01`", "is in the future"],
                fix: ["use a date up to today"]),
        .config("impossible start date in the file", "start_date: 2026-02-30", problem: ["`start_date`", "'2026-02-30' is not a date"], fix: ["YYYY-MM-DD"]),
        .config("empty objects in the file", "objects: []", problem: ["`objects` in the config file", "is an empty list"], fix: ["Name objects"]),
        .config("an object twice in the file", "objects: [ad_insights, campaigns, {name: ad_insights, fields: [spend]}]",
                problem: ["`objects` in the config file 'tiktok-ads.yml' names 'ad_insights' twice"], fix: ["with its fields on that entry"]),
        .config("unknown object in the file", "objects: [campaigns, add_groups]", problem: ["unknown object 'add_groups'"], fix: ["Did you mean `ad_groups`?"]),
        .config("concurrency that is no number", "concurrency: lots", problem: ["`concurrency`", "must be a whole number from 1 to 64", "'lots'"],
                fix: ["configuration reference"]),
        .config("misspelt destination type", "destination: {type: bigqery}", problem: ["`destination.type`", "'bigqery' is not a destination"],
                fix: ["did you mean bigquery?"]),
        .config("schedule minute out of range", "schedule: {hourly: 75}", command: ["schedule"], problem: ["`schedule.hourly: 75`"], fix: ["from 0 to 59"]),
        .config("bad value read by state show", "lookback_days: -5", command: ["state", "show"], problem: ["`lookback_days: -5`"], fix: ["from 0 to 364"]),
        .config("bad value read by cleanup", "retention_days: 0", command: ["cleanup"], problem: ["`retention_days: 0`"], fix: ["from 1 to 36500"]),
        HostileInput(name: "empty sqlite path in the file", arguments: ["sync"], config: "access_token: ${TIKTOK_ACCESS_TOKEN}\nsqlite: \"\"\n",
                     problem: ["`sqlite` in the config file 'tiktok-ads.yml' is empty"], fix: ["Give the database file's path"]),
        HostileInput(name: "in-memory sqlite in the file", arguments: ["sync"], config: "access_token: ${TIKTOK_ACCESS_TOKEN}\nsqlite: \":memory:\"\n",
                     problem: ["`sqlite: ':memory:'` in the config file 'tiktok-ads.yml' is not a file"], fix: ["Give a file path"]),
        .config("advertiser ids that are no list", "advertiser_ids: {a: 1}", problem: ["`advertiser_ids`", "must be a list"], fix: ["configuration reference"]),
        // The file itself
        .config("YAML syntax error", "concurrency: [4", problem: ["is not valid YAML", "line"], fix: ["Fix that line"]),
        .config("a key given twice", "concurrency: 2\nconcurrency: 3", problem: ["`concurrency` is given more than once"], fix: ["keep one"]),
        HostileInput(name: "nested aliases that expand to billions of values", arguments: ["sync", "--sqlite", "data.sqlite"],
                     config: "advertiser_ids: &a0 [" + Array(repeating: "lol", count: 10).joined(separator: ", ") + "]\n"
                        + ["app_id", "app_secret", "api_base_url", "include_deleted", "start_date", "lookback_days", "concurrency",
                           "max_attempts", "retention_days"].enumerated().map { level, key in
                               "\(key): &a\(level + 1) [" + Array(repeating: "*a\(level)", count: 10).joined(separator: ", ") + "]\n"
                           }.joined(),
                     problem: ["holds more than 100000 values once its aliases (*name) are expanded"], fix: ["without nested aliases"]),
        .config("unset variable", "app_secret: ${HOSTILE_UNSET_VARIABLE}", problem: ["${HOSTILE_UNSET_VARIABLE}", "is not set"], fix: ["Set it"]),
        HostileInput(name: "a config file that is a list", arguments: ["sync"], config: "- sqlite: data.sqlite\n",
                     problem: ["must be a mapping of settings", "it is a list"], fix: ["`key: value` lines"]),
        HostileInput(name: "literal token with a header injection", arguments: ["sync"], config: """
                        access_token: "tok-5e1b9d7a\\r\\nX-Evil: 1"
                        api_base_url: "{API}"
                        sqlite: data.sqlite
                        """,
                     environment: [:], problem: ["`access_token` in the config file 'tiktok-ads.yml' contains a control character"],
                     fix: ["Copy the value again"], neverShown: ["tok-5e1b9d7a", "X-Evil"]),
        HostileInput(name: "a variable that tries to add a key", arguments: ["sync"], config: """
                        access_token: ${TIKTOK_ACCESS_TOKEN}
                        api_base_url: "{API}"
                        sqlite: data.sqlite
                        """,
                     environment: ["TIKTOK_ACCESS_TOKEN": "tok-5e1b9d7a\nsqlite: /tmp/tiktok-ads-hostile-injected.sqlite"],
                     problem: ["`access_token` in the config file 'tiktok-ads.yml' contains a control character"], fix: ["Copy the value again"],
                     neverShown: ["tok-5e1b9d7a"], neverCreated: ["/tmp/tiktok-ads-hostile-injected.sqlite", "/tmp/tiktok-ads-hostile-injected.sqlite.lock"]),
    ]

    @Test(arguments: cases)
    func hostileInputIsRefusedAndChangesNothing(_ input: HostileInput) async throws {
        let baseline = try await Self.baseline.value
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("data.sqlite")
        try baseline.write(to: database)
        try await HostileServer.with(answer: { _ in HostileAnswer(status: 500, body: "{}") }) { api, received in
            var arguments = input.arguments.map { $0.replacingOccurrences(of: "{API}", with: api) }
            if let config = input.config {
                try config.replacingOccurrences(of: "{API}", with: api)
                    .write(to: directory.appendingPathComponent("tiktok-ads.yml"), atomically: true, encoding: .utf8)
                arguments += ["--config", "tiktok-ads.yml"]
            }
            let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()

            let run = try await Self.run(arguments, environment: input.environment, in: directory)

            #expect(run.code == input.exitCode, "\(input.name): exit \(run.code)\n\(run.err)")
            for text in input.problem + input.fix {
                #expect(run.err.contains(text), "\(input.name): the message should contain \"\(text)\":\n\(run.err)")
            }
            #expect(run.elapsed < Self.bound, "\(input.name) took \(run.elapsed)")
            #expect(try Data(contentsOf: database) == baseline, "\(input.name): the database changed")
            let after = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(after == before, "\(input.name): files created: \(Set(after).subtracting(before).sorted())")
            for path in input.neverCreated { #expect(!FileManager.default.fileExists(atPath: path), "\(input.name) created \(path)") }
            #expect(received.value.isEmpty, "\(input.name): \(received.value.count) request(s) were sent")
            for text in input.neverShown { #expect(!(run.out + run.err).contains(text), "\(input.name) printed \"\(text)\"") }
            try await SyncHarness.expectNoLeaks(SecretSweep(environment: input.environment), database: database.path,
                                                captured: ["stdout": run.out, "stderr": run.err])
        }
    }

    /// The binary run to completion in `directory` with only `environment` (and PATH): exit code, output, how long.
    static func run(_ arguments: [String], environment: [String: String], in directory: URL) async throws
        -> (code: Int32, out: String, err: String, elapsed: Duration) {
        let out = Pipe(), err = Pipe()
        let started = ContinuousClock.now
        let child = try ToolBinary.start(arguments, environment: environment, output: out.fileHandleForWriting, error: err.fileHandleForWriting,
                                         inheritEnvironment: false, currentDirectory: directory)
        try out.fileHandleForWriting.close()
        try err.fileHandleForWriting.close()
        async let outText = ToolBinary.readAll(out.fileHandleForReading)
        async let errText = ToolBinary.readAll(err.fileHandleForReading)
        let code = await child.exit.value
        let elapsed = ContinuousClock.now - started
        return (code, await outText, await errText, elapsed)
    }
}

/// Credentials with whitespace around them, and Google credentials that are nowhere: the cases that do not end in exit 2.
@Suite(.serialized)
struct CredentialInputTests {
    enum Source: String, CaseIterable, Sendable { case environment, flag, config }

    /// A token pasted with its trailing newline is trimmed with a notice (never showing the token), and works.
    @Test(arguments: Source.allCases)
    func aTokenWithSurroundingWhitespaceIsTrimmedWithANotice(_ source: Source) async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let token = simulator.options.accessToken
        let directory = try HostileInputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try await simulator.withRunningServer { url in
            var arguments = ["sync", "--api-base-url", url.absoluteString, "--sqlite", "trim.sqlite", "--objects", "campaigns",
                             "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","),
                             "--now", SyncHarness.now.formatted(.iso8601)]
            var environment: [String: String] = [:]
            switch source {
            case .environment:
                environment["TIKTOK_ACCESS_TOKEN"] = token + "\n"
            case .flag:
                arguments += ["--access-token", " \(token)\r\n"]
            case .config:
                try "access_token: \"\(token)\\n\"\n".write(to: directory.appendingPathComponent("c.yml"), atomically: true, encoding: .utf8)
                arguments += ["--config", "c.yml"]
            }
            return try await HostileInputTests.run(arguments, environment: environment, in: directory)
        }
        #expect(run.code == 0, "\(source): \(run.err)")
        let setting = ["the environment variable TIKTOK_ACCESS_TOKEN", "--access-token", "`access_token` in the config file 'c.yml'"]
        #expect(run.err.contains("\(setting[Source.allCases.firstIndex(of: source)!]) had whitespace around it"), "\(run.err)")
        #expect(!(run.out + run.err).contains(token), "the token was printed")
        #expect(run.out.contains("campaigns"), "the sync ran: \(run.out)")
        #expect(simulator.requestLog.entries.allSatisfy { $0.code != 40105 }, "the trimmed token was accepted")
    }

    /// BigQuery with a project and no credentials anywhere: the metadata server (here one that accepts connections
    /// and never answers) is given a few seconds, not a minute, and the message lists every place looked in.
    @Test func bigQueryWithoutCredentialsGivesUpWithinSecondsNamingWhereItLooked() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let directory = try HostileInputTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await HostileServer.with(answer: { _ in HostileAnswer(status: 500, body: "{}") }) { api, received in
            let run = try await HostileInputTests.run(
                ["sync", "--api-base-url", api, "--destination", "bigquery", "--bigquery-project", "hostile-project", "--objects", "campaigns",
                 "--advertiser-ids", "7012345678901234567"],
                environment: ["TIKTOK_ACCESS_TOKEN": HostileInputTests.token, "GCE_METADATA_HOST": "127.0.0.1:\(silent.port)",
                              "HOME": directory.path],
                in: directory)
            #expect(run.code == 1, "\(run.err)")
            #expect(run.elapsed < .seconds(20), "took \(run.elapsed); the metadata server must be given seconds, not a minute")
            for place in ["No Google credentials found", "--google-credentials", "GOOGLE_APPLICATION_CREDENTIALS (not set)",
                          "\(directory.path)/.config/gcloud/application_default_credentials.json (not found)",
                          "the metadata server at http://127.0.0.1:\(silent.port)/", "gcloud auth application-default login"] {
                #expect(run.err.contains(place), "the message should name \"\(place)\":\n\(run.err)")
            }
            #expect(received.value.isEmpty, "nothing was asked of TikTok before the destination was ready")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no file in the working directory")
        }
    }
}
