import Foundation
import SyncKit

/// What a sync would do, without doing it (`sync --plan`): per advertiser and object the windows it would read, the
/// requests it needs and the rows it would load, measured by a `page_size=1` probe of each listing and report window
/// (TikTok's `page_info.total_number`), and the total against the rate budget.
public struct SyncPlan: Sendable, Encodable {
    public struct Entry: Sendable, Encodable {
        public var advertiserID: String
        public var object: String
        /// The report windows (`start…end`, account-local dates); empty for listings.
        public var windows: [String]
        public var requests: Int
        public var rows: Int
    }

    /// `oauth2/advertiser/get` and `advertiser/info` requests, made by the plan as the sync will make them.
    public var lookupRequests: Int
    public var entries: [Entry]
    public var skippedAdvertisers: [String: String]
    /// Requests the plan itself made to measure (its lookups included).
    public var probeRequests: Int
    /// The configured ceilings and the pace learned by the last sync, requests per second.
    public var qps: Int?
    public var qpm: Int?
    public var learnedRequestsPerSecond: Double?
    /// True when the counts are estimates from what the destination holds (`--no-probe`), not measured.
    public var estimated = false
    /// Requests the reconciliation may add beyond `requests`: the deleted-object checks it makes only where a level's
    /// days differ from the account totals (`include_deleted` off). Its account-total requests are in `entries`.
    public var reconciliationChecksUpTo = 0

    public var requests: Int { lookupRequests + entries.reduce(0) { $0 + $1.requests } }
    public var rows: Int { entries.reduce(0) { $0 + $1.rows } }

    /// The wall time at the tightest known budget (seconds), nil when no budget is known.
    public var secondsAtBudget: Double? {
        let rates = [qps.map(Double.init), qpm.map { Double($0) / 60 }, learnedRequestsPerSecond].compactMap { $0 }.filter { $0 > 0 }
        guard let rate = rates.min() else { return nil }
        return Double(requests) / rate
    }

    enum CodingKeys: String, CodingKey {
        case lookupRequests, entries, skippedAdvertisers, probeRequests, qps, qpm, learnedRequestsPerSecond, requests, rows, secondsAtBudget
        case estimated, reconciliationChecksUpTo
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lookupRequests, forKey: .lookupRequests)
        try container.encode(entries, forKey: .entries)
        try container.encode(skippedAdvertisers, forKey: .skippedAdvertisers)
        try container.encode(probeRequests, forKey: .probeRequests)
        try container.encodeIfPresent(qps, forKey: .qps)
        try container.encodeIfPresent(qpm, forKey: .qpm)
        try container.encodeIfPresent(learnedRequestsPerSecond, forKey: .learnedRequestsPerSecond)
        try container.encode(requests, forKey: .requests)
        try container.encode(rows, forKey: .rows)
        try container.encodeIfPresent(secondsAtBudget, forKey: .secondsAtBudget)
        try container.encode(estimated, forKey: .estimated)
        try container.encode(reconciliationChecksUpTo, forKey: .reconciliationChecksUpTo)
    }
}

/// What a destination holds per object and advertiser: its rows, and for report objects the local days that have rows
/// (rows per day = rows / days). Counted by the destination (`countRows`: one query in a database): the plan without
/// probes estimates from it, `status` shows the rows.
public struct DestinationCensus: Sendable {
    public var rows: [String: [String: Int]] = [:]
    public var days: [String: [String: Int]] = [:]

    public init() {}

    /// The census of `objects` (absent tables left out); `countingDays` also counts report tables' local days.
    public static func read(_ objects: [CatalogObject], countingDays: Bool, from destination: any Destination) async throws -> DestinationCensus {
        var census = DestinationCensus()
        for object in objects {
            let time = countingDays ? object.timeField : nil
            guard let counts = try await destination.countRows(of: object.table, by: "advertiser_id", days: time) else { continue }
            census.rows[object.name] = counts.mapValues(\.rows)
            if time != nil { census.days[object.name] = counts.mapValues(\.days) }
        }
        return census
    }

    /// An estimate of a listing's rows, or of a report window's (`windowDays` days at the advertiser's rows per day).
    func rows(object: String, advertiserID: String, windowDays: Int?) -> Int {
        let total = rows[object]?[advertiserID] ?? 0
        guard let windowDays else { return total }
        let days = days[object]?[advertiserID] ?? 0
        return days > 0 ? Int((Double(total) / Double(days) * Double(windowDays)).rounded()) : 0
    }
}

