import Foundation
import HTTPTransport
import SyncKit

/// The one place that reads the HTTP statuses of Google's token endpoint and metadata server: a pure function
/// from what came back to what to do, with every failure worded for the user as a `GoogleAuthError`.
enum GoogleTokenClassifier {
    /// A token as the endpoint handed it out.
    struct Grant: Sendable {
        var accessToken: String
        var expiresIn: Double?
    }

    /// Who asked where, for the messages.
    struct Context: Sendable {
        /// The credentials, e.g. "the service account loader@p.iam.gserviceaccount.com".
        var what: String
        /// The full URL asked (only its display form is quoted).
        var endpoint: String
        /// The metadata server: unreachable means "no credentials here", not a failure to retry.
        var isMetadataServer = false
        /// Where credentials were looked for before the metadata server (for its "no credentials" message).
        var searchedBefore: String?
        /// A user's refresh token: `invalid_grant` means it was revoked or expired.
        var isAuthorizedUser = false
    }

    /// What to do with one answer.
    enum Verdict: Sendable {
        case token(Grant)
        /// A transient failure (429, 408, 5xx, transport): try again; `error` is thrown if no attempt is left.
        case retry(GoogleAuthError, rateLimited: Bool)
        /// Give up at once (refused credentials, a redirect elsewhere, an answer that is no token).
        case fail(GoogleAuthError)
    }

    static func classify(_ outcome: HTTPTransport.Outcome, _ context: Context) -> Verdict {
        switch outcome {
        case .response(let status, _, let body):
            return classify(status: status, body: Data(body), context)
        case .redirected(let status, let from, let to):
            return .fail(GoogleAuthError(.unavailable,
                "The Google token endpoint \(from) answered HTTP \(status) redirecting to another host (\(to)); the request was not repeated there (it carries your credentials). Check the token URL setting and any proxy in between."))
        case .transportError(let reason):
            let url = SecretRedactor.displayURL(context.endpoint)
            if context.isMetadataServer {
                let searched = context.searchedBefore.map { "\($0); " } ?? ""
                return .fail(GoogleAuthError(.noCredentials,
                    "No Google credentials found. Looked in: \(searched)the metadata server at \(url) (not reachable: \(reason)). Give a service-account key file with --google-credentials (or credentials in the config's destination section) or GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`."))
            }
            return .retry(GoogleAuthError(.unavailable, "Cannot reach the Google token endpoint \(url): \(reason). Check the network, or the token URL setting."),
                          rateLimited: false)
        }
    }

    /// An answer with a status and a body: a token on 200; Google's `error` / `error_description` otherwise.
    static func classify(status: Int, body: Data, _ context: Context) -> Verdict {
        struct Success: Decodable { var access_token: String; var expires_in: Double? }
        struct Failure: Decodable { var error: String?; var error_description: String? }
        if status == 200, let success = try? JSONDecoder().decode(Success.self, from: body) {
            return .token(Grant(accessToken: success.access_token, expiresIn: success.expires_in))
        }
        let failure = try? JSONDecoder().decode(Failure.self, from: body)
        let reason = [failure?.error, failure?.error_description].compactMap { $0 }.joined(separator: ": ")
        if status == 400 || status == 401 || status == 403 {
            var hint = "Check that the key or refresh token is current and the machine's clock is right."
            if failure?.error == "invalid_grant", context.isAuthorizedUser {
                hint = "The refresh token was revoked or expired; run `gcloud auth application-default login` again."
            }
            return .fail(GoogleAuthError(.rejected, "Google refused \(context.what) (HTTP \(status)\(reason.isEmpty ? "" : ", \(reason)")). \(hint)"))
        }
        let error = GoogleAuthError(.unavailable,
            "The token endpoint \(SecretRedactor.displayURL(context.endpoint)) answered HTTP \(status)\(reason.isEmpty ? "" : " (\(reason))") instead of a token for \(context.what). Try again later.")
        if status == 429 { return .retry(error, rateLimited: true) }
        if status == 408 || status >= 500 { return .retry(error, rateLimited: false) }
        return .fail(error)
    }
}
