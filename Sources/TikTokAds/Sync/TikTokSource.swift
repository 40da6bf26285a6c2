import Foundation
import Logging
import SyncKit

/// Reads TikTok objects for a sync: finds the advertisers, and turns each (advertiser, object) into a stream task.
public struct TikTokSource: Sendable {
    public let client: TikTokClient
    public let settings: SyncSettings
    public let logger: Logger

    public init(client: TikTokClient, settings: SyncSettings, logger: Logger) {
        self.client = client
        self.settings = settings
        self.logger = logger
    }

    // MARK: Advertisers

    /// The name the run statistics count the advertiser lookups under (`oauth2/advertiser/get`, `advertiser/info`):
    /// requests the run makes whatever objects are selected, apart from the `advertiser` object's rows.
    public static let advertiserLookup = "(advertiser lookup)"

    /// The configured advertisers, or every advertiser the token may access.
    public func advertiserIDs(statistics: RunStatistics) async throws -> [String] {
        if let ids = settings.advertiserIDs, !ids.isEmpty { return ids }
        guard let appID = client.configuration.appID, let secret = client.configuration.appSecret else {
            throw SyncError(.badInput,
                "No advertiser ids given. Set advertiser_ids in the config (or --advertiser-ids), or set TIKTOK_APP_ID and TIKTOK_APP_SECRET so the tool can list the advertisers your token may access.")
        }
        let listing: ListingPage
        do {
            listing = try await client.get("oauth2/advertiser/get", query: [("app_id", appID), ("secret", secret)],
                                           onAttempt: counter(statistics, object: Self.advertiserLookup)) { ListingPage.decode($0, paged: false) }
        } catch let error as SyncError where error.kind == .advertiserUnavailable || error.kind == .authentication && error.apiCode != 40105 && error.apiCode != 40104 {
            // This call names no advertiser: a refusal here is about the app credentials, not an account.
            throw SyncError(.authentication,
                "TikTok did not accept the app id and secret when listing the advertisers your token may access (code \(error.apiCode.map(String.init) ?? "?")). Set TIKTOK_APP_ID and TIKTOK_APP_SECRET (or app_id / app_secret in the config) to the App ID and Secret of the app that issued the access token: TikTok for Business Developers → My Apps → your app → Basic information. Or set advertiser_ids and skip the listing.",
                apiCode: error.apiCode)
        }
        let ids = listing.items.compactMap { $0["advertiser_id"]?.stringValue }
        if ids.isEmpty {
            throw SyncError(.badInput, "The token may access no advertiser. Authorise the app for at least one ad account, or set advertiser_ids.")
        }
        return ids
    }

    /// Reads `advertiser/info/` for the ids, 100 per request, up to `parallel` requests at once (a run's streams wait
    /// for these, so each one read in turn would delay every stream by a round trip); advertisers that cannot be read
    /// are returned apart.
    public func accounts(for ids: [String], statistics: RunStatistics, parallel: Int = 8) async throws
        -> (accounts: [AdvertiserAccount], unavailable: [String: String])
    {
        var accounts: [AdvertiserAccount] = []
        var unavailable: [String: String] = [:]
        var pending = stride(from: 0, to: ids.count, by: 100).map { Array(ids[$0..<min($0 + 100, ids.count)]) }[...]
        try await withThrowingTaskGroup(of: InfoBatch.self) { group in
            var running = 0
            func fill() {
                while running < max(1, parallel), let batch = pending.popFirst() {
                    group.addTask { try await info(for: batch, statistics: statistics) }
                    running += 1
                }
            }
            fill()
            while let result = try await group.next() {
                running -= 1
                accounts += result.accounts
                unavailable.merge(result.unavailable) { first, _ in first }
                // One id of the batch is not accessible: ask for each alone to find which.
                pending.append(contentsOf: result.toSplit.map { [$0] })
                fill()
            }
        }
        let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        accounts.sort { order[$0.id, default: 0] < order[$1.id, default: 0] }
        return (accounts, unavailable)
    }

