import Foundation
import HTTPTransport
import SyncKit

/// What to do with one HTTP exchange. Decided in one place, `ResponseClassifier.classify`.
public enum ResponseAction: Sendable {
    /// The call succeeded; `data` is the envelope's `data` member. `list`, when the caller deferred it, is
    /// `data.list` left unparsed (`data` holds an empty array in its place).
    case success(data: JSONValue, list: RawJSONArray? = nil)
    /// A transient failure: try again after backoff. `rateLimited` holds every caller back too.
    case retry(reason: String, rateLimited: Bool)
    /// TikTok said "too many requests", and what kind: the pacer slows down, or waits out a restriction.
    case throttled(reason: String, RateLimitSignal)
    /// Give up on this call with this error (skip the advertiser, or stop with advice).
    case fail(SyncError)
}

/// What came back from one attempt, before anything interprets it.
public enum HTTPOutcome: Sendable {
    case response(status: Int, body: [UInt8], contentType: String? = nil)
    /// The server redirected (never followed: TikTok's API does not redirect); URLs without their query.
    case redirected(status: Int, from: String, to: String)
    /// The request did not complete: timeout, reset, refused connection.
    case transportError(TransportFailure)
}

/// What one run has heard from the API host so far. A client keeps one for its whole life (a sync makes one
/// client per run): until the host answered once as TikTok does, a failure that says TikTok is not there stops
/// the run after `RetryPolicy.firstContactAttempts` attempts instead of being retried as a passing fault.
public final class APIContact: Sendable {
    /// What had been heard before an attempt.
    public struct Heard: Sendable, Equatable {
        /// Any HTTP answer (any status, any body) came back from the host.
        public var httpAnswer: Bool
        /// A TikTok envelope (a JSON object with an integer `code`) came back from the host.
        public var tiktokAnswer: Bool

        public init(httpAnswer: Bool = false, tiktokAnswer: Bool = false) {
            self.httpAnswer = httpAnswer
            self.tiktokAnswer = tiktokAnswer
        }
    }

    private let state = Protected(Heard())

    public init() {}

    public var heard: Heard { state.value }

    /// Notes what an attempt brought back and returns what had been heard before it.
    @discardableResult
    public func record(_ outcome: HTTPOutcome) -> Heard {
        let before = state.value
        if before.tiktokAnswer { return before }  // all there is to know: no body is parsed twice on a healthy run
        let isEnvelope: Bool
        let isAnswer: Bool
        switch outcome {
        case .response(_, let body, _):
            isAnswer = true
            isEnvelope = ResponseClassifier.isEnvelope(body)
        case .redirected:
            (isAnswer, isEnvelope) = (true, false)
        case .transportError:
            (isAnswer, isEnvelope) = (false, false)
        }
        return state.withLock { heard in
            let before = heard
            heard.httpAnswer = heard.httpAnswer || isAnswer
            heard.tiktokAnswer = heard.tiktokAnswer || isEnvelope
            return before
        }
    }
}

/// The one place that reads HTTP statuses and TikTok body codes.
public enum ResponseClassifier {
    /// Body codes that mean "too many requests" (back off, and pace everyone).
    static let rateLimitCodes: Set<Int> = [40100, 40016, 40101, 40102]
    /// Body codes that mean a transient server-side problem.
    static let transientCodes: Set<Int> = [40200, 40201, 40202, 40700, 50000, 50001, 50002, 51001, 51002, 51039, 51305, 60001]

    /// `deferringList`: leave `data.list` unparsed (checked, not built), for pages read straight into rows.
    public static func classify(_ outcome: HTTPOutcome, endpoint: String, advertiserID: String?, deferringList: Bool = false) -> ResponseAction {
        switch outcome {
        case .transportError(let reason):
            return .retry(reason: reason.description, rateLimited: false)
        case .redirected(let status, let from, let to):
            return .fail(SyncError(.badInput,
                "\(from) answered HTTP \(status), redirecting to \(to). TikTok's API does not redirect, so the request was not repeated there (it carries your access token). Check api_base_url (production: https://business-api.tiktok.com/open_api/) and any proxy in between.",
                advertiserID: advertiserID))
        case .response(let status, let body, _):
            if status == 429 { return .throttled(reason: "HTTP 429", .tooFrequent) }
            if status >= 500 { return .retry(reason: "HTTP \(status)", rateLimited: false) }
            let parsed = deferringList ? try? JSONParser.parse(body, deferringArrayAt: ["data", "list"]) : (try? JSONParser.parse(body)).map { ($0, nil) }
            guard let (envelope, list) = parsed, case .object = envelope else {
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
                return .success(data: envelope["data"] ?? .null, list: list)
            }
            return classify(code: code, message: message, endpoint: endpoint, advertiserID: advertiserID)
        }
    }

