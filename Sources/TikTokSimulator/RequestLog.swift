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

        enum CodingKeys: String, CodingKey {
            case sequence, time, method, endpoint, query, code, fault
            case advertiserID = "advertiser_id"
            case httpStatus = "http_status"
        }
    }

    private struct State {
        var entries: [Entry] = []
        var dropped = 0
        var counts: [String: Int] = [:]
    }

    /// At most this many entries are kept (oldest dropped first); counts stay exact.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func append(_ entry: Entry) {
        state.withLock { s in
            s.counts[entry.endpoint, default: 0] += 1
            s.entries.append(entry)
            if s.entries.count > capacity {
                let drop = s.entries.count - capacity
                s.entries.removeFirst(drop)
                s.dropped += drop
            }
        }
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

    /// Forgets every entry and count.
    public func reset() {
        state.withLock { $0 = State() }
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
