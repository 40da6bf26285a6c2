import Foundation
import HTTPTransport
import Logging
import NIOHTTP1
import SyncKit

/// Calls the TikTok Business API v1.3: paces every call, retries transient failures with backoff,
/// and turns every other failure into a `SyncError` that says what to do.
public struct TikTokClient: Sendable {
    public let configuration: TikTokAPIConfiguration
    let transport: HTTPTransport
    let pacer: any RequestPacer
    let clock: any Clock<Duration>
    let logger: Logger
    /// What this client (one per run) has heard from the API host: until TikTok answered once, failures that say
    /// TikTok is not there stop the run quickly.
    public let contact = APIContact()

    /// Bodies larger than this are refused (a 1,000-row report page is a few hundred KB).
    static let maxBodyBytes = 256 * 1024 * 1024

    public init(configuration: TikTokAPIConfiguration, transport: HTTPTransport = .shared, pacer: any RequestPacer,
                clock: any Clock<Duration> = ContinuousClock(), logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        self.pacer = pacer
        self.clock = clock
        self.logger = logger
    }

    /// Called once per attempt: `isRetry` is false for the first attempt of a call.
    public typealias AttemptObserver = @Sendable (_ isRetry: Bool) -> Void

    /// GET an endpoint such as `campaign/get` and return the envelope's `data`.
    public func get(_ endpoint: String, query: [(String, String)], advertiserID: String? = nil,
                    onAttempt: AttemptObserver = { _ in }) async throws -> JSONValue {
        try await call(endpoint, method: .GET, query: query, body: nil, advertiserID: advertiserID, onAttempt: onAttempt) { data, _ in .success(data) }
    }

    /// GET an endpoint whose `data` must have a documented shape: an answer with `code: 0` that fails
    /// `decode` is an invalid response, retried like a transient failure and then thrown, never taken as empty.
    public func get<T: Sendable>(_ endpoint: String, query: [(String, String)], advertiserID: String? = nil,
                                 onAttempt: AttemptObserver = { _ in },
                                 decode: @Sendable (JSONValue) -> Result<T, MalformedAnswer>) async throws -> T {
        try await call(endpoint, method: .GET, query: query, body: nil, advertiserID: advertiserID, onAttempt: onAttempt) { data, _ in decode(data) }
    }

    /// A page of a listing (`data.list` + `data.page_info`), checked against the documented shape. With
    /// `unparsedItems`, the items are checked but left as the answer's bytes, for a reader that turns them straight
    /// into rows (`RowDecoder.rows(of:)`).
    public func getPage(_ endpoint: String, query: [(String, String)], advertiserID: String? = nil, unparsedItems: Bool = false,
                        onAttempt: AttemptObserver = { _ in }) async throws -> ListingPage {
        try await call(endpoint, method: .GET, query: query, body: nil, advertiserID: advertiserID, deferringList: unparsedItems,
                       onAttempt: onAttempt) { data, list in ListingPage.decode(data, paged: true, list: list) }
    }

    /// POST a JSON body to an endpoint (the token exchange) and return the envelope's `data`.
    public func post(_ endpoint: String, json: JSONValue, onAttempt: AttemptObserver = { _ in }) async throws -> JSONValue {
        try await call(endpoint, method: .POST, query: [], body: json.jsonText, advertiserID: nil, onAttempt: onAttempt) { data, _ in .success(data) }
    }

    /// One unpaced, unretried GET that returns the raw body (benchmarks of the API side use it).
    public func rawBody(_ endpoint: String, query: [(String, String)]) async throws -> [UInt8] {
        switch await send(url: configuration.url(for: endpoint, query: query), method: .GET, body: nil) {
        case .response(200, let body, _): return body
        case .response(let status, _, _): throw SyncError(.invalidResponse, "\(endpoint) answered HTTP \(status)")
        case .redirected(let status, _, let location): throw SyncError(.invalidResponse, "\(endpoint) answered HTTP \(status) to \(location)")
        case .transportError(let reason): throw SyncError(.transient, "\(endpoint) failed: \(reason)")
        }
    }

    private func call<T: Sendable>(_ endpoint: String, method: HTTPMethod, query: [(String, String)], body: String?,
                                   advertiserID: String?, deferringList: Bool = false, onAttempt: AttemptObserver,
                                   decode: (JSONValue, RawJSONArray?) -> Result<T, MalformedAnswer>) async throws -> T {
        let url = configuration.url(for: endpoint, query: query)
        let caller = RetryingCaller(policy: configuration.retryPolicy, clock: clock, pacer: pacer, logger: logger)
        var lastMalformed: MalformedAnswer?
        let policy = configuration.retryPolicy
        return try await caller.call(endpoint, attempt: { number, answerArrived in
            onAttempt(number > 1)
            let outcome = await send(url: url, method: method, body: body)
            await answerArrived()
            let heard = contact.record(outcome)
            if let unreachable = ResponseClassifier.firstContactFailure(outcome, url: url, heard: heard, attempts: number) {
                // Nothing says TikTok is there: a few quick attempts, then the run stops naming the URL and the cause.
                if number >= max(1, min(policy.firstContactAttempts, policy.maxAttempts)) { return .fail(unreachable) }
                return .retry(reason: unreachable.message, rateLimited: false)
            }
            switch ResponseClassifier.classify(outcome, endpoint: endpoint, advertiserID: advertiserID, deferringList: deferringList) {
            case .success(let data, let list):
                switch decode(data, list) {
                case .success(let value):
                    return .success(value)
                case .failure(let malformed):
                    lastMalformed = malformed
                    return .retry(reason: "answer without the documented shape: \(malformed.reason)", rateLimited: false)
                }
            case .fail(let error):
                return .fail(configuration.advised(error))
            case .retry(let reason, let rateLimited):
                lastMalformed = nil
                return .retry(reason: reason, rateLimited: rateLimited)
            case .throttled(let reason, let signal):
                lastMalformed = nil
                return .throttled(reason: reason, signal)
            }
        }, exhausted: { lastReason, attempts in
            if let lastMalformed {
                return SyncError(.invalidResponse,
                    "TikTok answered \(endpoint) with code 0 but without the documented data (\(lastMalformed.reason)), \(attempts) times. Nothing of this window was committed and its bookmark did not move: run the sync again later; if it persists, check api_base_url and any proxy in between.",
                    advertiserID: advertiserID)
            }
            return SyncError(.transient,
                "TikTok kept failing on \(endpoint) after \(attempts) attempts (last: \(lastReason)). It is usually temporary: run the sync again later; nothing committed is lost.",
                advertiserID: advertiserID)
        })
    }

    private func send(url: String, method: HTTPMethod, body: String?) async -> HTTPOutcome {
        // The token exchange is made before there is a token: no empty header then.
        var headers = configuration.accessToken.isEmpty ? [] : [("Access-Token", configuration.accessToken)]
        headers.append(("Accept", "application/json"))
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = HTTPTransport.Request(method: method, url: url, headers: headers, body: body.map { Array($0.utf8) },
                                            timeout: configuration.requestTimeout, maxBodyBytes: Self.maxBodyBytes)
        // TikTok's API never redirects: a redirect is refused, so the token never travels to another host.
        switch await transport.send(request, redirects: .refuse) {
        case .response(let status, let headers, let body):
            return .response(status: status, body: body, contentType: headers.first(name: "Content-Type"))
        case .redirected(let status, let from, let to): return .redirected(status: status, from: from, to: to)
        case .transportError(let reason): return .transportError(reason)
        }
    }

}
