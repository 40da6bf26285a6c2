import ArgumentParser
import SyncKit
import TikTokAdsApp

/// `tiktok-ads reconcile`: the check of loaded level reports against TikTok's account totals, on demand.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare the campaign, ad group and ad daily reports already loaded with TikTok's account totals; load nothing.",
        discussion: """
            Per advertiser and local day of the range (--start-date/--end-date, else the last 30 days or from start_date), sums \
            spend, impressions, clicks and conversion over each level's rows in the destination and compares them with the \
            advertiser-level totals TikTok reports now, naming the likely cause of a difference. The comparisons go to \
            _tiktok_ads_reconciliation. Exit 0 when every difference has a known cause, 1 otherwise.
            """)

    @OptionGroup var options: SyncOptions

    @Option(help: "Output: text or json.")
    var format: ReconcileFormat = .text

    enum ReconcileFormat: String, ExpressibleByArgument { case text, json }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let outcome = try await options.request.reconcile(logger: logger)
        print(format == .json ? ReconciliationText.json(outcome) : ReconciliationText.lines(outcome), terminator: "")
        if !outcome.unexplained.isEmpty { throw ExitCode(1) }
    }
}