    /// What one `advertiser/info` request found: the accounts, the ids it could not read, and the ids of a batch to ask
    /// for one by one (one of them is not accessible).
    struct InfoBatch: Sendable {
        var accounts: [AdvertiserAccount] = []
        var unavailable: [String: String] = [:]
        var toSplit: [String] = []
    }

    private func info(for batch: [String], statistics: RunStatistics) async throws -> InfoBatch {
        var result = InfoBatch()
        do {
            let listing = try await client.get("advertiser/info", query: [("advertiser_ids", QueryEncoding.jsonArray(batch))],
                                               advertiserID: batch.count == 1 ? batch[0] : nil,
                                               onAttempt: counter(statistics, object: Self.advertiserLookup), decode: ListingPage.decodeAdvertiserInfo)
            let requested = Set(batch)
            var found = Set<String>()
            for record in listing.items {
                guard let id = record["advertiser_id"]?.stringValue else { continue }
                guard requested.contains(id) else {
                    // Only what the user asked for is synced.
                    logger.warning("advertiser/info returned an advertiser that was not requested; ignored", metadata: ["advertiser_id": "\(id)"])
                    continue
                }
                guard found.insert(id).inserted else { continue }
                result.accounts.append(account(from: record, id: id))
            }
            for id in batch where !found.contains(id) {
                result.unavailable[id] = "advertiser/info returned nothing for this advertiser; it may not exist or may have been deleted."
            }
        } catch let error as SyncError where error.kind == .advertiserUnavailable {
            if batch.count == 1 {
                result.unavailable[batch[0]] = error.message
            } else {
                result.toSplit = batch
            }
        }
        return result
    }

    func account(from record: JSONValue, id: String) -> AdvertiserAccount {
        let zoneName = record["timezone"]?.stringValue ?? record["display_timezone"]?.stringValue ?? "UTC"
        let zone = TimeZone(identifier: zoneName) ?? record["display_timezone"]?.stringValue.flatMap(TimeZone.init(identifier:))
        if zone == nil {
            logger.warning("unknown advertiser timezone, using UTC for its report dates", metadata: ["advertiser_id": "\(id)", "timezone": "\(zoneName)"])
        }
        return AdvertiserAccount(id: id, name: record["name"]?.stringValue, timeZone: zone ?? TimeZone(identifier: "UTC")!,  // UTC always exists
                                 timeZoneName: zoneName, record: record)
    }

    // MARK: Plans

