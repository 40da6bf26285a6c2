import Foundation
import Logging
import SyncKit

/// Compares, per advertiser and local day, the sums of `spend`, `impressions`, `clicks` and `conversion` over a report
/// level's rows in the destination with the advertiser-level totals TikTok reports, names the likely cause of each
/// difference, and keeps every comparison in `_tiktok_ads_reconciliation`.
///
/// Account totals come from the destination's `advertiser_insights` rows where the run just loaded them, otherwise
/// from one request per 30-day window per advertiser. Where a difference could be the deleted objects' rows (left out
/// while `include_deleted` is off), it asks TikTok for those rows of the differing days and checks that they make it up.
public struct Reconciler: Sendable {
    /// The metrics compared, where the level's table has them.
    public static let metrics = ["spend", "impressions", "clicks", "conversion"]
    /// Metrics TikTok restates for days after the event (attribution).
    static let restatedMetrics: Set<String> = ["conversion"]
    /// The pseudo-object the check's requests are counted under in the run summary.
    public static let statisticsName = "reconciliation"

    /// One level report of one advertiser, over the days to check.
    public struct Scope: Sendable {
        public var account: AdvertiserAccount
        public var selection: ObjectSelection
        public var window: DateWindow
        /// When the level's rows were last loaded: days then inside the lookback window may since have been restated.
        public var loadedAt: Date

        public init(account: AdvertiserAccount, selection: ObjectSelection, window: DateWindow, loadedAt: Date) {
            self.account = account
            self.selection = selection
            self.window = window
            self.loadedAt = loadedAt
        }
    }

    /// Advertiser-level daily rows the destination already holds, per advertiser over the days the run loaded.
    public struct StoredTotals: Sendable {
        public var selection: ObjectSelection
        public var windows: [String: DateWindow]

        public init(selection: ObjectSelection, windows: [String: DateWindow]) {
            self.selection = selection
            self.windows = windows
        }
    }

    let client: TikTokClient
    let destination: any Destination
    let includeDeleted: Bool
    let logger: Logger
    let statistics: RunStatistics
    /// Advertisers checked at once: each may ask TikTok for its account totals and for deleted objects' rows, so checking
    /// them one after another made a run's check last a round trip to TikTok per advertiser.
    let concurrency: Int

    public init(client: TikTokClient, destination: any Destination, includeDeleted: Bool, logger: Logger,
                statistics: RunStatistics, concurrency: Int = 1) {
        self.client = client
        self.destination = destination
        self.includeDeleted = includeDeleted
        self.logger = logger
        self.statistics = statistics
        self.concurrency = max(1, concurrency)
    }

    /// Whether an object is a level report the check applies to (campaign, ad group or ad; daily; no breakdown).
    public static func isLevelReport(_ object: CatalogObject) -> Bool {
        guard let spec = object.report, spec.level != .advertiser else { return false }
        return isPlainDaily(object)
    }

    /// The advertiser-level daily report, whose rows are the account totals.
    public static func isAccountReport(_ object: CatalogObject) -> Bool {
        object.report?.level == .advertiser && isPlainDaily(object)
    }

    private static func isPlainDaily(_ object: CatalogObject) -> Bool {
        guard let spec = object.report else { return false }
        return spec.reportType == "BASIC" && spec.granularity == .day && spec.breakdowns.isEmpty && object.timeField == Granularity.day.rawValue
    }

