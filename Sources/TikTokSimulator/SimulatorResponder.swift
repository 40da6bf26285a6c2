import Foundation
import HTTPTypes
import Hummingbird

/// Hummingbird responder: API paths under /open_api/v1.3/, control paths under /_simulator/.
struct SimulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    /// Thrown inside a response body to close the connection mid-response.
    struct ConnectionReset: Error {}

    let core: SimulatorCore

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/_simulator/") || path == "/_simulator" {
            return try await control(request)
        }
        if path == "/portal/auth" || path == "/portal/auth/" {
            switch core.authorize(query: request.uri.query) {
            case .redirect(let location):
                return Response(status: .found, headers: [.location: location, .contentLength: "0"])
            case .refused(let status, let message):
                let page = "<!doctype html><html><head><title>TikTok For Business</title></head><body><p>\(Self.escapeHTML(message))</p></body></html>"
                return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "text/html; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
            }
        }
        var body: [UInt8] = []
        if request.method == .post || request.headers[.contentLength].map({ $0 != "0" }) == true {
            var r = request
            let buffer = try await r.collectBody(upTo: 1 << 20)
            body = Array(buffer.readableBytesView)
        }
        let token = request.headers[HTTPField.Name("Access-Token")!]  // constant, valid header name
        let result = await core.handle(
            method: request.method.rawValue, path: path, query: request.uri.query, accessToken: token, body: body)
        switch result {
        case .normal(let status, let type, let bytes):
            return Response(
                status: HTTPResponse.Status(code: status),
                headers: [.contentType: type == "application/json" ? "application/json; charset=utf-8" : type],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .reset:
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(contentLength: 4096) { writer in
                    try await writer.write(ByteBuffer(bytes: Array("{\"code\":0,\"message\":\"OK\",\"da".utf8)))
                    throw ConnectionReset()
                })
        }
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private func control(_ request: Request) async throws -> Response {
        let path = RequestLog.normalize(request.uri.path)
        switch (request.method, path) {
        case (.get, "_simulator/health"):
            return json(.ok, "{\"status\":\"ok\"}")
        case (.get, "_simulator/requests"):
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            let log = core.requestLog
            let payload = ControlLog(counts: log.countsByEndpoint, total: log.totalCount, arrivals: log.arrivals, entries: log.entries)
            let data = try encoder.encode(payload)
            return json(.ok, String(decoding: data, as: UTF8.self))
        case (.delete, "_simulator/requests"):
            core.resetLog()
            return json(.ok, "{\"status\":\"ok\"}")
        case (.post, "_simulator/now"):
            var r = request
            let buffer = try await r.collectBody(upTo: 1 << 16)
            struct Body: Decodable { var now: String }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)),
                let date = CivilTime.parseISO8601(body.now)
            else {
                return json(.badRequest, "{\"error\":\"expected {\\\"now\\\":\\\"2026-01-02T03:04:05Z\\\"}\"}")
            }
            core.setNow(date)
            return json(.ok, "{\"status\":\"ok\",\"now\":\"\(body.now)\"}")
        default:
            return json(.notFound, "{\"error\":\"unknown control endpoint\"}")
        }
    }

    /// The JSON shape of GET /_simulator/requests.
    struct ControlLog: Encodable {
        var counts: [String: Int]
        var total: Int
        /// Arrivals for the whole run (`total`) and per endpoint (`endpoints`): most in any sliding second and minute,
        /// 40100 answers by budget, QPM penalties.
        var arrivals: ArrivalStatistics
        var entries: [RequestLog.Entry]
    }
}
