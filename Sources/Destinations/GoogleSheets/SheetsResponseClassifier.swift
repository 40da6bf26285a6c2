import Foundation
import HTTPTransport
import SyncKit

/// The one place that reads the Sheets API's HTTP statuses: a pure function from what came back to what to do,
/// with every failure worded for the user as a `SyncError`.
enum SheetsResponseClassifier {
    /// What the messages name: the call in progress, the spreadsheet, and who the requests run as.
    struct Context: Sendable {
        /// The call in progress, e.g. "writing tiktok_ads_campaigns".
        var what: String
        var spreadsheetID: String
        /// Up to the host (only its display form is quoted).
        var apiBaseURL: String
        /// Who the requests run as (a service account's email), for "share the sheet with …".
        var identity: String?
    }

    /// What one attempt's outcome means: 2xx succeeds; 429 (which pauses every caller of the same budget), 5xx
    /// and transport failures are retried; anything else fails at once.
    static func classify(_ outcome: HTTPTransport.Outcome, _ context: Context) -> AttemptVerdict<Data> {
        switch outcome {
        case .response(let status, _, let body):
            return classify(status: status, body: Data(body), context)
        case .redirected(let status, let from, let to):
            return .fail(SyncError(.destination,
                "Google Sheets at \(from) answered HTTP \(status) redirecting to another host (\(to)) while \(context.what); the request was not repeated there (it carries your Google credentials). Check the Sheets API URL setting and any proxy in between."))
        case .transportError(let reason):
            return .retry(reason: "Cannot reach Google Sheets at \(SecretRedactor.displayURL(context.apiBaseURL)) while \(context.what): \(reason).",
                          rateLimited: false)
        }
    }

    /// An answer with a status and a body (Google's `{"error": {"message": …}}` when it failed).
    static func classify(status: Int, body: Data, _ context: Context) -> AttemptVerdict<Data> {
        if (200..<300).contains(status) { return .success(body) }
        let message = SecretRedactor.redact(errorMessage(in: body))
        let what = context.what
        let id = context.spreadsheetID
        let share = context.identity.map { "Share the spreadsheet with \($0) as Editor" }
            ?? "Share the spreadsheet with the identity the tool runs as, as Editor"
        switch status {
        case 429:
            return .retry(reason: "Google Sheets rate limit hit while \(what): \(message). Wait a minute and run again.", rateLimited: true)
        case 500...:
            return .retry(reason: "Google Sheets failed while \(what) (HTTP \(status)): \(message). Try again later.", rateLimited: false)
        case 401:
            return .fail(SyncError(.authentication,
                "Google Sheets refused the credentials while \(what) (\(message)). Check --google-credentials / GOOGLE_APPLICATION_CREDENTIALS."))
        case 403:
            return .fail(SyncError(.destination,
                "No permission on spreadsheet \(id) while \(what): \(message). \(share), and enable the Google Sheets API in the credentials' project."))
        case 404:
            return .fail(SyncError(.destination, "Spreadsheet \(id) not found while \(what): \(message). Check --spreadsheet. \(share)."))
        default:
            return .fail(SyncError(.destination, "Google Sheets rejected the request while \(what) (HTTP \(status)): \(message)."))
        }
    }

    /// The error after every attempt failed transiently; `lastReason` is the last retry's message.
    static func exhausted(_ lastReason: String, attempts: Int) -> SyncError {
        SyncError(.destination, "\(lastReason) (Gave up after \(attempts) attempts.)")
    }

    /// Google's `error.message`, else the start of the body.
    static func errorMessage(in body: Data) -> String {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let error = json?["error"] as? [String: Any]
        return error?["message"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self)
    }
}
