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

        @OptionGroup var options: DestinationCommandOptions

        func run() async throws {
            let (state, runs) = try await options.request.stateReport(logger: LoggingSetup.bootstrap(options.output))
            print(ConsoleReporter.stateTable(state: state, runs: runs), terminator: "")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget bookmarks so the next sync starts again from the start date.",
            discussion: "With neither --advertiser-ids nor --objects, every stream is reset. Rows already loaded are kept.")

        @OptionGroup var options: DestinationCommandOptions

        @Option(name: [.customLong("advertiser-ids"), .customLong("advertiser-id")],
                help: "Only these advertisers (comma-separated).")
        var advertiserIds: String?

        @Option(name: [.customLong("objects"), .customLong("object")], help: "Only these objects (comma-separated; see `tiktok-ads discover`).")
        var objects: String?

        @Flag(help: "Forget the pace learned from TikTok's rate limits instead of bookmarks (after an access-tier upgrade: a learned per-minute budget never rises by itself); the next sync learns it again.")
        var pacing = false

        func validate() throws {
            if pacing, advertiserIds != nil || objects != nil {
                throw ValidationError("--pacing forgets the pace of every endpoint and keeps every bookmark; drop --advertiser-ids and --objects, or run `state reset` without --pacing for bookmarks.")
            }
            try BadInput.asValidation { _ = try StateResetScope(advertiserIDs: advertiserIds, objects: objects) }
        }

        func run() async throws {
            if pacing {
                let count = try await options.request.forgetPacing(logger: LoggingSetup.bootstrap(options.output))
                print("forgot the pace learned for \(count) endpoint(s); bookmarks are kept, and the next sync learns TikTok's budget again.")
                return
            }
            let scope = try StateResetScope(advertiserIDs: advertiserIds, objects: objects)
            let count = try await options.request.resetState(scope, logger: LoggingSetup.bootstrap(options.output))
            print("reset \(count) stream state(s) (\(scope.description)); rows already loaded are kept and will be upserted again.")
        }
    }
}
