import ArgumentParser
import Destinations
import Foundation
import SyncKit
import TikTokAds

/// `tiktok-ads check`: is the token valid, which advertisers are reachable, which objects each permits.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the token, the advertisers it reaches, and the objects each permits.")

    @OptionGroup var options: SyncOptions

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let file = try options.loadConfiguration()
        // `check` writes nothing: an in-memory database stands in for the destination.
        let job = try options.makeJob(file: file, destination: { try SQLiteDestination(path: ":memory:") }, logger: logger)
        await job.destination.close()
        let client = TikTokClient(configuration: job.api, pacer: RateLimiter(budget: job.rateBudget, clock: ContinuousClock()), logger: logger)
        let report = try await AccessCheck(source: TikTokSource(client: client, settings: job.settings, logger: logger)).run()
        print("token: valid\(report.tokenOwner.map { " (owner \($0))" } ?? "")")
        for advertiser in report.permissions {
            print("advertiser \(advertiser.advertiserID)\(advertiser.name.map { " \"\($0)\"" } ?? ""):")
            for (object, problem) in advertiser.results {
                print("  \(object.padding(toLength: 10, withPad: " ", startingAt: 0)) \(problem.map { "NO: \($0)" } ?? "ok")")
            }
        }
        for (id, reason) in report.unavailable.sorted(by: { $0.key < $1.key }) {
            print("advertiser \(id): unavailable: \(reason)")
        }
        if options.destinationOptions.kind(file) == .bigquery {
            let bigquery = try options.destinationOptions.openBigQuery(file: file, logger: logger)
            try await bigquery.checkWritable()
            await bigquery.close()
            print("destination \(bigquery.displayName): reachable and writable")
        }
        if options.destinationOptions.kind(file) == .sheets {
            let sheets = try options.destinationOptions.openSheets(file: file, logger: logger)
            try await sheets.checkWritable()
            await sheets.close()
            print("destination \(sheets.displayName): reachable and writable")
        }
        let problems = !report.unavailable.isEmpty || report.permissions.contains { $0.results.contains { $0.problem != nil } }
        if problems { throw ExitCode(3) }
    }
}
