/// Counters of one run, per object, updated from every concurrent stream.
public final class RunStatistics: Sendable {
    private let counters = Protected<[String: ObjectStatistics]>([:])

    public init() {}

    public func add(object: String, rows: Int = 0, requests: Int = 0, retries: Int = 0, errors: Int = 0) {
        counters.withLock { all in
            var entry = all[object, default: ObjectStatistics()]
            entry.rows += rows
            entry.requests += requests
            entry.retries += retries
            entry.errors += errors
            all[object] = entry
        }
    }

    /// Notes report metrics the API refused for one advertiser's stream of `object`, which the run stopped asking for.
    public func dropped(object: String, advertiserID: String, metrics: [String]) {
        counters.withLock { all in
            var entry = all[object, default: ObjectStatistics()]
            var dropped = entry.droppedMetrics ?? [:]
            for metric in metrics where !(dropped[advertiserID] ?? []).contains(metric) {
                dropped[advertiserID, default: []].append(metric)
            }
            entry.droppedMetrics = dropped
            all[object] = entry
        }
    }

    public var snapshot: [String: ObjectStatistics] { counters.value }
}
