/// An injected failure: the fake answers matching requests with `status` (429, 500, 503, …) instead of serving them.
package struct SheetsFakeFault: Sendable, Hashable {
    /// Which requests a fault counts and may hit.
    package enum Scope: Sendable, Hashable {
        case all
        /// GET requests (Google's "read requests").
        case reads
        /// Every other method (Google's "write requests").
        case writes
        /// One operation by the name the request log uses, e.g. `values.batchUpdate`.
        case operation(String)
    }

    /// When a fault fires, counted over the requests its scope matches (1-based).
    package enum Trigger: Sendable, Hashable {
        /// The n-th matching requests, e.g. `[2, 3]`.
        case requests(Set<Int>)
        /// Every n-th matching request.
        case every(Int)
        /// Each matching request with this probability (seeded, so runs repeat).
        case rate(Double)
    }

    package var status: Int
    package var scope: Scope
    package var trigger: Trigger

    package init(status: Int, scope: Scope = .all, trigger: Trigger) {
        self.status = status
        self.scope = scope
        self.trigger = trigger
    }

    /// 429 RESOURCE_EXHAUSTED / rateLimitExceeded on the chosen requests.
    package static func rateLimit(_ trigger: Trigger, scope: Scope = .all) -> SheetsFakeFault {
        SheetsFakeFault(status: 429, scope: scope, trigger: trigger)
    }

    func matches(operation: String, isWrite: Bool) -> Bool {
        switch scope {
        case .all: return true
        case .reads: return !isWrite
        case .writes: return isWrite
        case .operation(let name): return name == operation
        }
    }

    func error(isWrite: Bool, perUserLimit: Int) -> SheetsFakeError {
        switch status {
        case 429: return .rateLimited(write: isWrite, perUserLimit: perUserLimit)
        case 500: return SheetsFakeError(code: 500, status: "INTERNAL", message: "Internal error encountered.", reason: "backendError")
        case 502: return SheetsFakeError(code: 502, status: "UNAVAILABLE", message: "Bad Gateway")
        case 503:
            return SheetsFakeError(code: 503, status: "UNAVAILABLE", message: "The service is currently unavailable.", reason: "backendError")
        case 504: return SheetsFakeError(code: 504, status: "DEADLINE_EXCEEDED", message: "The request timed out.")
        default: return SheetsFakeError(code: status, status: "UNKNOWN", message: "Injected failure.")
        }
    }
}
