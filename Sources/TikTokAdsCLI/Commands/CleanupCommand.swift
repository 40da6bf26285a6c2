import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads cleanup`: applies the retention window now.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete report rows older than the retention window (retention_days, or --retention-days).",
        discussion: """
            Applies to every report table in the destination (or only --objects), with retention_days_by_object from the
            config over --retention-days / retention_days. Needs no access token: it makes no API call.
            """)

    @OptionGroup var options: DestinationCommandOptions

    @Option(help: "Delete rows older than this many days (default: retention_days in the config).")
    var retentionDays: Int?

    @Option(help: "Only these report objects (comma-separated; default: every report table in the destination).")
    var objects: String?

    var request: SyncRequest {
        var request = options.request
        request.retentionDays = retentionDays
        request.objects = objects
        return request
    }

    func validate() throws {
        try BadInput.asValidation { try request.validateFlags() }
    }

    func run() async throws {
        let deleted = try await request.cleanup(logger: LoggingSetup.bootstrap(options.output))
        if deleted.isEmpty { print("no report table to clean") }
        for (table, count) in deleted.sorted(by: { $0.key < $1.key }) { print("\(table): deleted \(count) rows") }
    }
}
