import Destinations
import Foundation
import Logging
import SyncKit
import Testing
import TikTokAds
import TikTokAdsApp

/// Configuration resolution in the library, without a process: flags over the config file over the environment
/// over defaults, every value range-checked, and the destination opened only once everything else is valid.
struct SyncRequestTests {
    static let logger = Logger(label: "test")

    static func configFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func flagsWinOverTheConfigFileWhichWinsOverTheEnvironment() async throws {
        var request = SyncRequest()
        request.configPath = try Self.configFile("""
            access_token: from-the-file
            advertiser_ids: ["1", "2"]
            lookback_days: 3
            concurrency: 2
            rate_limit: {qps: 5}
            objects: [campaigns, {name: ad_insights, fields: [spend]}]
            """)
        request.lookbackDays = 9
        request.qpm = 100
        request.now = "2026-03-15T12:00:00Z"
        let file = try request.loadConfiguration()
        let job = try await request.makeJob(file: file, destination: { try SQLiteDestination(path: ":memory:") }, logger: Self.logger,
                                            environment: ["TIKTOK_ACCESS_TOKEN": "from-the-environment"])
        await job.destination.close()
        #expect(job.api.accessToken == "from-the-file")
        #expect(job.settings.advertiserIDs == ["1", "2"])
        #expect(job.settings.lookbackDays == 9, "the flag wins")
        #expect(job.concurrency == 2, "the file wins over the default")
        #expect(job.rateBudget == RateBudget(perSecond: 5, perMinute: 100))
        #expect(job.settings.objects.map(\.object.name) == ["campaigns", "ad_insights"])
        #expect(try job.settings.objects[1].schema().fields.map(\.name).contains("spend"))
        #expect(job.settings.startDate == LocalDate(year: 2026, month: 2, day: 13), "30 days before --now by default")
    }

    @Test(arguments: [
        ("lookback_days: 400", "lookback_days"), ("concurrency: 65", "concurrency"), ("max_attempts: 0", "max_attempts"),
        ("request_timeout_seconds: 0.5", "request_timeout_seconds"), ("retention_days: 0", "retention_days"),
    ])
    func outOfRangeConfigValuesAreBadInputAndTheDestinationNeverOpens(line: String, key: String) async throws {
        var request = SyncRequest()
        request.configPath = try Self.configFile("access_token: t\n\(line)\n")
        // Checked when the file is read, by every command, before anything opens...
        let loadError = #expect(throws: SyncError.self) { _ = try request.loadConfiguration() }
        #expect(loadError?.kind == .badInput)
        #expect(loadError?.message.contains(key) == true, "\(String(describing: loadError))")
        // ...and again by `makeJob`, for settings built in code, even when a flag overrides the bad value.
        var file = try ToolConfiguration.parse("access_token: t\n\(line)\n", file: "in-code.yml", environment: [:])
        file.origin = .file("in-code.yml")
        request.configPath = nil
        request.lookbackDays = 3
        request.concurrency = 2
        let opened = Protected(false)
        let error = await #expect(throws: SyncError.self) {
            _ = try await request.makeJob(file: file, destination: {
                opened.withLock { $0 = true }
                return try SQLiteDestination(path: ":memory:")
            }, logger: Self.logger, environment: [:])
        }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains(key) == true, "\(String(describing: error))")
        #expect(!opened.value)
    }

    @Test func aMissingTokenNamesWhereToSetIt() async throws {
        let request = SyncRequest()
        let error = await #expect(throws: SyncError.self) {
            _ = try await request.makeJob(file: ToolConfiguration(), destination: { try SQLiteDestination(path: ":memory:") },
                                          logger: Self.logger, environment: [:])
        }
        #expect(error?.message.contains("TIKTOK_ACCESS_TOKEN") == true)
    }

    /// Surrounding whitespace is trimmed (flag, file or environment); anything else outside printable ASCII is refused
    /// before the destination opens, and no message shows the value.
    @Test func credentialsAreTrimmedOrRefusedBeforeAnythingOpens() async throws {
        let request = SyncRequest()
        let job = try await request.makeJob(file: ToolConfiguration(), destination: { try SQLiteDestination(path: ":memory:") },
                                            logger: Self.logger,
                                            environment: ["TIKTOK_ACCESS_TOKEN": " tok-4d2e8a1f\n", "TIKTOK_APP_ID": "7123\n",
                                                          "TIKTOK_APP_SECRET": "sec-77aa10\r\n"])
        await job.destination.close()
        #expect(job.api.accessToken == "tok-4d2e8a1f")
        #expect(job.api.appSecret == "sec-77aa10" && job.api.appID == "7123")
        for (variable, value) in [("TIKTOK_ACCESS_TOKEN", "tok-4d2e8a1f\r\nX-Evil: 1"), ("TIKTOK_APP_ID", "71\u{0}23"),
                                  ("TIKTOK_APP_SECRET", "sec-77aa10\u{1b}[2J"), ("TIKTOK_ACCESS_TOKEN", "tok-4d2e8a1f é")] {
            let opened = Protected(false)
            let error = await #expect(throws: SyncError.self) {
                _ = try await request.makeJob(file: ToolConfiguration(), destination: {
                    opened.withLock { $0 = true }
                    return try SQLiteDestination(path: ":memory:")
                }, logger: Self.logger, environment: ["TIKTOK_ACCESS_TOKEN": "tok-4d2e8a1f"].merging([variable: value]) { $1 })
            }
            #expect(error?.kind == .badInput)
            #expect(error?.message.contains(variable) == true, "\(String(describing: error))")
            #expect(error?.message.contains("tok-4d2e8a1f") == false && error?.message.contains("sec-77aa10") == false)
            #expect(!opened.value)
        }
    }

    @Test func aScheduleGivenByFlagsReplacesTheFilesWholeSchedule() throws {
        var entry = ToolConfiguration.ScheduleEntry()
        entry.cron = "0 */6 * * *"
        entry.timezone = "Europe/Berlin"
        entry.jitterSeconds = 30
        let flagged = ScheduleSettings(daily: "05:00", hourly: nil, cron: nil, timezone: nil, jitterSeconds: nil, metricsPort: nil, file: entry)
        #expect(flagged.cron == nil, "no mixing of the flag's daily with the file's cron")
        #expect(flagged.daily == "05:00")
        #expect(flagged.timezone == "Europe/Berlin" && flagged.jitterSeconds == 30)
        _ = try flagged.schedule()
        let fromFile = ScheduleSettings(daily: nil, hourly: nil, cron: nil, timezone: nil, jitterSeconds: nil, metricsPort: nil, file: entry)
        #expect(fromFile.cron == "0 */6 * * *")
        let neither = ScheduleSettings(daily: nil, hourly: nil, cron: nil, timezone: nil, jitterSeconds: nil, metricsPort: nil, file: nil)
        #expect(throws: SyncError.self) { _ = try neither.schedule() }
    }

    @Test func theJobScopeClosesTheDestinationAndReleasesTheLockOnEveryPath() async throws {
        let path = SyncHarness.temporaryDatabase()
        var request = SyncRequest()
        request.sqlite = path
        request.accessToken = "scope-test-token"
        request.advertiserIDs = "7012345678901234567"
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await request.withJob(ToolConfiguration(), access: .locked, logger: Self.logger) { _ in throw Boom() }
        }
        // The lock was released: the next locked scope gets it at once.
        let name = try await request.withJob(ToolConfiguration(), access: .locked, logger: Self.logger) { $0.destination.displayName }
        #expect(name.hasSuffix(path))
    }
}