    /// One plan per (advertiser, object): its slices (a listing, or one report window each) and how to read their pages.
    /// Requests are counted in `statistics`; the rows are counted by the engine that pulls the pages.
    public func plans(accounts: [AdvertiserAccount], state: [StreamKey: StreamState], now: Date,
                      statistics: RunStatistics) throws -> [StreamPlan] {
        var plans: [StreamPlan] = []
        let schemas = try settings.objects.map { try $0.schema() }
        for (selection, schema) in zip(settings.objects, schemas) {
            for account in accounts {
                let key = StreamKey(advertiserID: account.id, object: selection.object.name)
                let object = selection.object
                // Hourly rows carry the account's timezone (as advertiser info reports it) beside their local hour.
                let zone = object.field(named: "timezone")?.isInjected == true ? [ColumnValue("timezone", .string(account.timeZoneName))] : []
                // A snapshot's rows (lifetime reports) carry the run's time, which tells this run's rows from older ones.
                let snapshot = object.snapshotStamp.map { column in
                    Snapshot(scope: [ColumnValue("advertiser_id", .string(account.id))], stamp: ColumnValue(column, .datetime(UTCText.format(now))))
                }
                let decoder = RowDecoder(schema: schema, object: object, advertiserID: account.id,
                                         constants: zone + (snapshot.map { [$0.stamp] } ?? []))
                let count = counter(statistics, object: object.name)
                let listed = StreamState(bookmark: nil, syncedAt: now)
                let slices: [StreamSlice]
                switch object.source {
                case .advertiserInfo:
                    let row = decoder.row(account.record)
                    slices = [StreamSlice(checkpoint: listed) { SourcePage(rows: [row], next: nil) }]
                case .entity(let endpoint, let statusAll):
                    let query = entityQuery(account: account, object: object, schema: schema, statusAll: statusAll)
                    slices = [StreamSlice(checkpoint: listed) {
                        try await self.page(1, endpoint: endpoint, query: query, account: account, decoder: decoder, window: nil, seen: Protected([]), count: count)
                    }]
                case .audiences:
                    let query: [(String, String)] = [("advertiser_id", account.id), ("page_size", String(settings.audiencePageSize))]
                    slices = [StreamSlice(checkpoint: listed) {
                        try await self.page(1, endpoint: "dmp/custom_audience/list", query: query, account: account, decoder: decoder,
                                            window: nil, seen: Protected([]), count: count)
                    }]
                case .creativeAssets(let endpoint):
                    let query: [(String, String)] = [("advertiser_id", account.id), ("page_size", String(settings.creativePageSize))]
                    slices = [StreamSlice(checkpoint: listed) {
                        try await self.page(1, endpoint: endpoint, query: query, account: account, decoder: decoder,
                                            window: nil, seen: Protected([]), count: count)
                    }]
                case .report(let spec) where spec.isLifetime:
                    slices = [lifetimeSlice(spec: spec, account: account, object: object, schema: schema, decoder: decoder,
                                            checkpoint: listed, statistics: statistics, count: count)]
                case .report(let spec):
                    slices = reportSlices(spec: spec, account: account, object: object, schema: schema, decoder: decoder,
                                          bookmark: state[key]?.bookmark, now: now, statistics: statistics, count: count)
                }
                plans.append(StreamPlan(key: key, schema: schema, slices: slices, snapshot: snapshot))
            }
        }
        return plans
    }

    func counter(_ statistics: RunStatistics, object: String) -> TikTokClient.AttemptObserver {
        { isRetry in statistics.add(object: object, requests: 1, retries: isRetry ? 1 : 0) }
    }

    // MARK: Slices

    func entityQuery(account: AdvertiserAccount, object: CatalogObject, schema: TableSchema, statusAll: String) -> [(String, String)] {
        let apiFields = schema.fields.compactMap { object.field(named: $0.name) }.filter { !$0.isInjected }.map(\.apiName)
        var query: [(String, String)] = [
            ("advertiser_id", account.id),
            ("fields", QueryEncoding.jsonArray(apiFields)),
            ("page_size", String(settings.pageSize)),
        ]
        if settings.includeDeleted {
            query.append(("filtering", JSONValue.object([("secondary_status", .string(statusAll))]).jsonText))
        }
        return query
    }

    /// A lifetime report: one listing of the totals since each entity began (`query_lifetime=true`, no dates), read
    /// whole on every run like an entity listing; its checkpoint keeps no bookmark, only the time of the sync.
    func lifetimeSlice(spec: ReportSpec, account: AdvertiserAccount, object: CatalogObject, schema: TableSchema, decoder: RowDecoder,
                       checkpoint: StreamState, statistics: RunStatistics,
                       count: @escaping TikTokClient.AttemptObserver) -> StreamSlice {
        let metrics = reportMetricSelection(spec: spec, account: account, object: object, schema: schema)
        let query = reportQuery(spec: spec, account: account, metrics: metrics.requested)
        return StreamSlice(checkpoint: checkpoint) {
            try await self.page(1, endpoint: "report/integrated/get", query: query, account: account, decoder: decoder,
                                window: nil, seen: Protected([]), count: count,
                                metrics: MetricsInUse(selection: metrics, statistics: statistics))
        }
    }

