import Foundation
import Logging
import SyncKit
import TikTokAds

/// What a run shows while it goes, as the output flags ask: a live status line on a terminal, one JSON log line per
/// stream start and end with `--log-format json`, stream lines at debug level in text logs, nothing with `--quiet`.
/// Also the end-of-run summary and the other commands' tables (static).
public final class ConsoleReporter: Sendable {
    public enum Mode: Sendable, Equatable {
        /// A status line redrawn in place (text logs, standard error is a terminal).
        case live
        /// Text logs off a terminal: stream starts and ends at debug level.
        case plain
        /// JSON logs: stream starts and ends at info level; the summary is a JSON object.
        case json
        /// Nothing but errors.
        case quiet
    }

    public let mode: Mode
    let logger: Logger
    let statusLine: TerminalStatusLine?
    private let state = Protected(RunProgress())

    public init(mode: Mode, logger: Logger, statusLine: TerminalStatusLine? = nil) {
        self.mode = mode
        self.logger = logger
        self.statusLine = mode == .live ? statusLine ?? .standardError : nil
    }

    /// The mode the flags and the terminal call for.
    public static func mode(quiet: Bool, json: Bool, terminal: Bool = isatty(STDERR_FILENO) == 1) -> Mode {
        quiet ? .quiet : json ? .json : terminal ? .live : .plain
    }

    public func progress(_ event: SyncProgress) {
        state.withLock { $0.apply(event) }
        let level: Logger.Level = mode == .json ? .info : .debug
        switch event {
        case .started(let key) where mode != .quiet:
            logger.log(level: level, "stream started", metadata: ["advertiser_id": "\(key.advertiserID)", "object": "\(key.object)"])
        case .finished(let key, let rows) where mode != .quiet:
            logger.log(level: level, "stream finished", metadata: ["advertiser_id": "\(key.advertiserID)", "object": "\(key.object)", "rows": "\(rows)"])
        default:
            break
        }
        if mode == .live { redraw(throttled: true) }
    }