    /// Whether `body` is a TikTok envelope: a JSON object with an integer `code`.
    static func isEnvelope(_ body: [UInt8]) -> Bool {
        guard body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{"), let value = try? JSONParser.parse(body),
              case .object = value else { return false }
        return value["code"]?.intValue != nil
    }

    /// Before TikTok answered this run once, an outcome that says TikTok is not at `url` (the request's URL, printed
    /// without its query): no connection could be made before any HTTP answer came back (refused, unknown host,
    /// TLS, connect timeout), or an answer that is not a TikTok envelope came back (HTML, garbage, truncated JSON,
    /// a gateway's 5xx page). Returns the error that stops the run after `attempts` such attempts; nil for every
    /// other outcome, which `classify` decides as usual. A 429 is a rate limit whoever sends it, and never counts.
    public static func firstContactFailure(_ outcome: HTTPOutcome, url: String, heard: APIContact.Heard, attempts: Int) -> SyncError? {
        guard !heard.tiktokAnswer else { return nil }
        let shown = SecretRedactor.displayURL(url)
        let tries = attempts == 1 ? "" : " (\(attempts) attempts)"
        switch outcome {
        case .transportError(let failure):
            guard failure.isConnectionFailure, !heard.httpAnswer else { return nil }
            let check: String
            switch failure.kind {
            case .hostNotFound:
                check = "Check the host name in --api-base-url (api_base_url in the config; production: \(TikTokAPIConfiguration.productionBaseURL.absoluteString)), and this machine's DNS and proxy settings."
            case .tls:
                check = "Check --api-base-url (api_base_url in the config) uses the right scheme and port (the TikTok API is https on 443), and whether a proxy or firewall intercepts TLS (its CA certificate must be trusted)."
            default:
                check = "Check --api-base-url (api_base_url in the config; production: \(TikTokAPIConfiguration.productionBaseURL.absoluteString)), and that this machine can reach that host (network, firewall, proxy)."
            }
            return SyncError(.unreachable, "Cannot reach the TikTok API at \(shown): \(failure.description)\(tries). \(check)")
        case .response(let status, let body, let contentType):
            guard status != 429, !isEnvelope(body) else { return nil }
            let what = "HTTP \(status) (\(contentType.map(printable) ?? "no content type"), \(body.count) bytes)"
            let advice = status >= 500
                ? "TikTok answers its errors as JSON, so this is not the TikTok API, or a proxy in between is failing. Check --api-base-url (api_base_url in the config; production: \(TikTokAPIConfiguration.productionBaseURL.absoluteString)) and any proxy, then run the sync again."
                : "This is not the TikTok API. Check --api-base-url (api_base_url in the config) points at the TikTok Business API, e.g. \(TikTokAPIConfiguration.productionBaseURL.absoluteString), and any proxy in between."
            return SyncError(.unreachable,
                "\(shown) answered \(what) that is not TikTok API JSON\(tries): \(snippet(body)). \(advice)")
        case .redirected:
            return nil
        }
    }

    /// The first ~80 characters of a body, printable and with every secret masked: control characters and bytes that
    /// are not UTF-8 become `\xNN`, runs of whitespace one space. Secrets are masked in a 4 KB prefix before it is cut,
    /// so a secret straddling the cut is never half-shown.
    public static func snippet(_ body: [UInt8], limit: Int = 80) -> String {
        if body.isEmpty { return "an empty body" }
        let prefix = body.prefix(4096)
        let text = SecretRedactor.redact(printable(bytes: prefix))
        guard text.count > limit else { return "\"\(text)\"" }
        return "\"\(text.prefix(limit))…\""
    }

    /// Header text made printable (a content type is shown as is, within reason).
    static func printable(_ text: String) -> String {
        String(printable(bytes: Array(text.utf8.prefix(100))))
    }

    static func printable<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        var out = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var index = bytes.startIndex
        var lastWasSpace = false
        func escape(_ byte: UInt8) {
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            lastWasSpace = false
        }
        parsing: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                let count = encoded.count
                defer { index = bytes.index(index, offsetBy: count) }
                if scalar.properties.isWhitespace {
                    if !lastWasSpace { out += " " }
                    lastWasSpace = true
                    continue
                }
                switch scalar.properties.generalCategory {
                case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
                    for byte in encoded { escape(byte) }
                default:
                    out.unicodeScalars.append(scalar)
                    lastWasSpace = false
                }
            case .error(let length):
                for byte in bytes[index..<bytes.index(index, offsetBy: length)] { escape(byte) }
                index = bytes.index(index, offsetBy: length)
            case .emptyInput:
                break parsing
            }
        }
        return out
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
                "TikTok rejected the access token (code \(code): \(message)). Authorise again with `tiktok-ads auth login` (docs/credentials.md), or set TIKTOK_ACCESS_TOKEN (or access_token in the config) to a new long-term token, without a 'Bearer' prefix.",
                apiCode: code))
        case 40002:
            var error = SyncError(.badRequest,
                "TikTok rejected the parameters of \(endpoint) (code 40002: \(message)). \(badRequestAdvice(message))",
                apiCode: code, advertiserID: advertiserID)
            // Still a bad request to every caller; a report stream that knows its request may drop these and ask again.
            error.rejectedMetrics = invalidMetricFields(in: message) ?? []
            return .fail(error)
        default:
            if lowered.contains("app_id is inconsistent") || code == 40110 {
                return .fail(SyncError(.authentication,
                    "TikTok says the app credentials do not match the token (code \(code): \(message)). Check TIKTOK_APP_ID and TIKTOK_APP_SECRET belong to the app that issued the token.",
                    apiCode: code))
            }
            return .fail(SyncError(.invalidResponse, "TikTok answered \(endpoint) with code \(code): \(message)", apiCode: code, advertiserID: advertiserID))
        }
    }

    /// What to do about a 40002 answer, by the parameter its message names (TikTok's messages start with the
    /// parameter, e.g. `app_id: Missing data for required field.`, or name the metrics it refuses).
    static func badRequestAdvice(_ message: String) -> String {
        let lowered = message.lowercased()
        let named = lowered.split(separator: ":", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if named == "app_id" || named == "secret" || named == "app_secret" {
            return "The app id or secret is missing or malformed: set TIKTOK_APP_ID and TIKTOK_APP_SECRET (or app_id / app_secret in the config) to the App ID and Secret of the app that issued the token (TikTok for Business Developers → My Apps → your app → Basic information), or set advertiser_ids so the advertisers need not be listed."
        }
        if named == "advertiser_id" || named == "advertiser_ids" {
            return "An advertiser id is malformed: advertiser ids are the long numbers shown in TikTok Ads Manager (top right); check advertiser_ids (or --advertiser-ids)."
        }
        if named == "start_date" || named == "end_date" || lowered.contains("date range") || lowered.contains("time range") {
            return "The date range was refused: check start_date / --start-date and --end-date (YYYY-MM-DD, not in the future, not before the account existed)."
        }
        if ["metrics", "dimensions", "fields"].contains(named) || lowered.contains("metric") || lowered.contains("field") {
            return "Check the fields selected for this object (`tiktok-ads discover` lists them; --fields or objects[].fields in the config select them)."
        }
        return "Check the fields selected for this object (`tiktok-ads discover` lists them) and the date range; if they look right, this may be a change on TikTok's side: report it with this message."
    }

    /// The metric names of TikTok's answer to report metrics it does not accept (code 40002, HTTP 200):
    /// `Please correct the information in invalid metric fields and try again. Invalid metric fields: ['voucher_spend', 'cash_spend']. `
    /// (wording and sources in docs/retired-metrics.md). The list is written as Python prints one: single- or
    /// double-quoted names, with backslash escapes, separated by commas with or without spaces. Nil when the message is
    /// not that answer, or its list cannot be read whole or names nothing: then nothing is dropped.
    public static func invalidMetricFields(in message: String) -> [String]? {
        guard let marker = message.range(of: "invalid metric fields:", options: .caseInsensitive) else { return nil }
        var rest = message[marker.upperBound...].drop { $0 == " " }
        guard rest.first == "[" else { return nil }
        rest = rest.dropFirst()
        var names: [String] = []
        while true {
            rest = rest.drop { $0 == " " }
            guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
            rest = rest.dropFirst()
            var name = ""
            var closed = false
            while let character = rest.popFirst() {
                if character == quote {
                    closed = true
                    break
                }
                guard character == "\\" else {
                    name.append(character)
                    continue
                }
                guard let escaped = rest.popFirst() else { return nil }
                switch escaped {
                case "n": name.append("\n")
                case "t": name.append("\t")
                case "r": name.append("\r")
                default: name.append(escaped)  // \\, \', \" stand for themselves; TikTok's names never need more
                }
            }
            guard closed, !name.isEmpty else { return nil }
            names.append(name)
            rest = rest.drop { $0 == " " }
            switch rest.popFirst() {
            case ",": continue
            case "]": return names
            default: return nil
            }
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
