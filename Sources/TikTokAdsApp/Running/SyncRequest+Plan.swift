import Foundation
import Logging
import SyncKit
import TikTokAds

extension SyncRequest {
    /// `sync --plan`: the plan of the sync these settings describe. Writes nothing: the destination is only read
    /// (a SQLite file that does not exist is not created; the plan is then a first run's).
    /// `probe: false` (`--no-probe`): estimated from the destination's rows, with no request per listing or window.
    public func plan(probe: Bool = true, logger: Logger) async throws -> SyncPlan {
        let file = try loadConfiguration()
        let exists = destination.kind(file) != .sqlite || FileManager.default.fileExists(atPath: sqlitePath(file))
        return try await withJob(file, access: exists ? .unlocked : .none, logger: logger) { job in try await job.plan(probe: probe) }
    }
}

extension SyncPlan {
    /// The plan for people: one line per advertiser and object, the totals, the budget.
    public var text: String {
        var lines: [[String]] = [["advertiser", "object", "windows", "requests", "rows"]]
        for entry in entries {
            let windows = entry.windows.isEmpty ? "listing" : entry.windows.count == 1 ? entry.windows[0]
                : "\(entry.windows.count): \(entry.windows.first?.split(separator: "…").first ?? "")…\(entry.windows.last?.split(separator: "…").last ?? "")"
            lines.append([entry.advertiserID, entry.object, windows, "\(entry.requests)", "\(entry.rows)"])
        }
        var text = TextTable.render(lines, leftAligned: 3)
        text += "\ntotal: \(requests) requests (\(lookupRequests) to look up advertisers), \(rows) rows\n"
        if reconciliationChecksUpTo > 0 {
            text += "reconciliation: up to \(reconciliationChecksUpTo) more requests where a level's days differ from the account totals (to ask for deleted objects' rows; include_deleted is off)\n"
        }
        for (advertiser, reason) in skippedAdvertisers.sorted(by: { $0.key < $1.key }) { text += "skipped advertiser \(advertiser): \(reason)\n" }
        if let seconds = secondsAtBudget {
            var budget: [String] = []
            if let qps { budget.append("\(qps) requests/s") }
            if let qpm { budget.append("\(qpm) requests/min") }
            if let learnedRequestsPerSecond { budget.append(String(format: "%.1f requests/s learned by the last sync", learnedRequestsPerSecond)) }
            text += "at \(budget.joined(separator: ", ")): about \(Self.duration(seconds))\n"
        } else {
            text += "no rate budget known (no --qps/--qpm, no sync yet to learn TikTok's pace): the time depends on your app's tier\n"
        }
        text += "TikTok's daily quotas are per endpoint and reset at 00:00 UTC: the report endpoint would take \(reportRequests) of them.\n"
        text += estimated
            ? "This plan is an estimate from the rows the destination holds (--no-probe: \(probeRequests) requests, for the advertisers), and wrote nothing.\n"
            : "This plan measured with \(probeRequests) requests and wrote nothing.\n"
        return SecretRedactor.redact(text)
    }

    /// Requests to `report/integrated/get`.
    public var reportRequests: Int { entries.filter { !$0.windows.isEmpty }.reduce(0) { $0 + $1.requests } }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return SecretRedactor.redact(String(decoding: data, as: UTF8.self)) + "\n"
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds) : seconds < 7200 ? String(format: "%.0f min", seconds / 60)
            : String(format: "%.1f h", seconds / 3600)
    }
}
