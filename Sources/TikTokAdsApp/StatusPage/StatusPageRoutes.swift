import Foundation
import Hummingbird
import Logging
import SyncKit

/// The status page's routes, `/` (HTML) and `/status.json` (the same JSON as `tiktok-ads status --format json`), each
/// request reading the destination afresh through `SyncRequest.status`; behind basic auth when credentials are given.
public struct StatusPageRoutes: Sendable {
    public var server: StatusPage.Server
    public var credentials: BasicAuthCredentials?
    /// Reads the report (the same code as `tiktok-ads status`).
    public var report: @Sendable () async throws -> StatusReport

    public init(server: StatusPage.Server, credentials: BasicAuthCredentials?, report: @escaping @Sendable () async throws -> StatusReport) {
        self.server = server
        self.credentials = credentials
        self.report = report
    }

    func add(to router: Router<BasicRequestContext>, logger: Logger) {
        router.get("/") { request, _ -> Response in
            await answer(request, logger: logger, type: "text/html; charset=utf-8") { StatusPage.render($0, server: server) }
        }
        router.get("status.json") { request, _ -> Response in
            await answer(request, logger: logger, type: "application/json") { $0.json }
        }
    }

    private func answer(_ request: Request, logger: Logger, type: String, body: (StatusReport) -> String) async -> Response {
        if let credentials, !credentials.accepts(request.headers[.authorization]) {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"tiktok-ads status\", charset=\"UTF-8\"",
                                                              .contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "401: this page needs the user and password of --metrics-basic-auth-file.\n")))
        }
        do {
            let text = body(try await report())
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
        } catch {
            let message = SyncEngine.classify(error).message
            logger.error("status page could not read the destination", metadata: ["error": "\(message)"])
            return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: SecretRedactor.redact("503: the destination could not be read: \(message)\n"))))
        }
    }
}
