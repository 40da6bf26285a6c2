import Foundation
import Logging
import Synchronization

/// What the HTTP layer must send back for one request.
enum SimulatedResponse: Sendable {
    case normal(status: Int, contentType: String, body: [UInt8])
    /// Close the connection before a complete response.
    case reset
}

/// The parsed parts of one API request, handed to an endpoint.
struct APIRequest: Sendable {
    var method: String
    var endpoint: String
    var query: QueryParameters
    var accessToken: String?
    var body: [UInt8]
    /// Simulated now, epoch seconds.
    var now: Int64
    var sequence: Int
    /// Rows inserted before this listing's offset by earlier rowInserted faults.
    var insertedRows: Int = 0
    /// A missingRows fault: the report page leaves out its first row.
    var dropsFirstRow = false
}

/// The simulator's shared state and request pipeline (rate limit, faults, latency, dispatch, log).
final class SimulatorCore: Sendable {
    let options: SimulatorOptions
    let model: WorldModel
    let logger: Logger
    let requestLog = RequestLog()
    let rateLimiter: SimulatorRateLimiter
    let faults: FaultInjector
    /// Report metrics this simulated account refuses as TikTok refuses retired ones (`SimulatorOptions.rejectMetrics`).
    let rejectedMetrics: Set<String>
    private let nowOverride: Mutex<Int64?>
    /// Authorisation codes and access tokens (portal, exchange, revocation).
    let oauth: OAuthRegistry
    private let insertedRows = Mutex<[String: Int]>([:])
    private let sequence = Atomic<Int>(0)

    static let listingEndpoints: Set<String> = [
        "campaign/get", "adgroup/get", "ad/get", "report/integrated/get", "dmp/custom_audience/list",
        "file/video/ad/search", "file/image/ad/search",
    ]

    init(options: SimulatorOptions, logger: Logger, clock: any Clock<Duration> = ContinuousClock()) {
        self.options = options
        self.logger = logger
        let anchor = options.now ?? Date()
        model = WorldModel(options: options, anchor: anchor)
        rateLimiter = SimulatorRateLimiter(limits: options.rateLimit, clock: clock)
        faults = FaultInjector(rules: options.faults, seed: options.seed)
        rejectedMetrics = Set(options.rejectMetrics)
        oauth = OAuthRegistry(configuredToken: options.accessToken, configuredCode: options.authCode,
                              codeLifetimeSeconds: Int64(options.authCodeLifetimeSeconds))
        nowOverride = Mutex(options.now.map { Int64($0.timeIntervalSince1970.rounded(.down)) })
    }

    /// Simulated now in epoch seconds.
    func now() -> Int64 {
        nowOverride.withLock { $0 } ?? Int64(Date().timeIntervalSince1970.rounded(.down))
    }

    func setNow(_ date: Date) {
        nowOverride.withLock { $0 = Int64(date.timeIntervalSince1970.rounded(.down)) }
    }

    func resetLog() {
        requestLog.reset()
    }

    // MARK: Pipeline

