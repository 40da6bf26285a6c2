import ArgumentParser
import Destinations
import SyncKit
import TikTokAdsApp

/// `tiktok-ads singer`: a Singer tap (Meltano: `executable: tiktok-ads singer`).
struct SingerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "singer",
        abstract: "Run as a Singer tap: SCHEMA, RECORD and STATE messages on standard output, logs on standard error.",
        discussion: "The config is the JSON file Singer runners pass, with the keys of the YAML config file. Exit codes as `sync`.")

    @Option(help: "The tap's JSON config (the keys of tiktok-ads.yml).")
    var config: String?

    @Option(help: "The last STATE value the tap emitted: report streams resume from its bookmarks minus the lookback.")
    var state: String?

    @Option(help: "A Singer catalog (from --discover) whose selected streams and fields to read.")
    var catalog: String?

    @Option(help: "The older Singer name for --catalog.")
    var properties: String?

    @Flag(help: "Print the Singer catalog and exit.")
    var discover = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !discover, config == nil { throw ValidationError("Pass --config FILE (the tap's JSON config), or --discover.") }
        if catalog != nil, properties != nil { throw ValidationError("Pass --catalog or --properties, not both.") }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(output)
        let messages = ProtocolOutput.standardOutput()
        guard let config, !discover else {
            messages.emit([try SingerTap.discover(configPath: config)])
            return
        }
        let record = try await SingerTap.sync(configPath: config, statePath: state, catalogPath: catalog ?? properties,
                                              output: messages, logger: logger)
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
