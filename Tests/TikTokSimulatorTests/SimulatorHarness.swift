import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TikTokSimulator

/// A decoded simulator answer for assertions.
struct APIResult: @unchecked Sendable {
    var status: Int
    var bytes: [UInt8]
    var json: [String: Any]?

    var code: Int? { (json?["code"] as? NSNumber)?.intValue }
    var message: String? { json?["message"] as? String }
    var data: [String: Any]? { json?["data"] as? [String: Any] }
    var list: [[String: Any]] { (data?["list"] as? [[String: Any]]) ?? [] }
    var pageInfo: [String: Int] {
        ((data?["page_info"] as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
    }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Test helpers: options with a fixed now, and a small HTTP client.
enum Harness {
    static let fixedNow = Date(timeIntervalSince1970: 1_768_478_400)  // 2026-01-15T12:00:00Z
    static let token = "sim-access-token"

    static func options(seed: UInt64 = 42, _ configure: (inout SimulatorOptions) -> Void = { _ in }) -> SimulatorOptions {
        var o = SimulatorOptions()
        o.seed = seed
        o.now = fixedNow
        configure(&o)
        return o
    }

    /// Runs `body` against a fresh simulator on a free port.
    static func withSimulator<T: Sendable>(
        _ options: SimulatorOptions, clock: any Clock<Duration> = ContinuousClock(),
        _ body: @Sendable (TikTokSimulator, URL) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "tiktok-simulator-tests")
        logger.logLevel = .critical
        let sim = TikTokSimulator(options: options, logger: logger, clock: clock)
        return try await sim.withRunningServer { url in try await body(sim, url) }
    }

    static func encode(_ params: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return params.sorted { $0.key < $1.key }.map { k, v in
            "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)"
        }.joined(separator: "&")
    }

    /// How long a test request may wait for its answer when the test is not about deadlines: long enough that a
    /// machine too busy to run the test for a while does not fail it (tests of a deadline pass their own).
    static let patience: TimeAmount = .minutes(5)

    static func get(
        _ base: URL, _ endpoint: String, _ params: [String: String] = [:], token: String? = Harness.token,
        trailingSlash: Bool = true, timeout: TimeAmount = Harness.patience
    ) async throws -> APIResult {
        var url = base.absoluteString + "v1.3/" + endpoint + (trailingSlash ? "/" : "")
        if !params.isEmpty { url += "?" + encode(params) }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        if let token { request.headers.add(name: "Access-Token", value: token) }
        return try await send(request, timeout: timeout)
    }

    static func post(_ base: URL, _ endpoint: String, json: [String: String]) async throws -> APIResult {
        var request = HTTPClientRequest(url: base.absoluteString + "v1.3/" + endpoint + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let data = try JSONSerialization.data(withJSONObject: json)
        request.body = .bytes(ByteBuffer(bytes: data))
        return try await send(request, timeout: Harness.patience)
    }

    static func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> APIResult {
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 << 20)
        let bytes = Array(body.readableBytesView)
        let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        return APIResult(status: Int(response.status.code), bytes: bytes, json: json)
    }

    static func jsonText(_ value: Any) -> String {
        // Test inputs are always valid JSON values.
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    /// A report request's parameters.
    static func report(
        advertiser: String, level: String = "AUCTION_AD", dimensions: [String], metrics: [String] = ["spend", "impressions"],
        start: String? = "2026-01-01", end: String? = "2026-01-15", type: String = "BASIC", pageSize: Int = 1000,
        page: Int = 1, statusAll: Bool = false, extra: [String: String] = [:]
    ) -> [String: String] {
        var p: [String: String] = [
            "advertiser_id": advertiser, "report_type": type, "data_level": level,
            "dimensions": jsonText(dimensions), "metrics": jsonText(metrics), "page_size": String(pageSize),
            "page": String(page),
        ]
        if let start { p["start_date"] = start }
        if let end { p["end_date"] = end }
        if statusAll {
            let field: String
            switch level {
            case "AUCTION_CAMPAIGN": field = "campaign_status"
            case "AUCTION_ADGROUP": field = "adgroup_status"
            default: field = "ad_status"
            }
            p["filtering"] = jsonText([["field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"]])
        }
        for (k, v) in extra { p[k] = v }
        return p
    }

    /// Fetches every page of a report and returns all rows.
    static func allRows(_ base: URL, _ params: [String: String]) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var page = 1
        while true {
            var p = params
            p["page"] = String(page)
            let r = try await get(base, "report/integrated/get", p)
            guard r.code == 0 else { throw HarnessError(message: "report failed: \(r.text)") }
            rows += r.list
            if page >= (r.pageInfo["total_page"] ?? 0) { break }
            page += 1
        }
        return rows
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension [String: Any] {
    func dim(_ key: String) -> String? { (self["dimensions"] as? [String: Any])?[key] as? String }
    func metric(_ key: String) -> Any? { (self["metrics"] as? [String: Any])?[key] }
    func metricString(_ key: String) -> String? { metric(key) as? String }
    /// A count or money metric as an integer in its smallest unit (money in hundredths).
    func hundredths(_ key: String) -> Int64 {
        guard let s = metricString(key) else { return -1 }
        if let dot = s.firstIndex(of: ".") {
            let whole = Int64(s[..<dot]) ?? 0
            let frac = Int64(s[s.index(after: dot)...].prefix(2).padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0
            return whole * 100 + frac
        }
        return Int64(s) ?? -1
    }
}

/// Builds raw requests for the control endpoints.
enum HTTPClientRequestBuilder {
    static func make(_ url: String, method: String, body: String? = nil) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url)
        r.method = .init(rawValue: method)
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(string: body))
        }
        return r
    }
}
