import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads cleanup`: applies the retention window now.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete report rows older than the retention window (retention_days, or --retention-days).")

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let deleted = try await options.request.cleanup(logger: LoggingSetup.bootstrap(options.output))
        for (table, count) in deleted.sorted(by: { $0.key < $1.key }) { print("\(table): deleted \(count) rows") }
    }
}
