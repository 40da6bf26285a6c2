import Foundation
import SyncKit

/// What `check` finds: whether the token works, and which objects each advertiser permits.
public struct AccessReport: Sendable {
    public var tokenOwner: String?
    /// Advertiser id -> (object kind -> nil when permitted, else why not).
    public var permissions: [(advertiserID: String, name: String?, results: [(object: String, problem: String?)])]
    public var unavailable: [String: String]
    /// Advertiser id -> (report object -> the selected metrics TikTok refuses for it); only advertisers and objects
    /// with refused metrics appear. A sync drops them (NULL in new rows), or fails the stream with `strict_metrics`.
    public var rejectedMetrics: [String: [String: [String]]] = [:]
    /// Whether the sync would fail a stream over a refused metric (`strict_metrics`) rather than drop it.
    public var strictMetrics = false
    /// Which API was checked when it is not TikTok's production API (the sandbox).
    public var source: String?
}

/// Probes the API with the cheapest request per object kind.
public struct AccessCheck: Sendable {
    public let source: TikTokSource

    public init(source: TikTokSource) { self.source = source }

    public func run(now: Date = Date()) async throws -> AccessReport {
        let statistics = RunStatistics()
        let user = try await source.client.get("user/info", query: [])
        let ids = try await source.advertiserIDs(statistics: statistics)
        let (accounts, unavailable) = try await source.accounts(for: ids, statistics: statistics)
        var permissions: [(String, String?, [(String, String?)])] = []
        var rejected: [String: [String: [String]]] = [:]
        for account in accounts {
            let today = account.today(at: now).description
            let probes: [(String, String, [(String, String)])] = [
                ("campaigns", "campaign/get", [("page_size", "1")]),
                ("ad_groups", "adgroup/get", [("page_size", "1")]),
                ("ads", "ad/get", [("page_size", "1")]),
                ("audiences", "dmp/custom_audience/list", [("page_size", "1")]),
                ("reports", "report/integrated/get", [
                    ("report_type", "BASIC"), ("data_level", "AUCTION_ADVERTISER"),
                    ("dimensions", QueryEncoding.jsonArray(["advertiser_id", "stat_time_day"])),
                    ("metrics", QueryEncoding.jsonArray(["spend"])), ("start_date", today), ("end_date", today), ("page_size", "1"),
                ]),
            ]
            // The creative libraries are probed only when a creative object is selected (a token may lack that scope).
            let creativeProbes: [(String, String, [(String, String)])] = source.settings.objects.compactMap { selection in
                guard case .creativeAssets(let endpoint) = selection.object.source else { return nil }
                return (selection.object.name, endpoint, [("page_size", "1")])
            }
            var results: [(String, String?)] = []
            for (object, endpoint, query) in creativeProbes + probes {
                do {
                    _ = try await source.client.get(endpoint, query: [("advertiser_id", account.id)] + query, advertiserID: account.id)
                    results.append((object, nil))
                } catch let error as SyncError where !(error.kind == .authentication) {
                    results.append((object, error.message))
                }
            }
            // Reports permitted: which of the selected metrics does this advertiser refuse?
            if results.last?.0 == "reports", results.last?.1 == nil {
                let (refused, problems) = await probeMetrics(of: account, today: today)
                if !refused.isEmpty { rejected[account.id] = refused }
                results += problems
            }
            permissions.append((account.id, account.name, results))
        }
        let owner = user["display_name"]?.stringValue ?? user["email"]?.stringValue
        let api = source.client.configuration
        return AccessReport(tokenOwner: owner, permissions: permissions.map { ($0.0, $0.1, $0.2.map { ($0.0, $0.1) }) },
                            unavailable: unavailable, rejectedMetrics: rejected, strictMetrics: source.settings.strictMetrics,
                            source: api.environment == .sandbox ? "\(api.environment.displayName) (\(api.baseURL.absoluteString))" : nil)
    }

    /// Asks for one row of each selected report object, with its selected metrics, for today: the metrics TikTok
    /// refuses (by object), and the objects whose request failed otherwise (a problem, as an object not permitted).
    func probeMetrics(of account: AdvertiserAccount, today: String) async -> (refused: [String: [String]], problems: [(String, String?)]) {
        var refused: [String: [String]] = [:]
        var problems: [(String, String?)] = []
        for selection in source.settings.objects {
            guard let spec = selection.object.report, let schema = try? selection.schema() else { continue }
            let metrics = source.reportMetricSelection(spec: spec, account: account, object: selection.object, schema: schema)
            var query = source.reportQuery(spec: spec, account: account, metrics: metrics.requested)
                .map { $0.0 == "page_size" ? ("page_size", "1") : $0 }
            if !spec.isLifetime { query += [("start_date", today), ("end_date", today)] }
            do {
                _ = try await source.client.get("report/integrated/get", query: query, advertiserID: account.id)
            } catch let error as SyncError where !error.rejectedMetrics.isEmpty {
                refused[selection.object.name] = error.rejectedMetrics
            } catch let error as SyncError where error.kind != .authentication {
                problems.append((selection.object.name, error.message))
            } catch {
                problems.append((selection.object.name, "\(error)"))
            }
        }
        return (refused, problems)
    }
}
