import ArgumentParser
import TikTokAdsApp

/// `tiktok-ads check`: is the token valid, which advertisers are reachable, which objects each permits.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the token, the advertisers it reaches, and the objects each permits.")

    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var api: APIOptions
    @OptionGroup var destinationOptions: DestinationOptions
    @OptionGroup var output: OutputOptions

    var request: SyncRequest {
        var request = SyncRequest()
        configuration.apply(to: &request)
        api.apply(to: &request)
        destinationOptions.apply(to: &request)
        return request
    }

    func validate() throws {
        try BadInput.asValidation { try request.validateFlags() }
    }

    func run() async throws {
        let (report, destination) = try await request.check(logger: LoggingSetup.bootstrap(output))
        print(ConsoleReporter.accessReport(report, writableDestination: destination), terminator: "")
        if report.hasProblems { throw ExitCode(3) }
    }
}