    /// Runs `body` with the status line redrawn every `interval` (so the rate and the time left move during long
    /// streams), and cleared at the end.
    public func whileRunning<T: Sendable>(every interval: Duration = .seconds(1), _ body: () async throws -> T) async throws -> T {
        guard mode == .live else { return try await body() }
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                self?.redraw(throttled: false)
            }
        }
        defer {
            ticker.cancel()
            statusLine?.clear()
        }
        return try await body()
    }

    private func redraw(throttled: Bool) {
        let now = ContinuousClock.now
        let text = state.withLock { progress -> String? in
            if throttled, let last = progress.lastDrawn, last.duration(to: now) < .milliseconds(200) { return nil }
            progress.lastDrawn = now
            return progress.status(at: now)
        }
        if let text { statusLine?.show(text) }
    }

    /// The status line as it would be drawn now (for tests).
    public func statusText() -> String { state.withLock { $0.status(at: .now) } }

    /// The end-of-run summary on standard output: a table for people, one JSON object in JSON mode, nothing when quiet.
    public static func printSummary(_ record: RunRecord, mode: Mode) {
        switch mode {
        case .quiet: break
        case .json: print(jsonSummary(record))
        case .live, .plain: print(summary(record), terminator: "")
        }
    }

    /// The end-of-run table: rows, requests, retries and errors per object.
    public static func summary(_ run: RunRecord) -> String {
        var lines: [[String]] = [["object", "rows", "requests", "retries", "errors"]]
        for (object, stats) in run.objects.sorted(by: { $0.key < $1.key }) {
            // The advertiser lookups are requests, not an object: they load no rows of their own.
            let rows = Catalog.object(named: object) == nil ? "-" : "\(stats.rows)"
            lines.append([object, rows, "\(stats.requests)", "\(stats.retries)", "\(stats.errors)"])
        }
        lines.append(["total", "\(run.totalRows)", "\(run.totalRequests)",
                      "\(run.objects.values.reduce(0) { $0 + $1.retries })", "\(run.objects.values.reduce(0) { $0 + $1.errors })"])
        var text = TextTable.render(lines, leftAligned: 1, ruleBeforeLast: true)
        let seconds = run.endedAt.map { $0.timeIntervalSince(run.startedAt) } ?? 0
        text += "status: \(run.status.rawValue), run \(run.id), \(String(format: "%.1f", seconds)) s\n"
        if let source = run.source { text += "source: \(source): sandbox data, not your live accounts\n" }
        text += pacingLines(run.pacing)
        text += droppedMetricLines(run)
        if let reconciliation = run.reconciliation { text += ReconciliationText.lines(reconciliation) }
        for (advertiser, reason) in run.skippedAdvertisers.sorted(by: { $0.key < $1.key }) {
            text += "skipped advertiser \(advertiser): \(reason)\n"
        }
        for error in run.errors { text += "error: \(error)\n" }
        return SecretRedactor.redact(text)
    }

    /// The end-of-run summary as one JSON object (`--log-format json`): the run, its totals, per-object counts,
    /// skipped advertisers, errors and pacing, secrets masked.
    public static func jsonSummary(_ run: RunRecord) -> String {
        let document = RunSummaryDocument(
            event: "summary", runID: run.id, status: run.status.rawValue, exitCode: Int(run.status.exitCode),
            startedAt: run.startedAt, endedAt: run.endedAt,
            durationSeconds: run.endedAt.map { ($0.timeIntervalSince(run.startedAt) * 10).rounded() / 10 },
            rows: run.totalRows, requests: run.totalRequests, objects: run.objects,
            skippedAdvertisers: run.skippedAdvertisers, errors: run.errors, pacing: run.pacing, source: run.source,
            reconciliation: run.reconciliation)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(document)) ?? Data(#"{"event":"summary","status":"unknown"}"#.utf8)
        return SecretRedactor.redact(String(decoding: data, as: UTF8.self))
    }

    struct RunSummaryDocument: Encodable {
        var event: String
        var runID: String
        var status: String
        var exitCode: Int
        var startedAt: Date
        var endedAt: Date?
        var durationSeconds: Double?
        var rows: Int
        var requests: Int
        var objects: [String: ObjectStatistics]
        var skippedAdvertisers: [String: String]
        var errors: [String]
        var pacing: [EndpointPacing]
        var source: String?
        var reconciliation: ReconciliationOutcome?
    }

    /// One line per endpoint the API rate limited (or that started from a learned pace): the pace it settled on
    /// and how many answers were rate limits.
    static func pacingLines(_ pacing: [EndpointPacing]) -> String {
        var text = ""
        for endpoint in pacing where endpoint.requestsPerSecond != nil || endpoint.rateLimitedAnswers > 0 {
            let pace = endpoint.requestsPerSecond.map { String(format: "%.1f requests/s", $0) } ?? "unpaced"
            text += "pace \(endpoint.endpoint): settled at \(pace)"
            if let perMinute = endpoint.requestsPerMinute { text += ", at most \(perMinute) a minute" }
            text += "; \(endpoint.rateLimitedAnswers) of \(endpoint.answers) answers were rate limits"
            if endpoint.restrictions > 0 { text += ", \(endpoint.restrictions) restriction\(endpoint.restrictions == 1 ? "" : "s") waited out" }
            text += "\n"
        }
        return text
    }

    /// One line per (object, advertiser) whose report metrics TikTok refused and the run dropped.
    static func droppedMetricLines(_ run: RunRecord) -> String {
        run.droppedMetrics.map { object, advertiser, metrics in
            "dropped metrics \(object) for advertiser \(advertiser): \(metrics.joined(separator: ", ")) (TikTok refuses them; their columns stay, NULL in new rows; docs/retired-metrics.md)\n"
        }.joined()
    }

    /// `state show`: one line per stream, then the last runs.
    public static func stateTable(state: [StreamKey: StreamState], runs: [RunRecord]) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var text = pad("object", 34) + pad("advertiser", 22) + "bookmark    synced at\n"
        for (key, value) in state.sorted(by: { $0.key < $1.key }) {
            text += pad(key.object, 34) + pad(key.advertiserID, 22) + pad(value.bookmark?.description ?? "-", 12) + value.syncedAt.formatted(.iso8601) + "\n"
        }
        if !runs.isEmpty {
            text += "\nlast runs:\n"
            for run in runs {
                text += "  \(run.startedAt.formatted(.iso8601))  \(pad(run.status.rawValue, 11)) rows \(run.totalRows), requests \(run.totalRequests)\n"
            }
        }
        return text
    }

    /// `check`: the token, each advertiser's objects, the unavailable advertisers.
    public static func accessReport(_ report: AccessReport, writableDestination: String?) -> String {
        var text = report.source.map { "api: \($0): sandbox data, not your live accounts\n" } ?? ""
        text += "token: valid\(report.tokenOwner.map { " (owner \($0))" } ?? "")\n"
        for advertiser in report.permissions {
            text += "advertiser \(advertiser.advertiserID)\(advertiser.name.map { " \"\($0)\"" } ?? ""):\n"
            for (object, problem) in advertiser.results {
                text += "  \(object.padding(toLength: 10, withPad: " ", startingAt: 0)) \(problem.map { "NO: \($0)" } ?? "ok")\n"
            }
            for (object, metrics) in (report.rejectedMetrics[advertiser.advertiserID] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let outcome = report.strictMetrics ? "strict_metrics: a sync fails this stream" : "a sync drops them, NULL in new rows"
                text += "  \(object): TikTok refuses the metrics \(metrics.joined(separator: ", ")) (\(outcome); docs/retired-metrics.md)\n"
            }
        }
        for (id, reason) in report.unavailable.sorted(by: { $0.key < $1.key }) { text += "advertiser \(id): unavailable: \(reason)\n" }
        if let writableDestination { text += "destination \(writableDestination): reachable and writable\n" }
        return SecretRedactor.redact(text)
    }

    /// The demo's closing words: where the data is and a query to try.
    public static func demoNextSteps(sqlite: String, tables: Int) -> String {
        """

        Your data is in \(sqlite) (\(tables) tables). Try:

          sqlite3 -header -column \(sqlite) "\(demoQuery)"
        """
    }

    /// The demo's suggested query: the top campaigns by spend within each currency (the simulated accounts bill in
    /// different currencies, and a sum across them means nothing).
    public static let demoQuery = """
        SELECT currency, campaign_name, spend, impressions, clicks FROM (
          SELECT a.currency, c.campaign_name, ROUND(SUM(i.spend), 2) AS spend, SUM(i.impressions) AS impressions, SUM(i.clicks) AS clicks,
                 ROW_NUMBER() OVER (PARTITION BY a.currency ORDER BY SUM(i.spend) DESC) AS rank
          FROM tiktok_ads_ad_insights i JOIN tiktok_ads_campaigns c USING (campaign_id) JOIN tiktok_ads_advertiser a ON a.advertiser_id = i.advertiser_id
          GROUP BY a.currency, c.campaign_id)
        WHERE rank <= 3 ORDER BY currency, spend DESC
        """
}

