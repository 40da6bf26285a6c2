import ArgumentParser
import Destinations
import Testing
import TikTokAdsApp
@testable import TikTokAdsCLI

/// The command tree parsed in-process (no binary started): flags land in the request the library resolves, and bad
/// flags are refused with the message and exit code (2, bad input) the binary prints.
struct CommandParsingTests {
    @Test func syncFlagsLandInTheRequest() throws {
        let parsed = try TikTokAdsCommand.parseAsRoot([
            "sync", "--objects", "campaigns,ad_insights", "--qps", "12", "--start-date", "2026-01-01",
            "--destination", "files", "--directory", "/tmp/out", "--file-format", "jsonl",
        ])
        let sync = try #require(parsed as? SyncCommand)
        let request = sync.options.request
        #expect(request.objects == "campaigns,ad_insights")
        #expect(request.qps == 12)
        #expect(request.startDate == "2026-01-01")
        #expect(request.destination.kind == .files)
        #expect(request.destination.directory == "/tmp/out")
        #expect(request.destination.fileFormat == .jsonl)
    }

    /// `--format` is the plan's output (text, json) or, as the files destination's issue names it, the files' format.
    @Test func syncFormatNamesTheFilesFormatOrThePlanOutput() throws {
        let files = try #require(try TikTokAdsCommand.parseAsRoot(["sync", "--destination", "files", "--directory", "/tmp/out", "--format", "jsonl"]) as? SyncCommand)
        #expect(files.request.destination.fileFormat == .jsonl)
        let plan = try #require(try TikTokAdsCommand.parseAsRoot(["sync", "--plan", "--format", "json"]) as? SyncCommand)
        #expect(plan.format == .json && plan.request.destination.fileFormat == nil)
        let both = try #require(try TikTokAdsCommand.parseAsRoot(["sync", "--format", "csv", "--file-format", "csv"]) as? SyncCommand)
        #expect(both.request.destination.fileFormat == .csv)
    }

    @Test(arguments: [
        (["sync", "--format", "csv", "--file-format", "jsonl"], "--format csv and --file-format jsonl disagree"),
        (["sync", "--format", "xml"], "xml"),
        (["sync", "--fields", "spend"], "must look like OBJECT=field1,field2"),
        (["sync", "--start-date", "2026-02-01", "--end-date", "2026-01-01"], "is before --start-date"),
        (["sync", "--destination", "nowhere"], "nowhere"),
        (["sync", "--no-such-flag"], "--no-such-flag"),
    ])
    func badFlagsAreBadInput(arguments: [String], says: String) {
        #expect(throws: (any Error).self) { try TikTokAdsCommand.parseAsRoot(arguments) }
        do {
            _ = try TikTokAdsCommand.parseAsRoot(arguments)
        } catch {
            #expect(TikTokAdsCommand.exitCode(for: error) == .validationFailure, "mapped to exit 2 by main()")
            #expect(TikTokAdsCommand.message(for: error).contains(says), "\(TikTokAdsCommand.message(for: error))")
        }
    }
}