    /// One slice per report window, each moving the bookmark to its end date. The windows share one
    /// `ReportMetricSelection`: a metric TikTok refuses in one window is not asked for in the later ones.
    func reportSlices(spec: ReportSpec, account: AdvertiserAccount, object: CatalogObject, schema: TableSchema, decoder: RowDecoder,
                      bookmark: LocalDate?, now: Date, statistics: RunStatistics,
                      count: @escaping TikTokClient.AttemptObserver) -> [StreamSlice] {
        let planner = settings.windowPlanner
        let windows = planner.windows(bookmark: bookmark, today: account.today(at: now), granularity: spec.granularity ?? .day)
        let metrics = reportMetricSelection(spec: spec, account: account, object: object, schema: schema)
        let base = reportQuery(spec: spec, account: account, metrics: metrics.requested)
        return windows.map { window in
            let query = base + [("start_date", window.start.description), ("end_date", window.end.description)]
            let checkpoint = StreamState(bookmark: max(bookmark ?? window.end, window.end), syncedAt: now)
            return StreamSlice(checkpoint: checkpoint) {
                try await self.page(1, endpoint: "report/integrated/get", query: query, account: account, decoder: decoder,
                                    window: window, seen: Protected([]), count: count,
                                    metrics: MetricsInUse(selection: metrics, statistics: statistics))
            }
        }
    }

    /// The metrics a report stream asks for: its selected fields that are neither injected nor dimensions.
    func reportMetricSelection(spec: ReportSpec, account: AdvertiserAccount, object: CatalogObject,
                               schema: TableSchema) -> ReportMetricSelection {
        let dimensions = Set(spec.dimensions)
        let metrics = schema.fields.compactMap { object.field(named: $0.name) }
            .filter { !$0.isInjected && !dimensions.contains($0.apiName) }.map(\.apiName)
        let keys = object.key.map { object.field(named: $0)?.apiName ?? $0 }
        return ReportMetricSelection(advertiserID: account.id, object: object.name, requested: metrics,
                                     undroppable: dimensions.union(keys), strict: settings.strictMetrics)
    }

    /// A report request without its dates and page.
    func reportQuery(spec: ReportSpec, account: AdvertiserAccount, metrics: [String]) -> [(String, String)] {
        var query: [(String, String)] = [
            ("advertiser_id", account.id),
            ("service_type", "AUCTION"),
            ("report_type", spec.reportType),
            ("data_level", spec.level.rawValue),
            ("dimensions", QueryEncoding.jsonArray(spec.dimensions)),
            ("metrics", QueryEncoding.jsonArray(metrics)),
            ("page_size", String(settings.pageSize)),
        ]
        if spec.isLifetime { query.append(("query_lifetime", "true")) }
        if settings.includeDeleted, let statusField = spec.level.statusFilterField {
            let filter = JSONValue.array([.object([
                ("field_name", .string(statusField)), ("filter_type", .string("IN")),
                ("filter_value", .string(QueryEncoding.jsonArray(["STATUS_ALL"]))),
            ])])
            query.append(("filtering", filter.jsonText))
        }
        return query
    }

    /// A report stream's metrics and where its dropped ones are counted.
    struct MetricsInUse: Sendable {
        var selection: ReportMetricSelection
        var statistics: RunStatistics
    }

    /// How many pages in a row may bring no row the listing has not already returned before it is ended: a
    /// server that repeats its rows under an ever-growing `total_page` must not keep a sync reading forever.
    /// One repeated page can be an offset shift (rows inserted while paging); several in a row cannot.
    public static let pagesWithoutNewRowsBeforeEnding = 3

