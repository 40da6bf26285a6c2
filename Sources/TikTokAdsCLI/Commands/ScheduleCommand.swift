import ArgumentParser
import Foundation
import TikTokAdsApp

/// `tiktok-ads schedule`: runs the sync on a schedule until stopped.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run the sync daily, hourly or on a cron expression until stopped.",
        discussion: """
            Never overlaps: a tick that finds a run in progress (here, or a manual `tiktok-ads sync` on the same database)
            is skipped and logged. After downtime, one catch-up run. SIGTERM or SIGINT lets the current page commit, then
            exits 0. Hourly schedules re-read today and yesterday on each tick, and the full lookback window once a day.
            """)

    @OptionGroup var options: SyncOptions

    @Option(help: "Run every day at this local time, HH:MM (in --timezone).")
    var daily: String?

    @Option(help: "Run every hour at this minute (0-59).")
    var hourly: Int?

    @Option(help: "Run on a five-field cron expression (in --timezone), e.g. '0 */6 * * *'.")
    var cron: String?

    @Option(help: "Timezone of --daily and --cron, e.g. Europe/Berlin (default UTC).")
    var timezone: String?

    @Option(help: "Add a random delay of up to this many seconds to each tick.")
    var jitterSeconds: Int?

    @Option(help: "Serve the status page at http://127.0.0.1:PORT/ (and /status.json), Prometheus metrics at /metrics and a health check at /health (0 picks a port).")
    var metricsPort: Int?

    @Option(help: "Address the --metrics-port server listens on (default 127.0.0.1, this machine only; 0.0.0.0 for every interface). The page has no authentication unless --metrics-basic-auth-file is given.")
    var metricsBind: String?

    @Option(help: "File with user:password on its first line: the status page and /status.json then ask for them (basic auth).")
    var metricsBasicAuthFile: String?

    func settings(_ file: ToolConfiguration) -> ScheduleSettings {
        ScheduleSettings(daily: daily, hourly: hourly, cron: cron, timezone: timezone, jitterSeconds: jitterSeconds,
                         metricsPort: metricsPort, file: file.schedule)
    }

    func validate() throws {
        try BadInput.asValidation {
            // The same checks as the config file's `schedule:` section.
            try ToolConfiguration.ScheduleEntry(daily: daily, hourly: hourly, cron: cron, timezone: timezone, jitterSeconds: jitterSeconds,
                                                metricsPort: metricsPort).validate(origin: .flags)
            // Without a config file the flags must say everything; with one, `run` checks the merged settings.
            if options.config == nil { _ = try settings(ToolConfiguration()).schedule() }
            if let metricsBind { try MetricsServer.checkBindAddress(metricsBind) }
        }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let request = options.request
        let file = try request.loadConfiguration()
        let page = try StatusPageServing(bind: metricsBind, basicAuthFile: metricsBasicAuthFile)
        try await ScheduledSyncService.run(request: request, settings: settings(file), file: file, logger: logger, page: page) { port in
            FileHandle.standardOutput.write(Data(("status page on \(page.url(port: port)), metrics on \(page.url(port: port, path: "/metrics")), "
                + "health on \(page.url(port: port, path: "/health"))\n").utf8))
        }
    }
}
