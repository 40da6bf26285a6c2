import SyncKit

/// What to do with one HTTP exchange. Decided in one place, `ResponseClassifier.classify`.
public enum ResponseAction: Sendable {
    /// The call succeeded; `data` is the envelope's `data` member.
    case success(data: JSONValue)
    /// A transient failure: try again after backoff. `rateLimited` holds every caller back too.
    case retry(reason: String, rateLimited: Bool)
    /// TikTok said "too many requests", and what kind: the pacer slows down, or waits out a restriction.
    case throttled(reason: String, RateLimitSignal)
    /// Give up on this call with this error (skip the advertiser, or stop with advice).
    case fail(SyncError)
}

/// What came back from one attempt, before anything interprets it.
public enum HTTPOutcome: Sendable {
    case response(status: Int, body: [UInt8])
    /// The server redirected (never followed: TikTok's API does not redirect); URLs without their query.
    case redirected(status: Int, from: String, to: String)
    /// The request did not complete: timeout, reset, refused connection.
    case transportError(String)
}

/// The one place that reads HTTP statuses and TikTok body codes.
public enum ResponseClassifier {
    /// Body codes that mean "too many requests" (back off, and pace everyone).
    static let rateLimitCodes: Set<Int> = [40100, 40016, 40101, 40102]
    /// Body codes that mean a transient server-side problem.
    static let transientCodes: Set<Int> = [40200, 40201, 40202, 40700, 50000, 50001, 50002, 51001, 51002, 51039, 51305, 60001]

    public static func classify(_ outcome: HTTPOutcome, endpoint: String, advertiserID: String?) -> ResponseAction {
        switch outcome {
        case .transportError(let reason):
            return .retry(reason: reason, rateLimited: false)
        case .redirected(let status, let from, let to):
            return .fail(SyncError(.badInput,
                "\(from) answered HTTP \(status), redirecting to \(to). TikTok's API does not redirect, so the request was not repeated there (it carries your access token). Check api_base_url (production: https://business-api.tiktok.com/open_api/) and any proxy in between.",
                advertiserID: advertiserID))
        case .response(let status, let body):
            if status == 429 { return .throttled(reason: "HTTP 429", .tooFrequent) }
            if status >= 500 { return .retry(reason: "HTTP \(status)", rateLimited: false) }
            guard let envelope = try? JSONParser.parse(body), case .object = envelope else {
                if status == 200 { return .retry(reason: "incomplete or invalid JSON body", rateLimited: false) }
                return .fail(SyncError(.invalidResponse,
                    "TikTok answered HTTP \(status) to \(endpoint) without a JSON body. Check api_base_url points at the TikTok Business API (…/open_api/).",
                    advertiserID: advertiserID))
            }
            guard let code = envelope["code"]?.intValue else {
                return .fail(SyncError(.invalidResponse, "TikTok's answer to \(endpoint) has no `code` member (HTTP \(status)).", advertiserID: advertiserID))
            }
            let message = envelope["message"]?.stringValue ?? ""
            if code == 0 {
                guard status == 200 else { return .retry(reason: "HTTP \(status) with code 0", rateLimited: false) }
                return .success(data: envelope["data"] ?? .null)
            }
            return classify(code: code, message: message, endpoint: endpoint, advertiserID: advertiserID)
        }
    }

    static func classify(code: Int, message: String, endpoint: String, advertiserID: String?) -> ResponseAction {
        if rateLimitCodes.contains(code) { return rateLimited(code: code, message: message, endpoint: endpoint, advertiserID: advertiserID) }
        if transientCodes.contains(code) { return .retry(reason: "TikTok error \(code): \(message)", rateLimited: false) }
        let lowered = message.lowercased()
        if lowered.contains("app_id is inconsistent") || lowered.contains("app_id or secret") {
            return .fail(SyncError(.authentication,
                "TikTok says the app credentials do not match the token (code \(code): \(message)). Check TIKTOK_APP_ID and TIKTOK_APP_SECRET belong to the app that issued the token (TikTok for Business Developers → My Apps → your app → Basic information).",
                apiCode: code))
        }
        if code == 40001 || lowered.contains("doesn't exist or has been deleted") || lowered.contains("does not exist or has been deleted") {
            return .fail(SyncError(.advertiserUnavailable,
                "Advertiser \(advertiserID ?? "?") cannot be read (TikTok code \(code): \(message)). Ask its owner to grant your app access, or remove it from advertiser_ids.",
                apiCode: code, advertiserID: advertiserID))
        }
        switch code {
        case 40104, 40105:
            return .fail(SyncError(.authentication,
                "TikTok rejected the access token (code \(code): \(message)). Re-authorise the app for your advertiser accounts and set TIKTOK_ACCESS_TOKEN (or access_token in the config) to the new long-term token, without a 'Bearer' prefix.",
                apiCode: code))
        case 40002:
            return .fail(SyncError(.badRequest,
                "TikTok rejected the parameters of \(endpoint) (code 40002: \(message)). Check the fields selected for this object (`tiktok-ads discover` lists them) and the date range.",
                apiCode: code, advertiserID: advertiserID))
        default:
            if lowered.contains("app_id is inconsistent") || code == 40110 {
                return .fail(SyncError(.authentication,
                    "TikTok says the app credentials do not match the token (code \(code): \(message)). Check TIKTOK_APP_ID and TIKTOK_APP_SECRET belong to the app that issued the token.",
                    apiCode: code))
            }
            return .fail(SyncError(.invalidResponse, "TikTok answered \(endpoint) with code \(code): \(message)", apiCode: code, advertiserID: advertiserID))
        }
    }

    /// A 40100-family answer: the daily quota (stop until 00:00 UTC), a restriction for a while (the per-minute
    /// penalty, waited out), or too many requests in the last moments (slow down a little).
    static func rateLimited(code: Int, message: String, endpoint: String, advertiserID: String?) -> ResponseAction {
        let lowered = message.lowercased()
        let reason = "rate limited (code \(code): \(message))"
        if lowered.contains("daily") || lowered.contains("per day") || lowered.contains("qpd") {
            return .fail(SyncError(.quotaExhausted,
                "TikTok's daily request quota for \(endpoint) is spent (code \(code): \(message)). It resets at 00:00 UTC; run the sync again after that. Windows already loaded are kept and their bookmarks saved, so the next run reads only what is still to do.",
                apiCode: code, advertiserID: advertiserID))
        }
        if lowered.contains("minute") || lowered.contains("qpm") {
            return .throttled(reason: reason, .restricted(wait: namedWait(in: lowered)))
        }
        return .throttled(reason: reason, .tooFrequent)
    }

    /// A wait the message names ("try again in 5 minutes", "after 300 seconds"), if any.
    static func namedWait(in message: String) -> Duration? {
        let words = message.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        for (index, word) in words.enumerated().dropLast() {
            guard let amount = Int(word), amount > 0 else { continue }
            let unit = words[index + 1]
            if unit.hasPrefix("minute") || unit == "min" || unit == "mins" { return .seconds(amount * 60) }
            if unit.hasPrefix("second") || unit == "s" || unit == "sec" || unit == "secs" { return .seconds(amount) }
        }
        return nil
    }
}