    /// Checks every scope, writes the comparisons, and returns what differs. An advertiser whose totals cannot be
    /// read is left out with a note (its data stays as loaded); errors of the destination are thrown.
    public func reconcile(_ scopes: [Scope], storedTotals: StoredTotals?, now: Date) async throws -> ReconciliationOutcome {
        let requests = Protected(0)
        var outcome = ReconciliationOutcome()
        var comparisons: [ReconciliationTable.Comparison] = []
        let byAdvertiser = Dictionary(grouping: scopes, by: \.account.id)
        let stored = try await storedSums(scopes, storedTotals: storedTotals)
        let checked = try await checkEach(byAdvertiser, stored: stored, storedTotals: storedTotals, requests: requests)
        // In advertiser order, whatever order the checks ended in.
        var quotaSpent: [String] = []
        for advertiserID in byAdvertiser.keys.sorted() {
            switch checked[advertiserID] {
            case .success(let result)?:
                comparisons += result.comparisons
                outcome.notCompared += result.notCompared
                outcome.checkedDays += (byAdvertiser[advertiserID] ?? []).reduce(0) { $0 + $1.window.dayCount }
            case .failure(let error)? where error.kind == .quotaExhausted:
                quotaSpent.append(advertiserID)
            case .failure(let error)?:
                logger.warning("could not reconcile an advertiser; its data stays as loaded", metadata: [
                    "advertiser_id": "\(advertiserID)", "error": "\(error.message)",
                ])
                outcome.notCompared.append("advertiser \(advertiserID): account totals not read (\(error.message))")
            case nil:
                quotaSpent.append(advertiserID)  // not started: the quota was spent before its turn
            }
        }
        if !quotaSpent.isEmpty {
            // Asking again today is refused too: what was compared is kept, the rest waits for the quota.
            logger.warning("reconciliation stopped: TikTok's daily quota is spent", metadata: ["advertiser_id": "\(quotaSpent[0])"])
            let shown = quotaSpent.prefix(10).joined(separator: ", ") + (quotaSpent.count > 10 ? ", …" : "")
            outcome.notCompared.append("advertiser\(quotaSpent.count == 1 ? "" : "s") \(shown): TikTok's daily report quota is spent "
                                       + "(it resets at 00:00 UTC; `tiktok-ads reconcile` checks these days then)")
        }
        try await ReconciliationTable.write(comparisons, checkedAt: now, to: destination)
        outcome.differences = comparisons.filter(\.differs).map(\.finding)
        outcome.requests = requests.withLock { $0 }
        return outcome
    }

    typealias Checked = (comparisons: [ReconciliationTable.Comparison], notCompared: [String])

    /// Checks each advertiser, `concurrency` at a time, in advertiser order. Once TikTok's daily quota is spent no
    /// further advertiser starts (those in flight end with it). Errors of the destination and cancellation are thrown;
    /// any other failure is that advertiser's result.
    private func checkEach(_ byAdvertiser: [String: [Scope]], stored: StoredSums, storedTotals: StoredTotals?,
                           requests: Protected<Int>) async throws -> [String: Result<Checked, SyncError>] {
        try await withThrowingTaskGroup(of: (String, Result<Checked, SyncError>).self) { group in
            var waiting = byAdvertiser.keys.sorted()[...]
            var results: [String: Result<Checked, SyncError>] = [:]
            var quotaSpent = false
            func startNext() {
                guard !quotaSpent, let advertiserID = waiting.popFirst(), let scopes = byAdvertiser[advertiserID],
                      let account = scopes.first?.account else { return }
                group.addTask {
                    do {
                        return (advertiserID, .success(try await reconcile(account: account, scopes: scopes, stored: stored,
                                                                           storedTotals: storedTotals, requests: requests)))
                    } catch let error as SyncError where error.kind != .destination && error.kind != .cancelled {
                        return (advertiserID, .failure(error))
                    }
                }
            }
            for _ in 0..<concurrency { startNext() }
            while let (advertiserID, result) = try await group.next() {
                results[advertiserID] = result
                if case .failure(let error) = result, error.kind == .quotaExhausted { quotaSpent = true }
                startNext()
            }
            return results
        }
    }

    /// Daily sums per metric.
    typealias DailySums = [LocalDate: [String: Decimal]]

    private func reconcile(account: AdvertiserAccount, scopes: [Scope], stored: StoredSums, storedTotals: StoredTotals?,
                           requests: Protected<Int>) async throws -> (comparisons: [ReconciliationTable.Comparison], notCompared: [String]) {
        guard let start = scopes.map(\.window.start).min(), let end = scopes.map(\.window.end).max() else { return ([], []) }
        let range = DateWindow(start: start, end: end)
        let totals = try await accountTotals(account: account, range: range, stored: stored, storedTotals: storedTotals, requests: requests)
        var comparisons: [ReconciliationTable.Comparison] = []
        var notCompared: [String] = []
        for scope in scopes {
            guard let spec = scope.selection.object.report else { continue }
            let selected = Set(try scope.selection.schema().columnNames)
            let metrics = Self.metrics.filter(selected.contains)
            let missing = Self.metrics.filter { !selected.contains($0) }
            if !missing.isEmpty {
                notCompared.append("\(scope.selection.object.name) of advertiser \(account.id): \(missing.joined(separator: ", ")) (not among the selected fields)")
            }
            let sums = stored.sums(of: scope.selection, advertiserID: account.id, window: scope.window)
            let level = Self.levelName(spec.level)
            var checked: [ReconciliationTable.Comparison] = []
            var day = scope.window.start
            while day <= scope.window.end {
                for metric in metrics {
                    checked.append(.init(advertiserID: account.id, date: day, level: level, metric: metric,
                                         levelSum: sums[day]?[metric] ?? 0, accountTotal: totals[day]?[metric] ?? 0))
                }
                day = day.adding(days: 1)
            }
            // A day inside the lookback window when the rows were loaded had not settled then.
            let loadedToday = account.today(at: scope.loadedAt)
            try await explain(&checked, level: spec.level, account: account, loadedToday: loadedToday, requests: requests)
            comparisons += checked
        }
        return (comparisons, notCompared)
    }

