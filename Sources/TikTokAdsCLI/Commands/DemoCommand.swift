import ArgumentParser
import SyncKit
import TikTokAdsApp

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
        try BadInput.asValidation { try ToolConfiguration.validateSQLitePath(sqlite, flag: "--sqlite") }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(output)
        let reporter = output.reporter(logger)
        let (sqlite, advertisers, days, seed) = (sqlite, advertisers, days, seed)
        let (record, tables) = try await reporter.whileRunning {
            try await DemoRun.run(sqlite: sqlite, advertisers: advertisers, days: days, seed: seed,
                                  logger: logger, progress: { reporter.progress($0) })
        }
        output.printSummary(record)
        if output.reporterMode != .json && output.reporterMode != .quiet {
            print(ConsoleReporter.demoNextSteps(sqlite: sqlite, tables: tables.count))
        }
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
