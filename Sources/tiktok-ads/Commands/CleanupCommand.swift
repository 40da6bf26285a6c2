import ArgumentParser
import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `tiktok-ads cleanup`: applies the retention window now.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete report rows older than the retention window (retention_days, or --retention-days).")

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let file = try options.loadConfiguration()
        var environment = ProcessInfo.processInfo.environment
        // Cleanup makes no API call: a token is not needed.
        environment["TIKTOK_ACCESS_TOKEN"] = environment["TIKTOK_ACCESS_TOKEN"] ?? "unused-by-cleanup"
        // Deleting rows is writing: hold the same lock as `sync`, taken before the destination opens.
        var lock: FileLock?
        let job = try options.makeJob(file: file, destination: {
            let opened = try options.openLocked(file, logger: logger)
            lock = opened.lock
            return opened.destination
        }, logger: logger, environment: environment)
        defer { lock?.release() }
        guard !job.retentionDays.isEmpty else {
            await job.destination.close()
            throw SyncError(.badInput, "No retention window is set. Pass --retention-days N or set retention_days in the config.")
        }
        let deleted: [String: Int]
        do {
            deleted = try await job.applyRetention(today: LocalDate(job.now(), in: TimeZone(identifier: "UTC")!))  // UTC always exists
        } catch {
            await job.destination.close()
            throw error
        }
        await job.destination.close()
        for (table, count) in deleted.sorted(by: { $0.key < $1.key }) { print("\(table): deleted \(count) rows") }
    }
}
