import ArgumentParser
import TikTokAdsApp

/// The schedule `status` and `serve` judge freshness by (and the page shows): flags over the config's `schedule:`.
struct FreshnessScheduleOptions: ParsableArguments {
    @Option(help: "The schedule to judge freshness by: daily at HH:MM (default: the config's schedule, else daily).")
    var daily: String?
    @Option(help: "Hourly at this minute.")
    var hourly: Int?
    @Option(help: "A five-field cron expression.")
    var cron: String?
    @Option(help: "Timezone of --daily and --cron, e.g. Europe/Berlin (default: the config's schedule timezone, else UTC).")
    var timezone: String?

    func settings(file: ToolConfiguration.ScheduleEntry?) -> ScheduleSettings {
        ScheduleSettings(daily: daily, hourly: hourly, cron: cron, timezone: timezone, jitterSeconds: nil, metricsPort: nil, file: file)
    }
}
