import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// Calls the TikTok Business API v1.3: paces every call, retries transient failures with backoff,
/// and turns every other failure into a `SyncError` that says what to do.
public struct TikTokClient: Sendable {
    public let configuration: TikTokAPIConfiguration
    let httpClient: HTTPClient
    let pacer: any RequestPacer
    let clock: any Clock<Duration>
    let logger: Logger

    /// Bodies larger than this are refused (a 1,000-row report page is a few hundred KB).
    static let maxBodyBytes = 256 * 1024 * 1024

    public init(configuration: TikTokAPIConfiguration, httpClient: HTTPClient = .shared, pacer: any RequestPacer,
                clock: any Clock<Duration> = ContinuousClock(), logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.pacer = pacer
        self.clock = clock
        self.logger = logger
    }

    /// Called once per attempt: `isRetry` is false for the first attempt of a call.
    public typealias AttemptObserver = @Sendable (_ isRetry: Bool) -> Void

    /// GET an endpoint such as `campaign/get` and return the envelope's `data`.
    public func get(_ endpoint: String, query: [(String, String)], advertiserID: String? = nil,
                    onAttempt: AttemptObserver = { _ in }) async throws -> JSONValue {
        try await call(endpoint, method: .GET, query: query, body: nil, advertiserID: advertiserID, onAttempt: onAttempt)
    }

    /// POST a JSON body to an endpoint (the token exchange) and return the envelope's `data`.
    public func post(_ endpoint: String, json: JSONValue, onAttempt: AttemptObserver = { _ in }) async throws -> JSONValue {
        try await call(endpoint, method: .POST, query: [], body: json.jsonText, advertiserID: nil, onAttempt: onAttempt)
    }

    /// One unpaced, unretried GET that returns the raw body (benchmarks of the API side use it).
    public func rawBody(_ endpoint: String, query: [(String, String)]) async throws -> [UInt8] {
        switch await send(url: configuration.url(for: endpoint, query: query), method: .GET, body: nil) {
        case .response(200, let body): return body
        case .response(let status, _): throw SyncError(.invalidResponse, "\(endpoint) answered HTTP \(status)")
        case .transportError(let reason): throw SyncError(.transient, "\(endpoint) failed: \(reason)")
        }
    }

    private func call(_ endpoint: String, method: HTTPMethod, query: [(String, String)], body: String?,
                      advertiserID: String?, onAttempt: AttemptObserver) async throws -> JSONValue {
        let url = configuration.url(for: endpoint, query: query)
        let policy = configuration.retryPolicy
        var lastReason = ""
        attempts: for attempt in 1...max(1, policy.maxAttempts) {
            try Task.checkCancellation()
            try await pacer.acquire()
            onAttempt(attempt > 1)
            let outcome = await send(url: url, method: method, body: body)
            switch ResponseClassifier.classify(outcome, endpoint: endpoint, advertiserID: advertiserID) {
            case .success(let data):
                return data
            case .fail(let error):
                throw error
            case .retry(let reason, let rateLimited):
                lastReason = reason
                guard attempt < policy.maxAttempts else { break attempts }
                let delay = policy.delay(afterAttempt: attempt, rateLimited: rateLimited)
                logger.debug("retrying TikTok call", metadata: [
                    "endpoint": "\(endpoint)", "attempt": "\(attempt)", "reason": "\(reason)", "delay": "\(delay)",
                ])
                if rateLimited { await pacer.pause(for: delay) }
                try await clock.sleep(for: delay)
            }
        }
        throw SyncError(.transient,
            "TikTok kept failing on \(endpoint) after \(policy.maxAttempts) attempts (last: \(lastReason)). It is usually temporary: run the sync again later; nothing committed is lost.",
            advertiserID: advertiserID)
    }

    private func send(url: String, method: HTTPMethod, body: String?) async -> HTTPOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Access-Token", value: configuration.accessToken)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await httpClient.execute(request, timeout: .init(configuration.requestTimeout))
            let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            return .response(status: Int(response.status.code), body: Array(buffer.readableBytesView))
        } catch is CancellationError {
            return .transportError("cancelled")
        } catch {
            // The message names the failure only, never the URL (it can carry the app secret).
            return .transportError(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timeout"
            case .remoteConnectionClosed: return "connection closed by the server"
            default: return "HTTP client error \(error.shortDescription)"
            }
        }
        return "\(type(of: error)): \(error)"
    }
}

extension NIOCore.TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
