import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads state show|reset`: the bookmarks of each (advertiser, object), in the destination `sync` writes to
/// (chosen by the same flags and config file: `--destination`, `--bigquery-*`, `--sqlite`, `--config`).
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show or reset the incremental state.",
        subcommands: [Show.self, Reset.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each stream's bookmark and last sync, and the last runs.")

        @OptionGroup var options: SyncOptions

        func run() async throws {
            let (state, runs) = try await options.request.stateReport(logger: LoggingSetup.bootstrap(options.output))
            print(ConsoleReporter.stateTable(state: state, runs: runs), terminator: "")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget bookmarks so the next sync starts again from the start date.")

        @OptionGroup var options: SyncOptions

        @Option(help: "Only this advertiser.")
        var advertiserId: String?

        @Option(help: "Only this object.")
        var object: String?

        func run() async throws {
            let count = try await options.request.resetState(advertiserID: advertiserId, object: object,
                                                             logger: LoggingSetup.bootstrap(options.output))
            print("reset \(count) stream state(s); rows already loaded are kept and will be upserted again.")
        }
    }
}