extension TikTokSource {
    /// The plan of every (advertiser, object) stream the sync would read, from the same windows and queries as
    /// `plans`, each listing and window measured by one `page_size=1` request (at most `concurrency` at once).
    /// With `history`, nothing is probed: each listing and window is estimated from what the destination holds.
    public func planEntries(accounts: [AdvertiserAccount], state: [StreamKey: StreamState], now: Date, concurrency: Int,
                            statistics: RunStatistics, history: DestinationCensus? = nil) async throws -> [SyncPlan.Entry] {
        struct Probe: Sendable {
            var index: Int
            var endpoint: String
            var query: [(String, String)]
            var advertiserID: String
            var pageSize: Int
        }
        var entries: [SyncPlan.Entry] = []
        var probes: [Probe] = []
        let schemas = try settings.objects.map { try $0.schema() }
        for (selection, schema) in zip(settings.objects, schemas) {
            let object = selection.object
            for account in accounts {
                let index = entries.count
                var entry = SyncPlan.Entry(advertiserID: account.id, object: object.name, windows: [], requests: 0, rows: 0)
                func measure(_ endpoint: String, _ query: [(String, String)], pageSize: Int, windowDays: Int? = nil) {
                    if let history {
                        let rows = history.rows(object: object.name, advertiserID: account.id, windowDays: windowDays)
                        entry.rows += rows
                        entry.requests += max(1, (rows + pageSize - 1) / pageSize)
                        return
                    }
                    let probing = query.map { $0.0 == "page_size" ? ("page_size", "1") : $0 }
                    probes.append(Probe(index: index, endpoint: endpoint, query: probing, advertiserID: account.id, pageSize: pageSize))
                }
                switch object.source {
                case .advertiserInfo:
                    entry.rows = 1  // from the lookup, no request of its own
                case .entity(let endpoint, let statusAll):
                    measure(endpoint, entityQuery(account: account, object: object, schema: schema, statusAll: statusAll), pageSize: settings.pageSize)
                case .audiences:
                    measure("dmp/custom_audience/list", [("advertiser_id", account.id), ("page_size", String(settings.audiencePageSize))],
                            pageSize: settings.audiencePageSize)
                case .creativeAssets(let endpoint):
                    measure(endpoint, [("advertiser_id", account.id), ("page_size", String(settings.creativePageSize))],
                            pageSize: settings.creativePageSize)
                case .report(let spec) where spec.isLifetime:
                    let metrics = reportMetricSelection(spec: spec, account: account, object: object, schema: schema)
                    entry.windows.append("lifetime")
                    measure("report/integrated/get", metrics.query(reportQuery(spec: spec, account: account, metrics: metrics.requested)),
                            pageSize: settings.pageSize)
                case .report(let spec):
                    let planner = settings.windowPlanner
                    let key = StreamKey(advertiserID: account.id, object: object.name)
                    let metrics = reportMetricSelection(spec: spec, account: account, object: object, schema: schema)
                    let base = metrics.query(reportQuery(spec: spec, account: account, metrics: metrics.requested))
                    for window in planner.windows(bookmark: state[key]?.bookmark, today: account.today(at: now), granularity: spec.granularity ?? .day) {
                        entry.windows.append("\(window.start)…\(window.end)")
                        measure("report/integrated/get", base + [("start_date", window.start.description), ("end_date", window.end.description)],
                                pageSize: settings.pageSize, windowDays: window.start.days(to: window.end) + 1)
                    }
                }
                entries.append(entry)
            }
        }
        // Each probe: the listing's rows, so its pages (an empty listing is still one request).
        let count = counter(statistics, object: "(plan probes)")
        let measured = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
            var results: [(Int, Int, Int)] = []
            var next = 0
            func start() {
                let probe = probes[next]
                next += 1
                group.addTask {
                    let page = try await client.getPage(probe.endpoint, query: probe.query + [("page", "1")], advertiserID: probe.advertiserID, onAttempt: count)
                    let rows = page.totalNumber ?? page.items.count
                    return (probe.index, rows, max(1, (rows + probe.pageSize - 1) / probe.pageSize))
                }
            }
            while next < min(max(1, concurrency), probes.count) { start() }
            while let result = try await group.next() {
                results.append(result)
                if next < probes.count { start() }
            }
            return results
        }
        for (index, rows, requests) in measured {
            entries[index].rows += rows
            entries[index].requests += requests
        }
        return entries
    }
}

extension SyncJob {
    /// `sync --plan`: what `run()` would read, measured and not loaded. Reads the destination's state and learned pace;
    /// writes nothing anywhere.
    /// `probe: false` (`--no-probe`): no request per listing or window; the counts are estimated from the rows the
    /// destination holds (`DestinationCensus`), so only the advertiser lookups reach TikTok.
    public func plan(probe: Bool = true) async throws -> SyncPlan {
        let signpost = now()
        let state = try await StateStore.load(from: destination)
        // The pace the last sync learned, when there was one (a first run has no table yet).
        let hasPacing = try await destination.inspectTables([PacingStore.schema.name])[PacingStore.schema.name] != nil
        let learned = hasPacing ? try await PacingStore.load(from: destination) : [:]
        let source = reader(learned: learned).source
        let statistics = RunStatistics()
        let ids = try await source.advertiserIDs(statistics: statistics)
        let (accounts, unavailable) = try await source.accounts(for: ids, statistics: statistics)
        let lookups = statistics.snapshot[TikTokSource.advertiserLookup]?.requests ?? 0
        let history = probe ? nil : try await DestinationCensus.read(settings.objects.map(\.object), countingDays: true, from: destination)
        var entries = try await source.planEntries(accounts: accounts, state: state, now: signpost, concurrency: concurrency,
                                                   statistics: statistics, history: history)
        let reconciliation = try reconciliationPlan(accounts: accounts, state: state, now: signpost)
        entries += reconciliation.entries
        var plan = SyncPlan(lookupRequests: lookups, entries: entries, skippedAdvertisers: unavailable,
                        probeRequests: statistics.snapshot.values.reduce(0) { $0 + $1.requests },
                        qps: rateBudget.perSecond, qpm: rateBudget.perMinute,
                        learnedRequestsPerSecond: learned.values.map(\.requestsPerSecond).min())
        plan.estimated = !probe
        plan.reconciliationChecksUpTo = reconciliation.checksUpTo
        return plan
    }
}