/// What the status line counts: streams and slices planned and done, and the run's live counters.
struct RunProgress: Sendable {
    var streams = 0
    var slices = 0
    var streamsDone = 0
    var streamsFailed = 0
    var slicesDone = 0
    var running = 0
    var statistics: RunStatistics?
    var startedAt = ContinuousClock.now
    var lastDrawn: ContinuousClock.Instant?

    mutating func apply(_ event: SyncProgress) {
        switch event {
        case .planned(let streams, let slices, let statistics):
            (self.streams, self.slices, self.statistics, startedAt) = (streams, slices, statistics, .now)
        case .started: running += 1
        case .sliceLoaded: slicesDone += 1
        case .finished: (streamsDone, running) = (streamsDone + 1, max(0, running - 1))
        case .failed: (streamsFailed, running) = (streamsFailed + 1, max(0, running - 1))
        case .skipped: break
        }
    }

    /// e.g. `12/40 streams (4 running) · 35,120 rows · 210 requests · 18.3 requests/s · about 25 s left`.
    func status(at now: ContinuousClock.Instant) -> String {
        let totals = statistics?.snapshot.values.reduce(into: (rows: 0, requests: 0)) { $0.rows += $1.rows; $0.requests += $1.requests } ?? (rows: 0, requests: 0)
        let elapsed = max(startedAt.duration(to: now).seconds, 0.001)
        var parts = ["\(streamsDone)/\(streams) streams (\(running) running\(streamsFailed > 0 ? ", \(streamsFailed) failed" : ""))",
                     "\(totals.rows.formatted()) rows", "\(totals.requests.formatted()) requests",
                     String(format: "%.1f requests/s", Double(totals.requests) / elapsed)]
        if slicesDone > 0, slices > slicesDone {
            let left = elapsed / Double(slicesDone) * Double(slices - slicesDone)
            parts.append("about \(Self.duration(left)) left")
        }
        return parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 90 ? "\(whole) s" : whole < 5400 ? "\((whole + 30) / 60) min" : String(format: "%.1f h", Double(whole) / 3600)
    }
}

/// One line at the bottom of a terminal, redrawn in place; log lines written through `printAbove` appear above it.
public final class TerminalStatusLine: Sendable {
    private let current = Protected<String?>(nil)
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// The status line on standard error.
    public static let standardError = TerminalStatusLine { text in FileHandle.standardError.write(Data(text.utf8)) }

    /// Shows `text` in place of the current status (cut to the terminal's width).
    public func show(_ text: String) {
        let line = Self.fitted(text)
        current.withLock { current in
            current = line
            write("\r\u{1B}[K" + line)
        }
    }

    /// Writes `text` (whole lines) above the status line, then draws the status again.
    public func printAbove(_ text: String) {
        current.withLock { current in
            write(current == nil ? text : "\r\u{1B}[K" + text + (current ?? ""))
        }
    }

    /// Removes the status line.
    public func clear() {
        current.withLock { current in
            if current != nil { write("\r\u{1B}[K") }
            current = nil
        }
    }

    static func fitted(_ text: String) -> String {
        var size = winsize()
        let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 120
        return text.count < columns ? text : String(text.prefix(max(columns - 2, 10)))
    }
}
