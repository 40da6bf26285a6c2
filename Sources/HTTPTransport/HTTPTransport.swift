import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SyncKit

/// Sends one HTTP request and reports what came back, without interpreting it: the single door every
/// remote call (TikTok, Google auth, BigQuery, Sheets) goes through.
///
/// Its client never follows a redirect by itself: a redirect is reported to the caller, which either
/// refuses it (TikTok never redirects) or follows it only to the same origin (Google), so credentials
/// in headers, query or body never travel to another host.
public struct HTTPTransport: Sendable {
    let client: HTTPClient

    /// The process-wide transport: one connection pool, redirects never followed automatically.
    public static let shared = HTTPTransport(client: HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30)),
            connectionPool: .init(),
            decompression: .disabled)))

    init(client: HTTPClient) { self.client = client }

    /// What to do when a server answers 3xx with a `Location`.
    public enum RedirectPolicy: Sendable {
        /// Report it as `.redirected`.
        case refuse
        /// Follow up to `max` redirects whose target has the same scheme, host and port; report any other.
        case sameOrigin(max: Int)
    }

    /// One request, fully in memory (the bodies this tool sends are small or pre-built).
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var url: String
        public var headers: [(String, String)]
        public var body: [UInt8]?
        public var timeout: Duration
        /// Bodies larger than this are a transport failure, not a crash.
        public var maxBodyBytes: Int

        public init(method: HTTPMethod = .GET, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                    timeout: Duration, maxBodyBytes: Int = 256 << 20) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeout = timeout
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What came back from one attempt.
    public enum Outcome: Sendable {
        case response(status: Int, headers: HTTPHeaders, body: [UInt8])
        /// A redirect the policy does not allow; both URLs are fit to print (no query).
        case redirected(status: Int, from: String, to: String)
        /// The request did not complete (timeout, reset, refused connection); never names the URL.
        case transportError(String)
    }

    public func send(_ request: Request, redirects: RedirectPolicy = .refuse) async -> Outcome {
        var current = request
        var followed = 0
        while true {
            let outcome = await sendOnce(current)
            guard case .response(let status, let headers, _) = outcome, (300..<400).contains(status),
                  let location = headers.first(name: "Location") else { return outcome }
            let target = URL(string: location, relativeTo: URL(string: current.url))?.absoluteURL
            let display = SecretRedactor.displayURL(target?.absoluteString ?? location)
            guard case .sameOrigin(let max) = redirects, followed < max, let target,
                  let origin = URL(string: current.url), Self.sameOrigin(origin, target) else {
                return .redirected(status: status, from: SecretRedactor.displayURL(current.url), to: display)
            }
            followed += 1
            current.url = target.absoluteString
            if status == 303 || ((status == 301 || status == 302) && current.method == .POST) {
                current.method = .GET
                current.body = nil
            }
        }
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme == "https" ? 443 : url.scheme == "http" ? 80 : nil) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }

    private func sendOnce(_ request: Request) async -> Outcome {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: TimeAmount(request.timeout))
            let buffer = try await response.body.collect(upTo: request.maxBodyBytes)
            return .response(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch is CancellationError {
            return .transportError("cancelled")
        } catch {
            return .transportError(Self.describe(error))
        }
    }

    /// A failure named without the URL (it can carry a secret).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timeout"
            case .remoteConnectionClosed: return "connection closed by the server"
            case .cancelled: return "cancelled"
            default: return "HTTP client error \(error.shortDescription)"
            }
        }
        if error is NIOTooManyBytesError { return "the answer was larger than the limit" }
        return SecretRedactor.redact("\(type(of: error)): \(error)")
    }
}

extension NIOCore.TimeAmount {
    /// A Swift `Duration` as NIO's time amount (nanosecond precision).
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
