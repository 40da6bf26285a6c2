import ArgumentParser
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

    @Flag(help: "No progress lines; only the summary and errors.")
    var quiet = false

    func validate() throws {
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error.")
        }
    }
}

extension OutputOptions {
    /// Progress and notices on standard error, as these flags ask.
    var reporter: ConsoleReporter { ConsoleReporter(quiet: quiet, plainText: logFormat == .text) }
}
