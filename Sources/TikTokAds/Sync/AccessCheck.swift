import Foundation
import SyncKit

/// What `check` finds: whether the token works, and which objects each advertiser permits.
public struct AccessReport: Sendable {
    public var tokenOwner: String?
    /// Advertiser id -> (object kind -> nil when permitted, else why not).
    public var permissions: [(advertiserID: String, name: String?, results: [(object: String, problem: String?)])]
    public var unavailable: [String: String]
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
            var results: [(String, String?)] = []
            for (object, endpoint, query) in probes {
                do {
                    _ = try await source.client.get(endpoint, query: [("advertiser_id", account.id)] + query, advertiserID: account.id)
                    results.append((object, nil))
                } catch let error as SyncError where !(error.kind == .authentication) {
                    results.append((object, error.message))
                }
            }
            permissions.append((account.id, account.name, results))
        }
        let owner = user["display_name"]?.stringValue ?? user["email"]?.stringValue
        return AccessReport(tokenOwner: owner, permissions: permissions.map { ($0.0, $0.1, $0.2.map { ($0.0, $0.1) }) },
                            unavailable: unavailable)
    }
}
