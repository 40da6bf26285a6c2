import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the fake's core over HTTP: reads the whole body (counting bytes past the limit), then answers with JSON.
struct SheetsFakeResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let core: SheetsFakeCore
    let maxBodyBytes: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        var kept: [UInt8] = []
        var total = 0
        for try await chunk in request.body {
            total += chunk.readableBytes
            if total <= maxBodyBytes { kept.append(contentsOf: chunk.readableBytesView) }
        }
        if total > maxBodyBytes { kept = [] }
        let result = core.handle(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            authorization: request.headers[.authorization], body: kept, bodyBytes: total)
        return Response(
            status: HTTPResponse.Status(code: result.status),
            headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: result.body)))
    }
}
