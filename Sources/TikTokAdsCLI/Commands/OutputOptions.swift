import ArgumentParser
import Logging
import SyncKit
import TikTokAdsApp

/// How the tool writes logs.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// Logging flags shared by every command.
struct OutputOptions: ParsableArguments {
    @Option(help: "Log format: text (for people) or json (one JSON object per line, for machines).")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Flag(help: "Nothing but errors: no progress, no summary (the exit code tells how the run ended).")
    var quiet = false

    func validate() throws {
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error.")
        }
    }
}

extension OutputOptions {
    /// How a run shows its progress, as these flags and the terminal ask.
    var reporterMode: ConsoleReporter.Mode { ConsoleReporter.mode(quiet: quiet, json: logFormat == .json) }

    /// Progress on standard error, as these flags ask.
    func reporter(_ logger: Logger) -> ConsoleReporter { ConsoleReporter(mode: reporterMode, logger: logger) }

    /// The end-of-run summary on standard output, as these flags ask.
    func printSummary(_ record: RunRecord) { ConsoleReporter.printSummary(record, mode: reporterMode) }
}
