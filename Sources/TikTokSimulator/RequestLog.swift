import Foundation
import Synchronization

/// A thread-safe log of the API requests the simulator received (control endpoints excluded).
public final class RequestLog: Sendable {
    /// One received request and how it was answered.
    public struct Entry: Sendable, Codable, Equatable {
        public var sequence: Int
        public var time: Date
        public var method: String
        /// Endpoint without `/open_api/v1.3/` and slashes, e.g. "report/integrated/get".
        public var endpoint: String
        public var query: [String: String]
        public var advertiserID: String?
        public var httpStatus: Int
        /// Body `code`, nil when the body was not a JSON envelope.
        public var code: Int?
        public var fault: FaultKind?
        /// The budget a 40100 of the simulator's own rate limiter enforced; nil for every other answer.
        public var rateLimit: RateLimitKind?
        /// The arrival instant on the budget clock, seconds since the simulator was made.
        public var arrivalSeconds: Double?

        public init(sequence: Int, time: Date, method: String, endpoint: String, query: [String: String], advertiserID: String?,
                    httpStatus: Int, code: Int?, fault: FaultKind?, rateLimit: RateLimitKind? = nil, arrivalSeconds: Double? = nil) {
            self.sequence = sequence
            self.time = time
            self.method = method
            self.endpoint = endpoint
            self.query = query
            self.advertiserID = advertiserID
            self.httpStatus = httpStatus
            self.code = code
            self.fault = fault
            self.rateLimit = rateLimit
            self.arrivalSeconds = arrivalSeconds
        }

        enum CodingKeys: String, CodingKey {
            case sequence, time, method, endpoint, query, code, fault
            case advertiserID = "advertiser_id"
            case httpStatus = "http_status"
            case rateLimit = "rate_limit"
            case arrivalSeconds = "arrival_seconds"
        }
    }

    private struct State {
        var observer: (@Sendable (Int) -> Void)?
        var entries: [Entry] = []
        var dropped = 0
        var counts: [String: Int] = [:]
        var total = ArrivalCounter()
        var arrivals: [String: ArrivalCounter] = [:]
    }

    /// At most this many entries are kept (oldest dropped first); counts stay exact.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Counts an arrival at `endpoint` at instant `t` of the budget clock (called in arrival order).
    func arrive(endpoint: String, at t: Duration, startedPenalty: Bool) {
        state.withLock { s in
            s.total.arrive(at: t, startedPenalty: startedPenalty)
            s.arrivals[endpoint, default: ArrivalCounter()].arrive(at: t, startedPenalty: startedPenalty)
        }
    }

    func append(_ entry: Entry) {
        let (observer, total) = state.withLock { s in
            s.counts[entry.endpoint, default: 0] += 1
            if let kind = entry.rateLimit {
                s.total.counts.rateLimited[kind, default: 0] += 1
                s.arrivals[entry.endpoint, default: ArrivalCounter()].counts.rateLimited[kind, default: 0] += 1
            }
            s.entries.append(entry)
            if s.entries.count > capacity {
                let drop = s.entries.count - capacity
                s.entries.removeFirst(drop)
                s.dropped += drop
            }
            // Counted only for an observer: most simulators have none, and this runs for every request.
            return (s.observer, s.observer == nil ? 0 : s.counts.values.reduce(0, +))
        }
        observer?(total)
    }

    /// Calls `observer` with `totalCount` each time a request is logged, before its answer leaves the simulator (tests
    /// kill a client at an exact request this way: it never receives that answer). One observer at a time; nil removes it.
    public func observe(_ observer: (@Sendable (_ totalCount: Int) -> Void)?) {
        state.withLock { $0.observer = observer }
    }

    /// The kept entries, oldest first.
    public var entries: [Entry] { state.withLock { $0.entries } }

    /// Number of requests received for an endpoint such as "campaign/get".
    public func count(endpoint: String) -> Int {
        state.withLock { $0.counts[RequestLog.normalize(endpoint), default: 0] }
    }

    /// Request counts keyed by endpoint.
    public var countsByEndpoint: [String: Int] { state.withLock { $0.counts } }

    /// Total number of requests received since the last reset.
    public var totalCount: Int { state.withLock { $0.counts.values.reduce(0, +) } }

    /// Arrivals since the last reset, for the whole run and per endpoint: the most in any sliding second and minute,
    /// 40100 answers by budget, QPM penalties. "The server never counted more arrivals than the budget in any second"
    /// is `arrivals.total.maxPerSecond <= budget`.
    public var arrivals: ArrivalStatistics {
        state.withLock { s in
            ArrivalStatistics(total: s.total.counts, endpoints: s.arrivals.mapValues(\.counts))
        }
    }

    /// Forgets every entry and count.
    public func reset() {
        state.withLock { $0 = State(observer: $0.observer) }
    }

    /// "/open_api/v1.3/campaign/get/" -> "campaign/get".
    static func normalize(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        for prefix in ["open_api/v1.3/", "v1.3/"] where p.hasPrefix(prefix) {
            p = p.dropFirst(prefix.count)
        }
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }
}
