import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads status`: how fresh the destination is, from the destination alone (no API call).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per advertiser and object: bookmark, last commit, freshness, rows, last error; the last runs.",
        discussion: "Reads the destination only. Exit 0 when every stream committed within twice the schedule's interval (the config's schedule:, or the flags; daily when none), 1 otherwise.")

    @OptionGroup var options: DestinationCommandOptions
    @Option(help: "Output: text or json.")
    var format: StatusFormat = .text
    @OptionGroup var schedule: FreshnessScheduleOptions

    enum StatusFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        try BadInput.asValidation { try options.request.validateFlags() }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let request = options.request
        let file = try request.loadConfiguration(needsAPI: false)
        let schedule = self.schedule.settings(file: file.schedule)
        let report = try await request.status(schedule: schedule, logger: logger)
        print(format == .json ? report.json : report.text, terminator: "")
        if !report.fresh { throw ExitCode(1) }
    }
}
