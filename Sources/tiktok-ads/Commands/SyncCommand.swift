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
        var job = try options.makeJob(file: file, destination: { try options.openDestination(file, logger: logger) }, logger: logger)
        let reporter = ConsoleReporter(options: options.output)
        job.progress = { reporter.progress($0) }
        // One sync per destination at a time, shared with `tiktok-ads schedule`.
        let lockPath = SyncLock.path(for: job.destination.displayName)
        let outcome: RunRecord?
        do {
            outcome = try await FileLock.withLock(at: lockPath) { try await job.run() }
        } catch {
            await job.destination.close()
            throw error
        }
        await job.destination.close()
        guard let record = outcome else {
            throw SyncError(.destination,
                "Another sync is writing to \(job.destination.displayName) (pid \(FileLock.holder(of: lockPath) ?? "?")). Wait for it to finish, or stop it, then run again.")
        }
        print(ConsoleReporter.summary(record), terminator: "")
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
