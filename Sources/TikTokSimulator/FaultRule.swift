/// One injected-fault rule: which fault, on which endpoint, and when (a rate or exact call numbers).
public struct FaultRule: Sendable, Codable, Equatable {
    public var kind: FaultKind
    /// Probability per matching request (deterministic pseudo-random from seed + request sequence number).
    public var rate: Double?
    /// Or: exactly these 1-based sequence numbers of matching requests.
    public var calls: [Int]?
    /// e.g. "report/integrated/get"; nil = every endpoint.
    public var endpoint: String?

    public init(kind: FaultKind, rate: Double? = nil, calls: [Int]? = nil, endpoint: String? = nil) {
        self.kind = kind
        self.rate = rate
        self.calls = calls
        self.endpoint = endpoint
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, rate, calls, endpoint
    }
}

/// The faults the simulator can inject.
public enum FaultKind: String, Sendable, Codable, CaseIterable {
    case http429, http500, http502, http503, http504
    case code50000, code51002, code40100
    /// The connection closes before a complete response.
    case connectionReset
    /// HTTP 200 whose JSON body is cut off mid-way.
    case truncatedBody
    /// Answers only after `SimulatorOptions.slowResponseSeconds`.
    case slowResponse
    /// A row is "inserted" before the current offset between two pages of a listing (page >= 2).
    case rowInserted
    /// HTTP 200, `code: 0`, and `data: null`: a success envelope without its data (a hostile or broken proxy).
    case nullData
    /// HTTP 200, `code: 0`, with `data.list` a string and `data.page_info.total_page` a string.
    case malformedList
    /// A report page answered in full shape but without its first row (page info unchanged): rows silently lost,
    /// which only a reconciliation with the account totals notices.
    case missingRows
}

extension FaultKind {
    /// The faults a careful client recovers from with every row intact: all but `missingRows`, whose loss only a
    /// reconciliation can see.
    public static var recoverable: [FaultKind] { allCases.filter { $0 != .missingRows } }
}
