import Synchronization
import HTTPTransport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SyncKit

/// A failure of a Sheets API call, already worded for the user.
struct SheetsAPIError: Error, CustomStringConvertible {
    var status: Int
    var message: String
    var retryable: Bool { status == 429 || status >= 500 || status == 0 }
    var description: String { message }

    init(status: Int, message: String) {
        self.status = status
        self.message = SecretRedactor.redact(message)
    }
}

/// The Sheets API v4 over AsyncHTTPClient: paces reads and writes, retries 429, 5xx and transport failures
/// with truncated exponential backoff, and turns every other failure into a message that says what to do.
struct SheetsClient: Sendable {
    let configuration: GoogleSheetsConfiguration
    let transport: HTTPTransport
    let auth: any GoogleAccessTokenProvider
    let logger: Logger
    /// Waits for a slot in the write / read budget.
    let paceWrite: @Sendable () async throws -> Void
    let paceRead: @Sendable () async throws -> Void
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
    func send(_ method: HTTPMethod, _ suffix: String, body: String? = nil, what: String) async throws -> Data {
        let policy = configuration.retryPolicy
        let url = spreadsheetURL + suffix
        var attempt = 0
        while true {
            attempt += 1
            if method == .GET { try await paceRead() } else { try await paceWrite() }
            var headers: [(String, String)] = []
            if let token = try await accessToken() { headers.append(("Authorization", "Bearer \(token)")) }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let request = HTTPTransport.Request(method: method, url: url, headers: headers, body: body.map { Array($0.utf8) },
                                                timeout: configuration.requestTimeout, maxBodyBytes: 512 << 20)
            counter.add(write: method != .GET)
            let error: SheetsAPIError
            try Task.checkCancellation()
            switch await transport.send(request, redirects: .sameOrigin(max: 3)) {
            case .response(let status, _, let body):
                let data = Data(body)
                if (200..<300).contains(status) { return data }
                error = describe(status: status, body: data, what: what)
            case .redirected(let status, let from, let to):
                throw SyncError(.destination,
                    "Google Sheets at \(from) answered HTTP \(status) redirecting to another host (\(to)) while \(what); the request was not repeated there (it carries your Google credentials). Check the Sheets API URL setting and any proxy in between.")
            case .transportError(let reason):
                try Task.checkCancellation()
                error = SheetsAPIError(status: 0, message: "Cannot reach Google Sheets at \(SecretRedactor.displayURL(configuration.apiBaseURL)) while \(what): \(reason).")
            }
            guard error.retryable, attempt < policy.maxAttempts else { throw error }
            let delay = policy.delay(afterAttempt: attempt, rateLimited: error.status == 429)
            logger.debug("sheets request retried", metadata: ["sheets.what": "\(what)", "sheets.attempt": "\(attempt)",
                                                              "sheets.status": "\(error.status)"])
            counter.addRetry()
            try await configuration.sleep(delay)
        }
    }

    private func accessToken() async throws -> String? {
        do {
            return try await auth.accessToken()
        } catch let error as GoogleAuthError {
            throw SyncError(.authentication, error.message)
        }
    }

    func describe(status: Int, body: Data, what: String) -> SheetsAPIError {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let error = json?["error"] as? [String: Any]
        let message = error?["message"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self)
        let id = configuration.spreadsheetID
        let share = identity.map { "Share the spreadsheet with \($0) as Editor" } ?? "Share the spreadsheet with the identity the tool runs as, as Editor"
        switch status {
        case 429:
            return SheetsAPIError(status: status, message: "Google Sheets rate limit hit while \(what): \(message). Wait a minute and run again.")
        case 500...:
            return SheetsAPIError(status: status, message: "Google Sheets failed while \(what) (HTTP \(status)): \(message). Try again later.")
        case 401:
            return SheetsAPIError(status: status, message: "Google Sheets refused the credentials while \(what) (\(message)). Check --google-credentials / GOOGLE_APPLICATION_CREDENTIALS.")
        case 403:
            return SheetsAPIError(status: status, message: "No permission on spreadsheet \(id) while \(what): \(message). \(share), and enable the Google Sheets API in the credentials' project.")
        case 404:
            return SheetsAPIError(status: status, message: "Spreadsheet \(id) not found while \(what): \(message). Check --spreadsheet. \(share).")
        default:
            return SheetsAPIError(status: status, message: "Google Sheets rejected the request while \(what) (HTTP \(status)): \(message).")
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
