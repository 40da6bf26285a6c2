import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SyncKit

/// One request as a hostile or recording server saw it.
package struct RecordedRequest: Sendable {
    package var method: String
    package var path: String
    package var query: String?
    package var headers: [(String, String)]
    package var body: String

    /// Everything the request carried, as one text (for "no credential arrived" checks).
    package var allText: String {
        ([method, path, query ?? "", body] + headers.map { "\($0.0): \($0.1)" }).joined(separator: "\n")
    }
}

/// What a hostile server answers.
package struct HostileAnswer: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: String

    package init(status: Int = 200, headers: [(String, String)] = [("Content-Type", "application/json")], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A redirect to `location`.
    package static func redirect(_ status: Int = 302, to location: String) -> HostileAnswer {
        HostileAnswer(status: status, headers: [("Location", location)], body: "")
    }
}

/// A local server that answers every request (any method, any path) with what `answer` decides, and
/// records what it received: the tool's behaviour against servers that misbehave on purpose.
package enum HostileServer {
    package static func with<T: Sendable>(label: String = "hostile-server",
                                          answer: @escaping @Sendable (RecordedRequest) async -> HostileAnswer,
                                          _ body: @Sendable (_ baseURL: String, _ received: Protected<[RecordedRequest]>) async throws -> T) async throws -> T {
        let received = Protected<[RecordedRequest]>([])
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let buffer = try await request.body.collect(upTo: 16 << 20)
            let recorded = RecordedRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                headers: request.headers.map { ($0.name.rawName, $0.value) }, body: String(buffer: buffer))
            received.withLock { $0.append(recorded) }
            let reply = await answer(recorded)
            var fields = HTTPFields()
            for (name, value) in reply.headers {
                if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
            }
            return Response(status: HTTPResponse.Status(code: reply.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method, use: handler)
            router.on("/", method: method, use: handler)
        }
        return try await LocalHTTPServer.withRouter(router, label: label) { port in
            try await body("http://127.0.0.1:\(port)", received)
        }
    }
}
