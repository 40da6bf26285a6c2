import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

/// A decoded answer of the Sheets fake.
struct SheetsReply: @unchecked Sendable {
    var status: Int
    var text: String
    var json: [String: Any]

    /// `error.message`, `error.status` for error answers.
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    var errorStatus: String? { (json["error"] as? [String: Any])?["status"] as? String }
    var values: [[Any]] { (json["values"] as? [[Any]]) ?? [] }
    func string(_ key: String) -> String? { json[key] as? String }
    func int(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
}

/// A tiny Sheets API client for the fake's tests: requests go to `\(base)v4/spreadsheets/...`.
struct SheetsTestClient: Sendable {
    let base: URL
    var token: String? = "test-token"

    /// Percent-encodes a range for a URL path (`:` may stay, as the docs say).
    static func encode(_ range: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return range.addingPercentEncoding(withAllowedCharacters: allowed) ?? range
    }

    func send(_ method: HTTPMethod, _ path: String, query: String? = nil, body: String? = nil) async throws -> SheetsReply {
        try await send(method, path, query: query, bytes: body.map { Array($0.utf8) })
    }

    func send(_ method: HTTPMethod, _ path: String, query: String? = nil, bytes: [UInt8]?) async throws -> SheetsReply {
        var url = base.absoluteString + "v4/spreadsheets/" + path
        if let query { url += "?" + query }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let bytes {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        // Real time, so far beyond any answer of the local fake however loaded the machine (a 10 MB body once took over 30 s).
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer.readableBytesView)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return SheetsReply(status: Int(response.status.code), text: String(decoding: data, as: UTF8.self), json: json)
    }

    func getValues(_ id: String, _ range: String, query: String = "majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING") async throws -> SheetsReply {
        try await send(.GET, "\(id)/values/\(Self.encode(range))", query: query)
    }

    func batchUpdateValues(_ id: String, option: String = "RAW", range: String, values: String) async throws -> SheetsReply {
        try await send(
            .POST, "\(id)/values:batchUpdate",
            body: #"{"valueInputOption":"\#(option)","includeValuesInResponse":false,"data":[{"range":"\#(range)","majorDimension":"ROWS","values":\#(values)}]}"#)
    }

    func batchUpdate(_ id: String, _ requests: String) async throws -> SheetsReply {
        try await send(.POST, "\(id):batchUpdate", body: #"{"requests":[\#(requests)]}"#)
    }
}

/// Runs `body` against a fresh fake with one spreadsheet (`tabs`) on a free port.
func withSheetsFake<T: Sendable>(
    options: GoogleSheetsFakeOptions = GoogleSheetsFakeOptions(), tabs: [String] = ["Sheet1"],
    _ body: @Sendable (GoogleSheetsFake, SheetsTestClient, String) async throws -> T
) async throws -> T {
    let fake = GoogleSheetsFake(options: options)
    let id = fake.createSpreadsheet(id: "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", title: "Ads", tabs: tabs)
    return try await fake.withRunningServer { url in try await body(fake, SheetsTestClient(base: url), id) }
}