    /// Names the cause of each difference it can: the deleted objects' rows (asked for when `include_deleted` is
    /// off), a day not over when it was loaded, then a restated metric (conversions) on a day whose delivery metrics
    /// (spend, impressions, clicks) match or differ for a known reason.
    private func explain(_ comparisons: inout [ReconciliationTable.Comparison], level: DataLevel, account: AdvertiserAccount,
                         loadedToday: LocalDate, requests: Protected<Int>) async throws {
        let differing = comparisons.indices.filter { comparisons[$0].differs }
        guard !differing.isEmpty else { return }
        if !includeDeleted, let statusField = level.statusFilterField {
            let days = differing.map { comparisons[$0].date }
            let deleted = try await apiSums(level: level, account: account, range: DateWindow(start: days.min()!, end: days.max()!),
                                            metrics: Self.metrics, statusFilter: (statusField, "STATUS_DELETE"), requests: requests)
            for index in differing {
                let comparison = comparisons[index]
                guard let extra = deleted[comparison.date]?[comparison.metric], extra != 0 else { continue }
                let remaining = comparison.levelSum + extra - comparison.accountTotal
                if !ReconciliationTable.isBeyondTolerance(remaining, metric: comparison.metric) {
                    comparisons[index].cause = .deletedExcluded
                }
            }
        }
        // A restated metric's difference is restatement only where delivery (spend, impressions, clicks) matches or
        // differs for a known reason: what was delivered is settled, the attribution moved since.
        let unsettled = Set(comparisons.filter { !Self.restatedMetrics.contains($0.metric) && $0.differs && $0.cause == nil }.map(\.date))
        for index in differing where comparisons[index].cause == nil {
            let comparison = comparisons[index]
            if comparison.date >= loadedToday {
                comparisons[index].cause = .dayInProgress
            } else if Self.restatedMetrics.contains(comparison.metric), !unsettled.contains(comparison.date) {
                comparisons[index].cause = .restatement
            }
        }
    }

    /// The account totals over `range`: from the destination's advertiser-level rows where the run loaded them (and
    /// the table has every metric), from TikTok for the other days.
    private func accountTotals(account: AdvertiserAccount, range: DateWindow, stored: StoredSums, storedTotals: StoredTotals?,
                               requests: Protected<Int>) async throws -> DailySums {
        var totals: DailySums = [:]
        let usable = try storedTotals.flatMap { try Self.holdsEveryMetric($0.selection) ? $0.windows[account.id] : nil }
        let (overlap, fetched) = Self.accountTotalWindows(range: range, stored: usable)
        if let storedTotals, let overlap {
            totals = stored.sums(of: storedTotals.selection, advertiserID: account.id, window: overlap)
        }
        for window in fetched {
            let sums = try await apiSums(level: .advertiser, account: account, range: window, metrics: Self.metrics,
                                         statusFilter: nil, requests: requests)
            totals.merge(sums) { first, _ in first }
        }
        return totals
    }

    /// Whether the advertiser-level table as selected has every compared metric (else its rows cannot be the totals).
    static func holdsEveryMetric(_ selection: ObjectSelection) throws -> Bool {
        Set(try selection.schema().columnNames).isSuperset(of: metrics)
    }

    /// Where the account totals of `range` come from: the part of `stored` (days the advertiser-level report loaded in the
    /// run) inside it, and the request windows (at most 30 days each) for the other days. The plan counts these too.
    public static func accountTotalWindows(range: DateWindow, stored: DateWindow?) -> (stored: DateWindow?, requests: [DateWindow]) {
        guard let stored, stored.start <= range.end, range.start <= stored.end else {
            return (nil, range.chunked(maxDays: Granularity.day.maxDaysPerRequest))
        }
        let overlap = DateWindow(start: max(stored.start, range.start), end: min(stored.end, range.end))
        var missing: [DateWindow] = []
        if range.start < overlap.start { missing.append(DateWindow(start: range.start, end: overlap.start.adding(days: -1))) }
        if overlap.end < range.end { missing.append(DateWindow(start: overlap.end.adding(days: 1), end: range.end)) }
        return (overlap, missing.flatMap { $0.chunked(maxDays: Granularity.day.maxDaysPerRequest) })
    }

