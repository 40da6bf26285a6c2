/// Which budget a 40100 answer of the simulator's own rate limiter enforced.
public enum RateLimitKind: String, Sendable, Codable, CaseIterable {
    /// More arrivals in one sliding second than the endpoint's QPS: "Due to too many requests, …".
    case qps
    /// More arrivals in one sliding minute than the endpoint's QPM, or any request during the penalty that follows.
    case qpm
    /// The endpoint's daily quota (QPD) of the current UTC day is spent.
    case daily
}

/// What the simulator counted for one endpoint, or for all of them together, since the log's last reset.
///
/// An arrival is the instant the simulator's handler counts a request against the budgets: before any injected
/// latency or fault, whether it is then answered or refused. Instants come from the simulator's budget clock.
public struct ArrivalCounts: Sendable, Codable, Equatable {
    /// Requests that arrived.
    public var arrivals: Int
    /// The largest number of arrivals in any sliding 1-second window (any window (t - 1 s, t]).
    public var maxPerSecond: Int
    /// The largest number of arrivals in any sliding 60-second window.
    public var maxPerMinute: Int
    /// 40100 answers given by the simulator's rate limiter, by the budget they enforced (faults injected as
    /// `code40100` are not counted here: they carry `fault` in the log).
    public var rateLimited: [RateLimitKind: Int]
    /// QPM penalties started (each restricts its endpoint for `qpm_penalty_seconds`).
    public var qpmPenalties: Int

    public init(arrivals: Int = 0, maxPerSecond: Int = 0, maxPerMinute: Int = 0, rateLimited: [RateLimitKind: Int] = [:],
                qpmPenalties: Int = 0) {
        self.arrivals = arrivals
        self.maxPerSecond = maxPerSecond
        self.maxPerMinute = maxPerMinute
        self.rateLimited = rateLimited
        self.qpmPenalties = qpmPenalties
    }

    /// Whether a QPM breach started a penalty.
    public var qpmPenaltyTriggered: Bool { qpmPenalties > 0 }

    /// 40100 answers of one kind.
    public func rateLimited(_ kind: RateLimitKind) -> Int { rateLimited[kind, default: 0] }

    enum CodingKeys: String, CodingKey {
        case arrivals
        case maxPerSecond = "max_per_second"
        case maxPerMinute = "max_per_minute"
        case rateLimited = "rate_limited"
        case qpmPenalties = "qpm_penalties"
        case qpmPenaltyTriggered = "qpm_penalty_triggered"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arrivals = try c.decode(Int.self, forKey: .arrivals)
        maxPerSecond = try c.decode(Int.self, forKey: .maxPerSecond)
        maxPerMinute = try c.decode(Int.self, forKey: .maxPerMinute)
        let counts = try c.decodeIfPresent([String: Int].self, forKey: .rateLimited) ?? [:]
        rateLimited = [:]
        for (name, count) in counts {
            if let kind = RateLimitKind(rawValue: name) { rateLimited[kind] = count }
        }
        qpmPenalties = try c.decodeIfPresent(Int.self, forKey: .qpmPenalties) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(arrivals, forKey: .arrivals)
        try c.encode(maxPerSecond, forKey: .maxPerSecond)
        try c.encode(maxPerMinute, forKey: .maxPerMinute)
        // Every kind, zeros included, so a reader never has to guess whether a key was left out.
        try c.encode(Dictionary(uniqueKeysWithValues: RateLimitKind.allCases.map { ($0.rawValue, rateLimited($0)) }),
                     forKey: .rateLimited)
        try c.encode(qpmPenalties, forKey: .qpmPenalties)
        try c.encode(qpmPenaltyTriggered, forKey: .qpmPenaltyTriggered)
    }
}

/// Arrivals for the whole run and per endpoint (keys as in `RequestLog.countsByEndpoint`, e.g. "report/integrated/get").
public struct ArrivalStatistics: Sendable, Codable, Equatable {
    public var total: ArrivalCounts
    public var endpoints: [String: ArrivalCounts]

    public init(total: ArrivalCounts = ArrivalCounts(), endpoints: [String: ArrivalCounts] = [:]) {
        self.total = total
        self.endpoints = endpoints
    }

    /// One endpoint's counts ("/open_api/v1.3/campaign/get/" or "campaign/get"); zeros if nothing arrived there.
    public func endpoint(_ endpoint: String) -> ArrivalCounts {
        endpoints[RequestLog.normalize(endpoint)] ?? ArrivalCounts()
    }
}

/// Instants in a sliding window of fixed length: how many lie in (t - span, t] as instants are added in order.
struct SlidingWindow: Sendable {
    let span: Duration
    private var times: [Duration] = []
    private var head = 0

    init(span: Duration) { self.span = span }

    /// Adds an instant (never earlier than the last one) and returns how many instants lie in (t - span, t].
    mutating func add(_ t: Duration) -> Int {
        times.append(t)
        while head < times.count, times[head] <= t - span { head += 1 }
        if head > 1024, head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
        return times.count - head
    }
}

/// Running arrival counters of one key (one endpoint, or the total).
struct ArrivalCounter: Sendable {
    var second = SlidingWindow(span: .seconds(1))
    var minute = SlidingWindow(span: .seconds(60))
    var counts = ArrivalCounts()

    mutating func arrive(at t: Duration, startedPenalty: Bool) {
        counts.arrivals += 1
        counts.maxPerSecond = max(counts.maxPerSecond, second.add(t))
        counts.maxPerMinute = max(counts.maxPerMinute, minute.add(t))
        if startedPenalty { counts.qpmPenalties += 1 }
    }
}
