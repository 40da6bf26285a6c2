import ArgumentParser
import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `tiktok-ads sync`: the real job.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Import the selected objects for the selected advertisers into SQLite, incrementally.",
        discussion: """
            One sync per destination at a time: a second one (or a `schedule` tick, `cleanup`, `state reset`) on the same
            database, under any name that reaches the file, is refused. SIGTERM or SIGINT lets the page being written commit,
            records the run as cancelled and exits 1.
            """)

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let file = try options.loadConfiguration()
        // One sync per destination at a time, shared with `schedule`, `cleanup` and `state reset`; taken once the
        // input is valid, before the destination opens.
        var lock: FileLock?
        var job = try options.makeJob(file: file, destination: {
            let opened = try options.openLocked(file, logger: logger)
            lock = opened.lock
            return opened.destination
        }, logger: logger)
        defer { lock?.release() }
        let reporter = ConsoleReporter(options: options.output)
        job.progress = { reporter.progress($0) }
        let record: RunRecord
        do {
            record = try await SignalCancellation.run { [job] in try await job.run() }
        } catch {
            await job.destination.close()
            throw error
        }
        await job.destination.close()
        print(ConsoleReporter.summary(record), terminator: "")
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
