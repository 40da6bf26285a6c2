import Foundation
import Hummingbird
import Logging
import SyncKit
import TikTokAds

/// Listens on this machine for the browser's return to the redirect URI after the advertiser authorised the app,
/// and hands back the authorisation code of the one callback that carries the link's `state`.
public struct CallbackListener: Sendable {
    public let redirectURI: URL
    public let port: Int
    public let path: String

    /// Nil when the redirect URI is not on this machine (then the user pastes the code: `auth exchange`).
    public init?(redirectURI: URL) {
        guard let local = AuthorizationLink.localListener(for: redirectURI) else { return nil }
        self.redirectURI = redirectURI
        port = local.port
        path = local.path
    }

    /// What ends the wait for the callback.
    enum Event: Sendable {
        case callback(AuthorizationCallback)
        case serverFailed(any Error)
        case timedOut
    }

    /// Serves until the callback arrives or `timeout` passes on `clock`, calling `onListening` once the port is bound;
    /// then runs `body` with the authorisation code while the listener still serves, so the browser gets its whole
    /// answer page while the code is exchanged.
    /// - Throws: a `SyncError` when the port is taken, the state does not match, the advertiser did not authorise,
    ///   or no callback came in time; or what `body` throws.
    public func withCode<T: Sendable>(expectedState: String, timeout: Duration, clock: any Clock<Duration> = ContinuousClock(),
                                      logger: Logger, onListening: @escaping @Sendable () async -> Void,
                                      _ body: (String) async throws -> T) async throws -> T {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let router = Router()
        router.get(RouterPath(path)) { request, _ -> Response in
            let callback = AuthorizationCallback(query: request.uri.query)
            let accepted = callback.state == expectedState && callback.authCode != nil
            let html = Self.page(accepted
                ? "Authorisation received. You can close this tab and return to the terminal."
                : "This is not the answer tiktok-ads auth login is waiting for (see the terminal).")
            // The command learns of the callback once the page is written, so it never stops the server mid-answer.
            return Response(status: accepted ? .ok : .badRequest, headers: [.contentType: "text/html; charset=utf-8"],
                            body: ResponseBody(contentLength: html.utf8.count) { writer in
                                try await writer.write(ByteBuffer(string: html))
                                continuation.yield(.callback(callback))
                            })
        }
        var quiet = logger
        if quiet.logLevel > .debug { quiet.logLevel = .critical }  // the server's own lifecycle messages are noise here
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { _ in await onListening() }, logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await app.run() } catch { continuation.yield(.serverFailed(error)) }
            }
            group.addTask {
                try await clock.sleep(for: timeout)
                continuation.yield(.timedOut)
            }
            defer {
                continuation.finish()
                group.cancelAll()
            }
            let code = try await firstCode(events, expectedState: expectedState, timeout: timeout)
            return try await body(code)
        }
    }

    /// The code of the first event, or the error it means.
    func firstCode(_ events: AsyncStream<Event>, expectedState: String, timeout: Duration) async throws -> String {
        let redirect = redirectURI.absoluteString
        for await event in events {
            switch event {
            case .callback(let callback):
                guard callback.state == expectedState else {
                    throw SyncError(.authentication, "The browser came back to \(redirect) with another state than the link this command printed (an old tab, or a link someone else made). Nothing was saved. Run `tiktok-ads auth login` again and use the new link.")
                }
                guard let code = callback.authCode else {
                    throw SyncError(.authentication, "TikTok sent the browser back without an authorisation code: the app was not authorised. Nothing was saved. Run `tiktok-ads auth login` again and confirm the authorisation.")
                }
                return code
            case .serverFailed(let error):
                if String(describing: error).contains("Address already in use") {
                    throw SyncError(.badInput, "Port \(port) of the redirect URI \(redirect) is in use by another program, so the callback cannot be received. Stop that program, or register another local redirect URI for your app and pass it with --redirect-uri.")
                }
                throw SyncError(.badInput, "Cannot listen on \(redirect) for the callback: \(error). Register another local redirect URI for your app and pass it with --redirect-uri.")
            case .timedOut:
                throw SyncError(.authentication, "No callback reached \(redirect) within \(timeout.components.seconds) s. Nothing was saved. Check that this redirect URI is the one registered for your app and that the browser runs on this machine; or, on a machine without a browser, authorise elsewhere and pass the code from the address bar to `tiktok-ads auth exchange --auth-code CODE`.")
            }
        }
        throw SyncError(.authentication, "The callback listener on \(redirect) stopped before any callback. Run `tiktok-ads auth login` again.")
    }

    static func page(_ message: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>tiktok-ads</title></head>
        <body style="font-family: sans-serif; margin: 3em"><h1>tiktok-ads</h1><p>\(message)</p></body></html>
        """
    }
}
