import Foundation
import Synchronization

/// An answer of the fake: an HTTP status and a JSON body.
package struct SheetsFakeResponse: Sendable {
    package var status: Int
    package var body: String
}

/// The state and request handling of the fake, independent of HTTP serving.
final class SheetsFakeCore: Sendable {
    struct State {
        var options: GoogleSheetsFakeOptions
        var spreadsheets: [String: SheetsFakeSpreadsheet] = [:]
        var log: [SheetsFakeRequestRecord] = []
        var reads: [String: [Duration]] = [:]
        var writes: [String: [Duration]] = [:]
        var faultCounts: [Int] = []
        var random: UInt64
        var createdCount = 0
    }

    let state: Mutex<State>

    init(options: GoogleSheetsFakeOptions) {
        state = Mutex(State(options: options, faultCounts: Array(repeating: 0, count: options.faults.count), random: options.randomSeed))
    }

    /// A parsed request target.
    struct Route {
        var operation: String
        var spreadsheetId: String
        var range: String?
    }

    static func route(method: String, path: String) -> Route? {
        let prefix = "/v4/spreadsheets/"
        guard path.hasPrefix(prefix) else { return nil }
        let segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        switch (method, segments.count) {
        case ("GET", 1): return Route(operation: "spreadsheets.get", spreadsheetId: segments[0])
        case ("POST", 1) where segments[0].hasSuffix(":batchUpdate"):
            return Route(operation: "spreadsheets.batchUpdate", spreadsheetId: String(segments[0].dropLast(":batchUpdate".count)))
        case ("GET", 2) where segments[1] == "values:batchGet":
            return Route(operation: "values.batchGet", spreadsheetId: segments[0])
        case ("POST", 2) where segments[1] == "values:batchUpdate":
            return Route(operation: "values.batchUpdate", spreadsheetId: segments[0])
        case ("POST", 2) where segments[1] == "values:batchClear":
            return Route(operation: "values.batchClear", spreadsheetId: segments[0])
        case (_, 3) where segments[1] == "values":
            let range = segments[2]
            switch method {
            case "GET": return Route(operation: "values.get", spreadsheetId: segments[0], range: range)
            case "PUT": return Route(operation: "values.update", spreadsheetId: segments[0], range: range)
            case "POST" where range.hasSuffix(":append"):
                return Route(operation: "values.append", spreadsheetId: segments[0], range: String(range.dropLast(7)))
            case "POST" where range.hasSuffix(":clear"):
                return Route(operation: "values.clear", spreadsheetId: segments[0], range: String(range.dropLast(6)))
            default: return nil
            }
        default: return nil
        }
    }

    /// `a=1&b=x%20y&b=2` → pairs, `+` read as a space.
    static func query(_ text: String?) -> [(String, String)] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: "&").map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    /// Serves one request. `bodyBytes` is the full size received, `body` the bytes kept (empty when over the limit).
    func handle(
        method: String, path: String, query queryText: String?, authorization: String?, body: [UInt8], bodyBytes: Int
    ) -> SheetsFakeResponse {
        let route = Self.route(method: method, path: path)
        let isWrite = method != "GET"
        let decodedPath = path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }.joined(separator: "/")
        return state.withLock { state in
            let response: SheetsFakeResponse
            do {
                try Self.admit(&state, route: route, isWrite: isWrite, authorization: authorization, bodyBytes: bodyBytes)
                guard let route else { throw SheetsFakeError.notFound() }
                let json = try Self.serve(&state, route: route, query: Self.query(queryText), body: body)
                response = SheetsFakeResponse(status: 200, body: json.text)
            } catch {
                let e = (error as? SheetsFakeError) ?? SheetsFakeError(code: 500, status: "INTERNAL", message: "\(error)")
                response = SheetsFakeResponse(status: e.code, body: e.json.text)
            }
            state.log.append(
                SheetsFakeRequestRecord(
                    method: method, path: decodedPath, operation: route?.operation ?? "unknown", bodyBytes: bodyBytes,
                    status: response.status, isWrite: isWrite))
            return response
        }
    }

    /// Authentication, payload size, injected faults and quota, in that order.
    private static func admit(
        _ state: inout State, route: Route?, isWrite: Bool, authorization: String?, bodyBytes: Int
    ) throws(SheetsFakeError) {
        let token = authorization.flatMap { header -> String? in
            guard header.lowercased().hasPrefix("bearer ") else { return nil }
            let t = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
        guard let token else {
            throw SheetsFakeError(
                code: 401, status: "UNAUTHENTICATED",
                message:
                    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                reason: "required")
        }
        if let accepted = state.options.acceptedTokens, !accepted.contains(token) {
            throw SheetsFakeError(
                code: 401, status: "UNAUTHENTICATED",
                message:
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                reason: "authError")
        }
        let limits = state.options.limits
        if bodyBytes > limits.maxRequestBodyBytes {
            let status = limits.oversizedBodyStatus
            throw SheetsFakeError(
                code: status, status: status == 413 ? "FAILED_PRECONDITION" : "INVALID_ARGUMENT",
                message: "Request payload size exceeds the limit: \(limits.maxRequestBodyBytes) bytes.", reason: "badRequest")
        }
        let operation = route?.operation ?? "unknown"
        let perUser = isWrite ? state.options.writeRequestsPerMinutePerUser : state.options.readRequestsPerMinutePerUser
        for i in state.options.faults.indices where state.options.faults[i].matches(operation: operation, isWrite: isWrite) {
            state.faultCounts[i] += 1
            let n = state.faultCounts[i]
            let fault = state.options.faults[i]
            let fire: Bool
            switch fault.trigger {
            case .requests(let numbers): fire = numbers.contains(n)
            case .every(let k): fire = k > 0 && n % k == 0
            case .rate(let p):
                state.random = state.random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                fire = Double(state.random >> 11) / Double(1 << 53) < p
            }
            if fire { throw fault.error(isWrite: isWrite, perUserLimit: perUser) }
        }
        let now = state.options.now()
        let cutoff = now - state.options.quotaWindow
        var window = (isWrite ? state.writes[token] : state.reads[token]) ?? []
        window.removeAll { $0 <= cutoff }
        guard window.count < perUser else { throw .rateLimited(write: isWrite, perUserLimit: perUser) }
        window.append(now)
        if isWrite { state.writes[token] = window } else { state.reads[token] = window }
    }
}
