import ArgumentParser
import Destinations
import TikTokAdsApp

/// `tiktok-ads airbyte spec|check|discover|read`: an Airbyte source (a custom connector's entrypoint).
struct AirbyteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airbyte",
        abstract: "Run as an Airbyte source: Airbyte protocol messages on standard output, logs on standard error.",
        subcommands: [Spec.self, Check.self, Discover.self, Read.self])

    struct Spec: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the SPEC message (the connection's config schema).")
        func run() { ProtocolOutput.standardOutput().emit([AirbyteSource.spec()]) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print CONNECTION_STATUS: the token works and reads every advertiser (exit 0 either way).")
        @Option(help: "The connection's JSON config.") var config: String
        @OptionGroup var output: OutputOptions

        func run() async {
            let logger = LoggingSetup.bootstrap(output)
            ProtocolOutput.standardOutput().emit([await AirbyteSource.check(configPath: config, logger: logger)])
        }
    }

    struct Discover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the CATALOG message (an ERROR trace and exit 1 for a bad config).")
        @Option(help: "The connection's JSON config.") var config: String

        func run() throws {
            let (message, ok) = AirbyteSource.discoverMessage(configPath: config)
            ProtocolOutput.standardOutput().emit([message])
            if !ok { throw ExitCode(1) }
        }
    }

    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read the configured streams (an ERROR trace and exit 1 when the read fails).")
        @Option(help: "The connection's JSON config.") var config: String
        @Option(help: "The configured catalog.") var catalog: String
        @Option(help: "The per-stream state of the last read.") var state: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let logger = LoggingSetup.bootstrap(output)
            let ok = await AirbyteSource.read(configPath: config, catalogPath: catalog, statePath: state,
                                              output: ProtocolOutput.standardOutput(), logger: logger)
            if !ok { throw ExitCode(1) }
        }
    }
}
