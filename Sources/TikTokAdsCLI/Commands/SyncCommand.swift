import ArgumentParser
import Destinations
import SyncKit
import TikTokAdsApp

/// `tiktok-ads sync`: the real job.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Import the selected objects for the selected advertisers into SQLite, incrementally.",
        discussion: """
            One sync per destination at a time: a second one (or a `schedule` tick, `cleanup`, `state reset`) on the same
            database, under any name that reaches the file, is refused. SIGTERM or SIGINT lets the page being written commit,
            records the run as cancelled and exits 1.
            """)

    @OptionGroup var options: SyncOptions

    @Flag(help: "Write nothing; print per advertiser and object the windows, requests and rows the sync would read (one page_size=1 request measures each), and the time at the rate budget.")
    var plan = false

    @Flag(help: "With --plan: no request per listing or window; estimate from the rows the destination holds.")
    var noProbe = false

    @Option(help: "With --plan: text or json. With --destination files: csv or jsonl (as --file-format).")
    var format: Format?

    /// The plan's output (text, json) or the files destination's format (csv, jsonl): the values differ, so one flag serves both.
    enum Format: String, ExpressibleByArgument {
        case text, json, csv, jsonl

        var fileFormat: FileFormat? { FileFormat(rawValue: rawValue) }
    }

    var request: SyncRequest {
        var request = options.request
        if let fileFormat = format?.fileFormat { request.destination.fileFormat = fileFormat }
        return request
    }

    func validate() throws {
        if let fileFormat = format?.fileFormat, let given = options.destinationOptions.fileFormat, given != fileFormat {
            throw ValidationError("--format \(fileFormat.rawValue) and --file-format \(given.rawValue) disagree; give one of them.")
        }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        if plan {
            let plan = try await request.plan(probe: !noProbe, logger: logger)
            print(format == .json ? plan.json : plan.text, terminator: "")
            return
        }
        let reporter = options.output.reporter(logger)
        let request = request
        let record = try await reporter.whileRunning {
            try await request.sync(logger: logger, progress: { reporter.progress($0) })
        }
        options.output.printSummary(record)
        if record.status.exitCode != 0 { throw ExitCode(record.status.exitCode) }
    }
}
