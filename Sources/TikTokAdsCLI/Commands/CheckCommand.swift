import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads check`: is the token valid, which advertisers are reachable, which objects each permits.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the token, the advertisers it reaches, and the objects each permits.")

    @OptionGroup var options: DestinationCommandOptions
    @OptionGroup var api: APIOptions

    var request: SyncRequest {
        var request = options.request
        api.apply(to: &request)
        return request
    }

    func validate() throws {
        try BadInput.asValidation { try request.validateFlags() }
    }

    func run() async throws {
        let (report, destination) = try await request.check(logger: LoggingSetup.bootstrap(options.output))
        print(ConsoleReporter.accessReport(report, writableDestination: destination), terminator: "")
        if report.hasProblems { throw ExitCode(3) }
    }
}
