@testable import Destinations
import Foundation
import HTTPTransport
import NIOHTTP1
import SyncKit
import Testing

/// Every Sheets answer is read once, by `SheetsResponseClassifier`: what is retried, what fails, and how.
struct SheetsResponseClassifierTests {
    enum Expected: Equatable, CustomStringConvertible {
        case success, retry, rateLimited, fail(SyncError.Kind)
        var description: String {
            switch self {
            case .success: "success"
            case .retry: "retry"
            case .rateLimited: "rate limited"
            case .fail(let kind): "fail(\(kind))"
            }
        }
    }

    static let context = SheetsResponseClassifier.Context(what: "writing tiktok_ads_campaigns", spreadsheetID: "1AbCdEfGhIjKlMnOp",
                                                         apiBaseURL: "https://sheets.googleapis.com", identity: "loader@p.iam.gserviceaccount.com")

    static func answer(_ status: Int, _ message: String = "boom") -> HTTPTransport.Outcome {
        .response(status: status, headers: HTTPHeaders(), body: Array(#"{"error":{"code":\#(status),"message":"\#(message)","status":"X"}}"#.utf8))
    }

    @Test(arguments: [
        (answer(200), Expected.success),
        (HTTPTransport.Outcome.response(status: 204, headers: HTTPHeaders(), body: []), .success),
        (answer(400, "Invalid range"), .fail(.destination)),
        (answer(401, "Request had invalid authentication credentials"), .fail(.authentication)),
        (answer(403, "The caller does not have permission"), .fail(.destination)),
        (answer(404, "Requested entity was not found"), .fail(.destination)),
        (answer(409), .fail(.destination)),
        (answer(429, "Quota exceeded"), .rateLimited),
        (answer(500), .retry), (answer(502), .retry), (answer(503), .retry), (answer(504), .retry),
        (HTTPTransport.Outcome.response(status: 503, headers: HTTPHeaders(), body: Array("<html>busy</html>".utf8)), .retry),
        (.transportError("timeout"), .retry),
        (.transportError("connection closed by the server"), .retry),
        (.redirected(status: 302, from: "https://sheets.googleapis.com/v4/spreadsheets/x", to: "https://elsewhere.example/x"), .fail(.destination)),
    ])
    func classifiesEveryOutcomeOnce(_ outcome: HTTPTransport.Outcome, _ expected: Expected) {
        let verdict = SheetsResponseClassifier.classify(outcome, Self.context)
        switch (verdict, expected) {
        case (.success, .success): break
        case (.retry(_, let rateLimited), .retry): #expect(!rateLimited)
        case (.retry(_, let rateLimited), .rateLimited): #expect(rateLimited)
        case (.fail(let error), .fail(let kind)): #expect(error.kind == kind, "\(error)")
        default: Issue.record("got \(verdict), expected \(expected)")
        }
    }

    /// The messages say what to do, and name the call, the spreadsheet and the identity to share it with.
    @Test func failuresSayWhatToDo() throws {
        guard case .fail(let forbidden) = SheetsResponseClassifier.classify(Self.answer(403, "The caller does not have permission"), Self.context) else {
            Issue.record("403 is not a failure")
            return
        }
        #expect(forbidden.message.contains("1AbCdEfGhIjKlMnOp") && forbidden.message.contains("loader@p.iam.gserviceaccount.com"))
        #expect(forbidden.message.contains("The caller does not have permission") && forbidden.message.contains("writing tiktok_ads_campaigns"))
        guard case .fail(let unauthorized) = SheetsResponseClassifier.classify(Self.answer(401, "invalid credentials"), Self.context) else {
            Issue.record("401 is not a failure")
            return
        }
        #expect(unauthorized.message.contains("GOOGLE_APPLICATION_CREDENTIALS"))
        guard case .retry(let reason, true) = SheetsResponseClassifier.classify(Self.answer(429, "Quota exceeded"), Self.context) else {
            Issue.record("429 is not a rate-limited retry")
            return
        }
        let exhausted = SheetsResponseClassifier.exhausted(reason, attempts: 7)
        #expect(exhausted.kind == .destination)
        #expect(exhausted.message.contains("Quota exceeded") && exhausted.message.contains("7 attempts"))
    }

    /// A body that echoes a bearer token never carries it into the message.
    @Test func echoedSecretsAreRedacted() {
        let token = "ya29.a0AfB_secret\(UUID().uuidString.prefix(8))"
        SecretRedactor.register(token)
        guard case .fail(let error) = SheetsResponseClassifier.classify(Self.answer(400, "bad token \(token)"), Self.context) else {
            Issue.record("400 is not a failure")
            return
        }
        #expect(!error.message.contains(token))
    }
}
