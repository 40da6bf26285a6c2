import Synchronization

/// Decides, deterministically, which requests get an injected fault.
final class FaultInjector: Sendable {
    let rules: [FaultRule]
    let seed: UInt64
    private let matches: Mutex<[Int]>

    init(rules: [FaultRule], seed: UInt64) {
        self.rules = rules.map { rule in
            var r = rule
            r.endpoint = rule.endpoint.map(RequestLog.normalize)
            return r
        }
        self.seed = seed
        matches = Mutex([Int](repeating: 0, count: rules.count))
    }

    /// Counts the request against every matching rule and returns the first fault that fires.
    /// `applicable` says whether a kind can apply to this request (rowInserted needs a page >= 2 listing).
    func fault(endpoint: String, applicable: (FaultKind) -> Bool) -> FaultKind? {
        if rules.isEmpty { return nil }
        return matches.withLock { counts in
            var chosen: FaultKind?
            for (i, rule) in rules.enumerated() where rule.endpoint == nil || rule.endpoint == endpoint {
                counts[i] += 1
                let n = counts[i]
                guard chosen == nil, applicable(rule.kind) else { continue }
                if let calls = rule.calls, calls.contains(n) {
                    chosen = rule.kind
                } else if let rate = rule.rate, rate > 0 {
                    let u = Double(Hashing.hash(seed ^ 0xFA17, UInt64(i), UInt64(n)) >> 11) * 0x1p-53
                    if u < rate { chosen = rule.kind }
                }
            }
            return chosen
        }
    }

    func reset() {
        matches.withLock { counts in
            for i in counts.indices { counts[i] = 0 }
        }
    }
}