    func handle(method: String, path: String, query: String?, accessToken: String?, body: [UInt8]) async
        -> SimulatedResponse
    {
        let seq = sequence.add(1, ordering: .relaxed).newValue
        let endpoint = RequestLog.normalize(path)
        var params = QueryParameters(query: query)
        if method == "GET", params.values.isEmpty, !body.isEmpty, let fromBody = SimulatorCore.bodyParameters(body) {
            params = fromBody
        }
        var request = APIRequest(
            method: method, endpoint: endpoint, query: params, accessToken: accessToken, body: body, now: now(),
            sequence: seq)

        // The arrival: counted against the endpoint's budgets before any latency or fault.
        var arrival = Duration.zero
        let limit = rateLimiter.admit(endpoint: endpoint, day: CivilTime.floorDiv(request.now, 86_400)) { at, startedPenalty in
            arrival = at
            requestLog.arrive(endpoint: endpoint, at: at, startedPenalty: startedPenalty)
        }
        let isListing = SimulatorCore.listingEndpoints.contains(endpoint)
        let page = Int(params["page"] ?? "1") ?? 1
        let fault = faults.fault(endpoint: endpoint) { kind in
            switch kind {
            case .rowInserted: isListing && page >= 2
            case .missingRows: endpoint == "report/integrated/get"
            default: true
            }
        }

        // The answer leaves `latency` after the arrival, however long building it took (as a real server's
        // latency includes its work), so a benchmark at 100 ms measures the client, not this process's CPU.
        let latency = options.latency
        let jitter = latency.jitterMs > 0 ? Int.random(in: 0...latency.jitterMs) : 0
        let answerDue = ContinuousClock.now.advanced(by: .milliseconds(latency.fixedMs + jitter))

        var outcome: (status: Int, code: Int?, response: SimulatedResponse)
        var limitedBy: RateLimitKind?
        switch fault {
        case .http429, .http500, .http502, .http503, .http504:
            let status = Int(fault?.rawValue.dropFirst(4) ?? "500") ?? 500
            let text = "<html><head><title>\(status)</title></head><body><center><h1>\(status)</h1></center><hr><center>gateway</center></body></html>"
            outcome = (status, nil, .normal(status: status, contentType: "text/html", body: Array(text.utf8)))
        case .code50000:
            outcome = errorOutcome(APIError(code: 50000, message: "System error."), request)
        case .code51002:
            outcome = errorOutcome(
                APIError(code: 51002, message: "Internal service error. Please try again later."), request)
        case .code40100:
            outcome = errorOutcome(.rateLimited(appId: options.appId), request)
        case .connectionReset:
            outcome = (200, nil, .reset)
        case .nullData, .malformedList:
            let data = fault == .nullData ? "null" : "{\"list\":\"oops\",\"page_info\":{\"page\":1,\"total_page\":\"many\"}}"
            let text = "{\"code\":0,\"message\":\"OK\",\"request_id\":\"\(requestID(request))\",\"data\":\(data)}"
            outcome = (200, 0, .normal(status: 200, contentType: "application/json", body: Array(text.utf8)))
        case .slowResponse, .truncatedBody, .rowInserted, .missingRows, nil:
            request.dropsFirstRow = fault == .missingRows
            if isListing {
                let key = endpoint + "?" + params.listingKey
                request.insertedRows = insertedRows.withLock { rows in
                    if fault == .rowInserted {
                        if rows.count > 10_000 { rows.removeAll() }
                        rows[key, default: 0] += 1
                    }
                    return rows[key] ?? 0
                }
            }
            if let refusal = rateLimitError(limit, endpoint: endpoint) {
                outcome = errorOutcome(refusal, request)
                limitedBy = limit.kind
            } else {
                outcome = dispatch(request)
            }
            if fault == .truncatedBody, case .normal(let status, let type, let bytes) = outcome.response {
                let cut = Array(bytes.prefix(max(1, bytes.count / 2)))
                outcome = (status, outcome.code, .normal(status: status, contentType: type, body: cut))
            }
        }

        if latency.fixedMs > 0 || jitter > 0 { try? await Task.sleep(until: answerDue, clock: .continuous) }
        if fault == .slowResponse {
            try? await Task.sleep(for: .milliseconds(Int64(options.slowResponseSeconds * 1000)))
        }
        requestLog.append(
            RequestLog.Entry(
                sequence: seq, time: Date(), method: method, endpoint: endpoint, query: params.values,
                advertiserID: params["advertiser_id"], httpStatus: outcome.status, code: outcome.code, fault: fault,
                rateLimit: limitedBy, arrivalSeconds: Double(arrival.components.seconds) + Double(arrival.components.attoseconds) / 1e18))
        return outcome.response
    }

    /// The 40100 answer for a refused arrival, each budget with its own message; nil when admitted.
    func rateLimitError(_ verdict: SimulatorRateLimiter.Verdict, endpoint: String) -> APIError? {
        switch verdict {
        case .admitted: nil
        case .qps: .rateLimited(appId: options.appId)
        case .qpm(let limit, let retryAfter): .minuteLimitExceeded(appId: options.appId, endpoint: endpoint, limit: limit, retryAfter: retryAfter)
        case .daily(let limit): .dailyQuotaSpent(appId: options.appId, endpoint: endpoint, limit: limit)
        }
    }