    /// The destination's daily sums of every table the check compares, per advertiser: one `dailySums` per table over
    /// the days any advertiser's scope covers (a database sums them in one query; a read per advertiser and table
    /// scanned every advertiser's rows of those days each time).
    struct StoredSums: Sendable {
        var byTable: [String: [String: DailySums]] = [:]

        /// One advertiser's sums of the table `selection` loads, on the days of `window`.
        func sums(of selection: ObjectSelection, advertiserID: String, window: DateWindow) -> DailySums {
            (byTable[selection.object.table]?[advertiserID] ?? [:]).filter { window.start <= $0.key && $0.key <= window.end }
        }
    }

    /// Reads the sums of each level table of `scopes` and of the advertiser-level table where it holds the totals.
    private func storedSums(_ scopes: [Scope], storedTotals: StoredTotals?) async throws -> StoredSums {
        var reads: [String: (selection: ObjectSelection, metrics: [String], window: DateWindow)] = [:]
        func add(_ selection: ObjectSelection, metrics: [String], _ window: DateWindow) {
            let table = selection.object.table
            let union = reads[table].map { DateWindow(start: min($0.window.start, window.start), end: max($0.window.end, window.end)) } ?? window
            reads[table] = (selection, metrics, union)
        }
        for scope in scopes {
            let selected = Set(try scope.selection.schema().columnNames)
            add(scope.selection, metrics: Self.metrics.filter(selected.contains), scope.window)
        }
        if let storedTotals, try Self.holdsEveryMetric(storedTotals.selection) {
            for window in storedTotals.windows.values { add(storedTotals.selection, metrics: Self.metrics, window) }
        }
        var stored = StoredSums()
        for (table, read) in reads.sorted(by: { $0.key < $1.key }) {
            // A selected metric the table lacks (it was created before the field was chosen) has no sums: 0, as NULLs are.
            let sums = try await destination.dailySums(of: table, by: "advertiser_id", day: Granularity.day.rawValue, metrics: read.metrics,
                                                       from: read.window.start, through: read.window.end) ?? [:]
            stored.byTable[table] = sums.mapValues { days in
                days.mapValues { values in
                    Dictionary(uniqueKeysWithValues: zip(read.metrics, values).compactMap { metric, value in value.map { (metric, $0) } })
                }
            }
        }
        return stored
    }

    /// Daily sums of a level's report from TikTok, one request per 30-day window and page.
    private func apiSums(level: DataLevel, account: AdvertiserAccount, range: DateWindow, metrics: [String],
                         statusFilter: (field: String, status: String)?, requests: Protected<Int>) async throws -> DailySums {
        var sums: DailySums = [:]
        for window in range.chunked(maxDays: Granularity.day.maxDaysPerRequest) {
            var query: [(String, String)] = [
                ("advertiser_id", account.id), ("service_type", "AUCTION"), ("report_type", "BASIC"), ("data_level", level.rawValue),
                ("dimensions", QueryEncoding.jsonArray([level.idDimension, Granularity.day.rawValue])),
                ("metrics", QueryEncoding.jsonArray(metrics)), ("page_size", "1000"),
                ("start_date", window.start.description), ("end_date", window.end.description),
            ]
            if let statusFilter {
                let filter = JSONValue.array([.object([
                    ("field_name", .string(statusFilter.field)), ("filter_type", .string("IN")),
                    ("filter_value", .string(QueryEncoding.jsonArray([statusFilter.status]))),
                ])])
                query.append(("filtering", filter.jsonText))
            }
            var page = 1
            while true {
                let listing = try await client.getPage("report/integrated/get", query: query + [("page", String(page))],
                                                       advertiserID: account.id) { isRetry in
                    requests.withLock { $0 += 1 }
                    statistics.add(object: Self.statisticsName, requests: 1, retries: isRetry ? 1 : 0)
                }
                for item in listing.items {
                    guard let day = item["dimensions"]?[Granularity.day.rawValue]?.stringValue.flatMap({ LocalDate($0.prefix(10)) }),
                          window.start <= day, day <= window.end else { continue }
                    for metric in metrics {
                        guard let value = item["metrics"]?[metric]?.stringValue.flatMap({ Decimal(string: $0) }) else { continue }
                        sums[day, default: [:]][metric, default: 0] += value
                    }
                }
                guard !listing.items.isEmpty, page < (listing.totalPages ?? page) else { break }
                page += 1
            }
        }
        return sums
    }

    static func levelName(_ level: DataLevel) -> String {
        switch level {
        case .advertiser: "advertiser"
        case .campaign: "campaign"
        case .adGroup: "adgroup"
        case .ad: "ad"
        }
    }
}
