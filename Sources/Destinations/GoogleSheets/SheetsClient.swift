import Synchronization
import HTTPTransport
import Foundation
import Logging
import NIOHTTP1
import SyncKit

/// The Sheets API v4 over the shared transport: paces reads and writes, retries 429, 5xx and transport failures
/// through the one retry loop (`RetryingCaller`), and lets `SheetsResponseClassifier` word every failure.
struct SheetsClient: Sendable {
    let configuration: GoogleSheetsConfiguration
    let transport: HTTPTransport
    let auth: any GoogleAccessTokenProvider
    let logger: Logger
    /// Backoff waits go through this clock (the destination's, which also paces).
    let clock: any Clock<Duration>
    /// The write and the read budget: each waits for a slot, and a 429 pauses every caller of that budget.
    let writePacer: any RequestPacer
    let readPacer: any RequestPacer
    /// Counts requests sent (every attempt), for tests and the benchmark.
    let counter: RequestCounter
    /// Who the requests run as, for "share the sheet with …" messages.
    let identity: String?

    var spreadsheetURL: String { "\(configuration.apiBaseURL)/v4/spreadsheets/\(configuration.spreadsheetID)" }

    /// Percent-encodes a range for a URL path or query (`:` may stay).
    static func encode(_ range: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return range.addingPercentEncoding(withAllowedCharacters: allowed) ?? range
    }

    /// Sends one request to `spreadsheetURL + suffix`, retrying transient failures; returns the body.
    /// Throws `SyncError` (or `CancellationError`).
    func send(_ method: HTTPMethod, _ suffix: String, body: String? = nil, what: String) async throws -> Data {
        let url = spreadsheetURL + suffix
        let context = SheetsResponseClassifier.Context(what: what, spreadsheetID: configuration.spreadsheetID,
                                                       apiBaseURL: configuration.apiBaseURL, identity: identity)
        let caller = RetryingCaller(policy: configuration.retryPolicy, clock: clock,
                                    pacer: method == .GET ? readPacer : writePacer, logger: logger)
        return try await caller.call(what, attempt: { number in
            if number > 1 { counter.addRetry() }
            var headers: [(String, String)] = []
            if let token = try await accessToken() { headers.append(("Authorization", "Bearer \(token)")) }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let request = HTTPTransport.Request(method: method, url: url, headers: headers, body: body.map { Array($0.utf8) },
                                                timeout: configuration.requestTimeout, maxBodyBytes: 512 << 20)
            counter.add(write: method != .GET)
            let outcome = await transport.send(request, redirects: .sameOrigin(max: 3))
            // A request cut short by cancellation is not a failure to retry.
            try Task.checkCancellation()
            return SheetsResponseClassifier.classify(outcome, context)
        }, exhausted: { lastReason, attempts in
            SheetsResponseClassifier.exhausted(lastReason, attempts: attempts)
        })
    }

    private func accessToken() async throws -> String? {
        do {
            return try await auth.accessToken()
        } catch let error as GoogleAuthError {
            throw SyncError(.authentication, error.message)
        }
    }
}

/// Counts requests (attempts included) by kind.
final class RequestCounter: Sendable {
    private let counts = Mutex<(reads: Int, writes: Int, retries: Int)>((0, 0, 0))
    func add(write: Bool) { counts.withLock { if write { $0.writes += 1 } else { $0.reads += 1 } } }
    func addRetry() { counts.withLock { $0.retries += 1 } }
    var reads: Int { counts.withLock { $0.reads } }
    var writes: Int { counts.withLock { $0.writes } }
    var retries: Int { counts.withLock { $0.retries } }
}
