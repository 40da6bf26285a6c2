import SyncKit

/// The metrics one report stream (advertiser × object) asks TikTok for, less those TikTok refused earlier in this run.
///
/// TikTok retires and renames report metrics, and accounts differ in which they allow; it refuses a request naming
/// such a metric with code 40002 and lists every one it refuses (docs/retired-metrics.md). A stream drops the metrics
/// named, asks again once, and does not ask for them again in its later windows; their columns stay in the table,
/// NULL in the rows loaded from then on, so dashboards keep working. Dimensions and key fields are never dropped:
/// TikTok naming one of them (or a list that cannot be read) fails as any bad request does.
final class ReportMetricSelection: Sendable {
    let advertiserID: String
    let object: String
    /// The metrics the stream's fields ask for, in request order.
    let requested: [String]
    /// Dimensions and key fields: what the rows cannot be without.
    let undroppable: Set<String>
    /// `strict_metrics`: a refused metric fails the stream instead of being dropped.
    let strict: Bool
    private let dropped = Protected<[String]>([])

    init(advertiserID: String, object: String, requested: [String], undroppable: Set<String>, strict: Bool) {
        self.advertiserID = advertiserID
        self.object = object
        self.requested = requested
        self.undroppable = undroppable
        self.strict = strict
    }

    /// The metrics to ask for now.
    var current: [String] {
        let gone = Set(dropped.value)
        return requested.filter { !gone.contains($0) }
    }

    /// The metrics dropped so far, in the order TikTok named them.
    var droppedMetrics: [String] { dropped.value }

    /// `query` with its `metrics` parameter set to the metrics to ask for now (the other parameters keep their order).
    func query(_ query: [(String, String)]) -> [(String, String)] {
        let metrics = QueryEncoding.jsonArray(current)
        return query.map { $0.0 == "metrics" ? ("metrics", metrics) : $0 }
    }

    /// What a refusal means for this stream.
    enum Decision: Sendable {
        /// Ask again without these metrics (they were just dropped).
        case retry(dropping: [String])
        /// Give up with this error.
        case fail(SyncError)
    }

    /// Decides what to do with a failed request of this stream: drops the metrics TikTok named when they are all
    /// metrics this stream asks for now and something would remain; otherwise the failure stands (a bad request, as
    /// before), or, with `strict_metrics` or nothing left to ask for, the stream fails naming them.
    func decide(_ error: SyncError) -> Decision {
        var named: [String] = []
        for name in error.rejectedMetrics where !named.contains(name) { named.append(name) }
        let asked = current
        // Not TikTok's metric answer, or it names something this stream cannot do without (or did not ask for).
        guard !named.isEmpty, named.allSatisfy({ asked.contains($0) && !undroppable.contains($0) }) else { return .fail(error) }
        let list = named.joined(separator: ", ")
        let plural = named.count == 1 ? "" : "s"
        if strict {
            return .fail(SyncError(.rejectedMetrics,
                "TikTok refuses the metric\(plural) \(list) of \(object) for advertiser \(advertiserID) (code 40002: it no longer offers \(named.count == 1 ? "it" : "them"), or not to this account), and strict_metrics is on, so this stream stopped at this window (the windows it loaded before are kept). Remove \(list) from the fields of \(object) (objects[].fields in the config, or --fields), or turn strict_metrics off to import the other metrics and leave \(named.count == 1 ? "this column" : "these columns") NULL in new rows.",
                apiCode: error.apiCode, advertiserID: advertiserID))
        }
        let remaining = asked.filter { !named.contains($0) }
        guard !remaining.isEmpty else {
            return .fail(SyncError(.rejectedMetrics,
                "TikTok refuses, for advertiser \(advertiserID), every metric \(object) asks for: \(list) (code 40002), so nothing but the keys would be left and this stream stopped at this window (the windows it loaded before are kept). Choose other fields for \(object) (`tiktok-ads discover --object \(object)` lists them).",
                apiCode: error.apiCode, advertiserID: advertiserID))
        }
        dropped.withLock { $0.append(contentsOf: named) }
        return .retry(dropping: named)
    }
}
