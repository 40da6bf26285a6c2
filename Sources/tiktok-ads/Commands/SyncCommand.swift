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
        var job = try options.makeJob(file: file, destination: { try SQLiteDestination(path: options.sqlitePath(file)) }, logger: logger)
        let reporter = ConsoleReporter(options: options.output)
        job.progress = { reporter.progress($0) }
        let record: RunRecord
        do {
            record = try await job.run()
        } catch {
            await job.destination.close()
            throw error
        }
        await job.destination.close()
        print(ConsoleReporter.summary(record), terminator: "")
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
