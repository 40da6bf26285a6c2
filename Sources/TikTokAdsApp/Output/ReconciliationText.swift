import Foundation
import SyncKit

/// How a reconciliation reads for people: one line for what was checked, one per advertiser, level and cause where
/// the level's sums differ from the account totals.
public enum ReconciliationText {
    /// Dates listed before "and N more".
    static let datesShown = 5

    public static func lines(_ outcome: ReconciliationOutcome) -> String {
        var text = "reconciliation: \(outcome.checkedDays) day(s) of level reports (per advertiser and level) checked against the account totals"
        text += outcome.requests > 0 ? ", \(outcome.requests) extra request(s)" : ", no extra request"
        text += outcome.differences.isEmpty ? "; every day matches\n" : "\n"
        let groups = Dictionary(grouping: outcome.differences) { [$0.advertiserID, $0.level, $0.cause?.rawValue ?? ""] }
        for key in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let findings = groups[key] ?? []
            let days = Set(findings.map(\.date)).sorted()
            let metrics = Set(findings.map(\.metric)).sorted()
            var shown = days.prefix(datesShown).map(\.description).joined(separator: ", ")
            if days.count > datesShown { shown += " and \(days.count - datesShown) more" }
            let explanation = findings.first?.cause.map { "cause: \($0.rawValue): \($0.advice)" }
                ?? "no known cause: re-read those days (sync --start-date/--end-date) and check again with `tiktok-ads reconcile`"
            text += "  advertiser \(key[0]), \(key[1]) level: \(days.count) day(s) differ (\(shown)) in \(metrics.joined(separator: ", ")); \(explanation)\n"
        }
        if let worst = outcome.differences.max(by: { abs(Double($0.difference) ?? 0) < abs(Double($1.difference) ?? 0) }) {
            text += "  largest: advertiser \(worst.advertiserID) \(worst.date) \(worst.level) \(worst.metric): level sum \(worst.levelSum), account total \(worst.accountTotal)\n"
        }
        for note in outcome.notCompared { text += "  not compared: \(note)\n" }
        return text
    }
}

extension ReconciliationText {
    /// The outcome as one JSON object (`reconcile --format json`).
    public static func json(_ outcome: ReconciliationOutcome) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(outcome)) ?? Data("{}".utf8)
        return SecretRedactor.redact(String(decoding: data, as: UTF8.self)) + "\n"
    }
}
