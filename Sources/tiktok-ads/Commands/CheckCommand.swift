import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads check`: is the token valid, which advertisers are reachable, which objects each permits.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the token, the advertisers it reaches, and the objects each permits.")

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let (report, destination) = try await options.request.check(logger: LoggingSetup.bootstrap(options.output))
        print(ConsoleReporter.accessReport(report, writableDestination: destination), terminator: "")
        if report.hasProblems { throw ExitCode(3) }
    }
}
