import ArgumentParser
import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator

/// `tiktok-ads demo`: a sync of simulated accounts into a local SQLite file, no account or setup needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync every object of a few simulated TikTok advertisers into a local SQLite file.")

    @Option(help: "SQLite file to create or update.")
    var sqlite = "tiktok-ads-demo.sqlite"

    @Option(help: "Simulated advertisers.")
    var advertisers = 3

    @Option(help: "Days of report history to import.")
    var days = 30

    @Option(help: "Seed of the simulated data.")
    var seed: UInt64 = 42

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...50).contains(advertisers) else { throw ValidationError("--advertisers must be between 1 and 50.") }
        guard (1...365).contains(days) else { throw ValidationError("--days must be between 1 and 365.") }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(output)
        var simulatorOptions = SimulatorOptions()
        simulatorOptions.seed = seed
        simulatorOptions.advertisers = advertisers
        simulatorOptions.unauthorizedAdvertisers = 0
        var simulatorLogger = logger
        simulatorLogger.logLevel = .critical  // the in-process server's own lifecycle messages are noise here
        let simulator = TikTokSimulator(options: simulatorOptions, logger: simulatorLogger)
        let credentials = simulatorOptions
        let destination = try SQLiteDestination(path: sqlite)
        let reporter = ConsoleReporter(options: output)
        let now = Date()
        let today = LocalDate(now, in: TimeZone(identifier: "UTC")!)  // UTC always exists
        let record = try await simulator.withRunningServer { baseURL in
            let api = TikTokAPIConfiguration(baseURL: baseURL, accessToken: credentials.accessToken,
                                             appID: credentials.appId, appSecret: credentials.secret)
            let settings = SyncSettings(objects: Catalog.objects.map { ObjectSelection(object: $0) },
                                        startDate: today.adding(days: -days))
            let job = SyncJob(api: api, settings: settings, destination: destination, concurrency: 4, logger: logger,
                              progress: { reporter.progress($0) }, now: { now })
            return try await job.run()
        }
        let tables = try await destination.tables()
        await destination.close()
        print(ConsoleReporter.summary(record), terminator: "")
        print("""

            Your data is in \(sqlite) (\(tables.count) tables). Try:

              sqlite3 \(sqlite) "SELECT c.campaign_name, SUM(i.spend) AS spend, SUM(i.impressions) AS impressions, SUM(i.clicks) AS clicks
                FROM tiktok_ads_ad_insights i JOIN tiktok_ads_campaigns c USING (campaign_id)
                GROUP BY c.campaign_name ORDER BY spend DESC LIMIT 10"
            """)
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