    /// Reads page `number` of a listing. The slice ends at `page >= total_page`, an empty page, or after
    /// `pagesWithoutNewRowsBeforeEnding` pages in a row that bring no new key (with a warning); rows seen on an
    /// earlier page (offset paging shifts) are dropped, and report rows outside the window are ignored.
    func page(_ number: Int, endpoint: String, query: [(String, String)], account: AdvertiserAccount, decoder: RowDecoder,
              window: DateWindow?, seen: Protected<Set<RowKeyDigest>>, count: @escaping TikTokClient.AttemptObserver,
              metrics: MetricsInUse? = nil, pagesWithoutNewRows: Int = 0) async throws -> SourcePage {
        let listing = try await fetchPage(number, endpoint: endpoint, query: query, account: account, count: count, metrics: metrics)
        let decoded: [[Value]]
        do {
            decoded = try decoder.rows(of: listing)
        } catch {
            // The items were checked as JSON when the answer was classified: this is a defect, never the API's doing.
            throw SyncError(.invalidResponse, "Could not read the items of \(endpoint) page \(number) (\(error)): please report this.",
                            advertiserID: account.id)
        }
        var rows: [[Value]] = []
        rows.reserveCapacity(decoded.count)
        var broughtNewKey = false
        // The slice's keys so far, shared by its pages (read one after another) without copying the set per page.
        seen.withLock { keys in
            for row in decoded {
                guard keys.insert(decoder.keyDigest(of: row)).inserted else { continue }
                broughtNewKey = true
                if let window, !decoder.isInside(row, window) { continue }
                rows.append(row)
            }
        }
        guard listing.count > 0, number < (listing.totalPages ?? number) else { return SourcePage(rows: rows, next: nil) }
        let repeated = broughtNewKey ? 0 : pagesWithoutNewRows + 1
        if repeated >= Self.pagesWithoutNewRowsBeforeEnding {
            logger.warning("TikTok kept answering pages with no row it had not already returned; the listing ends here", metadata: [
                "advertiser_id": "\(account.id)", "endpoint": "\(endpoint)", "page": "\(number)",
                "total_page": "\(listing.totalPages.map(String.init) ?? "?")", "pages_without_new_rows": "\(repeated)",
            ])
            return SourcePage(rows: rows, next: nil)
        }
        return SourcePage(rows: rows) {
            try await self.page(number + 1, endpoint: endpoint, query: query, account: account, decoder: decoder,
                                window: window, seen: seen, count: count, metrics: metrics, pagesWithoutNewRows: repeated)
        }
    }

    /// One page of a listing. A report page asks for the stream's metrics as they stand; refused with TikTok's list of
    /// invalid metrics, it drops them (`ReportMetricSelection.decide`) and asks once more: a second refusal fails.
    func fetchPage(_ number: Int, endpoint: String, query: [(String, String)], account: AdvertiserAccount,
                   count: @escaping TikTokClient.AttemptObserver, metrics: MetricsInUse?) async throws -> ListingPage {
        let page = [("page", String(number))]
        guard let metrics else {
            return try await client.getPage(endpoint, query: query + page, advertiserID: account.id, unparsedItems: true, onAttempt: count)
        }
        do {
            return try await client.getPage(endpoint, query: metrics.selection.query(query) + page, advertiserID: account.id, unparsedItems: true,
                                            onAttempt: count)
        } catch let error as SyncError where !error.rejectedMetrics.isEmpty {
            switch metrics.selection.decide(error) {
            case .fail(let failure):
                throw failure
            case .retry(let dropped):
                metrics.statistics.dropped(object: metrics.selection.object, advertiserID: account.id, metrics: dropped)
                logger.warning("TikTok refused report metrics; the stream goes on without them (their columns stay, NULL in new rows)", metadata: [
                    "advertiser_id": "\(account.id)", "object": "\(metrics.selection.object)", "metrics": "\(dropped.joined(separator: ","))",
                ])
                return try await client.getPage(endpoint, query: metrics.selection.query(query) + page, advertiserID: account.id, unparsedItems: true,
                                                onAttempt: count)
            }
        }
    }
}
