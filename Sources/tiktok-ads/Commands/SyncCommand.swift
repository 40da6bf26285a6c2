import ArgumentParser
import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `tiktok-ads sync`: the real job.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Import the selected objects for the selected advertisers into SQLite, incrementally.")

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let file = try options.loadConfiguration()
        let destination = try SQLiteDestination(path: options.sqlitePath(file))
        var job = try options.makeJob(file: file, destination: destination, logger: logger)
        let reporter = ConsoleReporter(options: options.output)
        job.progress = { reporter.progress($0) }
        let record: RunRecord
        do {
            record = try await job.run()
        } catch {
            await destination.close()
            throw error
        }
        await destination.close()
        print(ConsoleReporter.summary(record), terminator: "")
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