    static func bodyParameters(_ body: [UInt8]) -> QueryParameters? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        var values: [String: String] = [:]
        for (k, v) in object {
            if let s = v as? String {
                values[k] = s
            } else if let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed]) {
                values[k] = String(decoding: data, as: UTF8.self)
            }
        }
        return QueryParameters(values)
    }

    // MARK: Envelope

    func requestID(_ request: APIRequest) -> String {
        let stamp = CivilTime.dateTimeString(seconds: request.now).filter(\.isNumber)
        let hex = String(Hashing.hash(options.seed, 0x5EC, UInt64(request.sequence)), radix: 16, uppercase: true)
        return stamp + String(repeating: "0", count: 16 - hex.count) + hex
    }

    func errorOutcome(_ error: APIError, _ request: APIRequest) -> (Int, Int?, SimulatedResponse) {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"code\":")
        w.int(error.code)
        w.raw(",\"message\":")
        w.string(error.message)
        w.raw(",\"request_id\":")
        w.string(requestID(request))
        w.raw(",\"data\":{}}")
        return (error.httpStatus, error.code, .normal(status: error.httpStatus, contentType: "application/json", body: w.bytes))
    }

    /// Writes a success envelope around `data`; an APIError thrown while writing becomes an error envelope.
    func success(
        _ request: APIRequest, capacity: Int = 4096, _ data: (inout JSONWriter) throws(APIError) -> Void
    ) -> (Int, Int?, SimulatedResponse) {
        var w = JSONWriter(capacity: capacity)
        w.raw("{\"code\":0,\"message\":\"OK\",\"request_id\":")
        w.string(requestID(request))
        w.raw(",\"data\":")
        do {
            try data(&w)
        } catch {
            return errorOutcome(error, request)
        }
        w.raw("}")
        return (200, 0, .normal(status: 200, contentType: "application/json", body: w.bytes))
    }

    // MARK: Dispatch

    func dispatch(_ request: APIRequest) -> (status: Int, code: Int?, response: SimulatedResponse) {
        let routes: [String: (method: String, authenticated: Bool)] = [
            "oauth2/access_token": ("POST", false),
            "oauth2/advertiser/get": ("GET", true),
            "oauth2/revoke_token": ("POST", false),
            "advertiser/info": ("GET", true),
            "campaign/get": ("GET", true),
            "adgroup/get": ("GET", true),
            "ad/get": ("GET", true),
            "report/integrated/get": ("GET", true),
            "dmp/custom_audience/list": ("GET", true),
            "file/video/ad/search": ("GET", true),
            "file/image/ad/search": ("GET", true),
            "user/info": ("GET", true),
        ]
        guard let route = routes[request.endpoint] else {
            return errorOutcome(APIError(code: 40400, message: "Not Found: the API path does not exist.", httpStatus: 404), request)
        }
        guard request.method == route.method else {
            return errorOutcome(
                APIError(code: 40002, message: "Method \(request.method) is not allowed; use \(route.method).", httpStatus: 405),
                request)
        }
        if route.authenticated {
            guard let token = request.accessToken, oauth.isValid(token) else {
                return errorOutcome(.badToken, request)
            }
        }
        switch request.endpoint {
        case "oauth2/access_token": return accessToken(request)
        case "oauth2/advertiser/get": return oauthAdvertisers(request)
        case "oauth2/revoke_token": return revokeToken(request)
        case "advertiser/info": return advertiserInfo(request)
        case "campaign/get": return entityListing(request, kind: .campaign)
        case "adgroup/get": return entityListing(request, kind: .adGroup)
        case "ad/get": return entityListing(request, kind: .ad)
        case "report/integrated/get": return report(request)
        case "dmp/custom_audience/list": return audiences(request)
        case "file/video/ad/search": return creativeAssets(request, kind: .video)
        case "file/image/ad/search": return creativeAssets(request, kind: .image)
        default: return userInfo(request)
        }
    }

    /// Resolves `advertiser_id` to a granted advertiser index, or fails with 40002/40001.
    func grantedAdvertiser(_ request: APIRequest, parameter: String = "advertiser_id") throws(APIError) -> Int {
        let text = try request.query.required(parameter)
        return try grantedAdvertiser(id: text, parameter: parameter)
    }

    func grantedAdvertiser(id text: String, parameter: String) throws(APIError) -> Int {
        guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), text.utf8.count <= 20 else {
            throw .invalid(parameter, "Not a valid advertiser id: \(text).")
        }
        guard let index = model.advertiserIndex(text), index < model.grantedCount else {
            throw .noPermission(advertiser: text)
        }
        return index
    }
}
